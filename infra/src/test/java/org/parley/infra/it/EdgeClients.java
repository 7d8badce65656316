package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.client.ParleyClient;

/**
 * What the ITs that talk to the edges as clients share: the full local stack (through {@link LocalStackExtension}),
 * optionally a second edge for the class's tests, one Vert.x for their clients, the edges' URLs and unique client
 * message ids. Usage: {@code @RegisterExtension static final EdgeClients EDGES = EdgeClients.oneEdge();}
 */
public final class EdgeClients implements BeforeAllCallback, AfterAllCallback {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final LocalStackExtension stack = LocalStackExtension.full();
    private final boolean secondEdge;
    private final AtomicInteger ids = new AtomicInteger();
    private volatile Vertx vertx;

    private EdgeClients(boolean secondEdge) {
        this.secondEdge = secondEdge;
    }

    /** Clients of edge 0. */
    public static EdgeClients oneEdge() {
        return new EdgeClients(false);
    }

    /** Clients of edges 0 and 1: the second edge runs for the class's tests only. */
    public static EdgeClients twoEdges() {
        return new EdgeClients(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stack.beforeAll(context);
        if (secondEdge) {
            stack.upWithSecondEdge();
        }
        vertx = Vertx.vertx();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (vertx != null) {
            vertx.close();
        }
        if (secondEdge) {
            stack.downSecondEdge();
        }
    }

    public LocalStackExtension stack() {
        return stack;
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Edge i's HTTP base URL. */
    public String url(int edge) {
        return stack.edgeHttpUrl(edge).toString();
    }

    /** Edge 0's HTTP base URL. */
    public String url() {
        return url(0);
    }

    /** A client frame of the type with a client message id unique in this class: {@code <type>-<n>}. */
    public JsonObject frame(String type) {
        return new JsonObject().put("type", type).put("clientMessageId", type + "-" + ids.incrementAndGet());
    }

    /** A {@code send} of the text (UTF-8) as the payload. */
    public JsonObject message(String conversationId, String text) {
        return frame("send").put("conversationId", conversationId)
                .put("payload", Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends the frame (again while the pipeline is not ready) and returns the seq of its {@code sent} answer. */
    public static long sent(ParleyClient c, JsonObject frame) throws Exception {
        JsonObject r = c.actRetrying(frame, WAIT, 5);
        assertThat(r.getString("type")).as("answer to %s: %s", frame, r).isEqualTo("sent");
        return r.getLong("seq");
    }

    /** The message event of the conversation at seq, as the client receives it. */
    public static JsonObject messageEvent(ParleyClient c, String conversationId, long seq) throws Exception {
        return c.awaitFrame(f -> "message".equals(f.getString("type"))
                && conversationId.equals(f.getString("conversationId")) && f.getLong("seq") == seq, WAIT);
    }
}
