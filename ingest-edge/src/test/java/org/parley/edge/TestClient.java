package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client for edge tests: frames are queued and awaited with a timeout. */
final class TestClient implements AutoCloseable {
    final WebSocket ws;
    private final WebSocketClient client;
    final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    volatile boolean closed;

    private TestClient(WebSocketClient client, WebSocket ws) {
        this.client = client;
        this.ws = ws;
        ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
        ws.closeHandler(v -> closed = true);
    }

    static TestClient connect(Vertx vertx, int port, String uri) throws Exception {
        // Connected from a Vert.x context, the handlers are attached in the event-loop turn that completes the upgrade,
        // so no early frame is missed (chained from this thread, "ready" could come before them and be lost).
        // Keep the client referenced: Vert.x closes an unreachable client (and its connections) when it is collected.
        WebSocketClient client = vertx.createWebSocketClient();
        io.vertx.core.Promise<TestClient> connected = io.vertx.core.Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> client
                .connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
                .map(ws -> new TestClient(client, ws))
                .onComplete(connected));
        return connected.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    void send(String text) {
        ws.writeTextMessage(text);
    }

    void send(JsonObject frame) {
        ws.writeTextMessage(frame.encode());
    }

    void sendBinary(byte[] bytes) {
        ws.writeBinaryMessage(Buffer.buffer(bytes));
    }

    JsonObject next() throws InterruptedException {
        JsonObject f = frames.poll(10, TimeUnit.SECONDS);
        assertThat(f).as("a frame within 10 s").isNotNull();
        return f;
    }

    JsonObject next(String type) throws InterruptedException {
        JsonObject f = next();
        assertThat(f.getString("type")).as("frame %s", f).isEqualTo(type);
        return f;
    }

    @Override
    public void close() {
        ws.close();
        client.close();
    }
}
