package org.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The protocol client against a stand-in WebSocket server that says "synced" and echoes frames back. */
class ParleyClientTest {
    private Vertx vertx;
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().webSocketHandler(ws -> {
            ws.writeTextMessage(new JsonObject().put("type", "ready").put("query", ws.query()).encode());
            ws.writeTextMessage(new JsonObject().put("type", "synced").put("inboxSeq", 0).encode());
            java.util.Map<String, Integer> tries = new java.util.HashMap<>();
            ws.textMessageHandler(text -> {
                JsonObject f = new JsonObject(text);
                String id = f.getString("clientMessageId", "");
                if (!id.startsWith("slow-")) {
                    ws.writeTextMessage(text);
                } else if (tries.merge(id, 1, Integer::sum) <= 2) {
                    // The edge's answer while the sequencer is slow: retry with the same id.
                    ws.writeTextMessage(new JsonObject().put("type", "error").put("code", "TIMEOUT").put("ref", id)
                            .encode());
                } else {
                    ws.writeTextMessage(new JsonObject().put("type", "sent").put("clientMessageId", id).put("seq", 1)
                            .encode());
                }
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void connectsWithTheTokenAndCursorAndWaitsForSynced() throws Exception {
        var device = new ParleyClient.Device("alice", "d1", "d1.secret");
        try (ParleyClient c = ParleyClient.connect(vertx, base, device, 41L, Duration.ofSeconds(10))) {
            assertThat(c.frames()).extracting(f -> f.getString("type")).containsExactly("ready", "synced");
            assertThat(c.frames("ready").get(0).getString("query")).isEqualTo("token=d1.secret&lastInboxSeq=41");
        }
    }

    @Test
    void framesAreKeptInOrderAndMatchedByPredicate() throws Exception {
        var device = new ParleyClient.Device("alice", "d1", "d1.secret");
        try (ParleyClient c = ParleyClient.connect(vertx, base, device, null, Duration.ofSeconds(10))) {
            c.send("m1", "bob", new byte[] {1, 2});
            c.ack(7);
            JsonObject echoed = c.awaitFrame(f -> "send".equals(f.getString("type")), Duration.ofSeconds(10));
            assertThat(echoed.getString("clientMessageId")).isEqualTo("m1");
            assertThat(echoed.getString("to")).isEqualTo("bob");
            assertThat(echoed.getString("payload")).isEqualTo("AQI=");
            assertThat(c.awaitFrame(f -> "ack".equals(f.getString("type")), Duration.ofSeconds(10)).getLong("inboxSeq"))
                    .isEqualTo(7L);
            assertThatThrownBy(() -> c.awaitFrame(f -> "never".equals(f.getString("type")), Duration.ofMillis(200)))
                    .isInstanceOf(TimeoutException.class).hasMessageContaining("received");
        }
    }

    @Test
    void aTimeoutIsRetriedWithTheSameIdWhileTheBudgetLasts() throws Exception {
        var device = new ParleyClient.Device("alice", "d1", "d1.secret");
        try (ParleyClient c = ParleyClient.connect(vertx, base, device, null, Duration.ofSeconds(60))) {
            JsonObject answer = c.actRetryingWithin(new JsonObject().put("type", "send").put("clientMessageId", "slow-1"),
                    Duration.ofSeconds(10), Duration.ofMinutes(1));
            assertThat(answer.getString("type")).as("the third try's answer: %s", answer).isEqualTo("sent");

            JsonObject spent = c.actRetryingWithin(new JsonObject().put("type", "send").put("clientMessageId", "slow-2"),
                    Duration.ofSeconds(10), Duration.ZERO);
            assertThat(spent.getString("code")).as("no budget left: the first answer").isEqualTo("TIMEOUT");
        }
    }

    @Test
    void messageInfoAsksForOneMessageAndReturnsTheAnswerToThatRequest() throws Exception {
        var device = new ParleyClient.Device("alice", "d1", "d1.secret");
        // Generous: whichever test runs first pays the client's cold start, which takes over 10 s on a loaded machine.
        try (ParleyClient c = ParleyClient.connect(vertx, base, device, null, Duration.ofSeconds(60))) {
            // The stand-in server echoes the request: the echo is the answer to that requestId.
            JsonObject first = c.messageInfo("g:book-club", 7, Duration.ofSeconds(10));
            assertThat(first.getString("type")).isEqualTo("messageInfo");
            assertThat(first.getString("conversationId")).isEqualTo("g:book-club");
            assertThat(first.getLong("seq")).isEqualTo(7L);
            JsonObject second = c.messageInfo("g:book-club", 8, Duration.ofSeconds(10));
            assertThat(second.getLong("seq")).as("a new request, not the first answer again").isEqualTo(8L);
            assertThat(second.getString("requestId")).isNotEqualTo(first.getString("requestId"));
            assertThat(c.frames("messageInfo")).as("answers are handed over, not kept").isEmpty();
        }
    }
}
