package org.parley.edge.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OutboundFlowTest {
    private WebSocketClient client;

    @Test
    void aWriteToASocketThatClosedUnderneathIsDroppedWithoutAnException(Vertx vertx, VertxTestContext ctx) {
        // A delivery can reach the connection after the client went away and before its close handler ran: the write
        // must not throw on the event loop (it did, from writeQueueFull, thousands of times at the end of a load run).
        AtomicReference<OutboundFlow> flow = new AtomicReference<>();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.toWebSocket().onSuccess(ws -> {
            OutboundFlow f = new OutboundFlow(vertx, ws, 1024, 1 << 20, 10_000, 0).start();
            flow.set(f);
            ws.closeHandler(v -> ctx.verify(() -> {
                assertThat(ws.isClosed()).isTrue();
                f.write("{\"type\":\"delivery\"}");
                assertThat(f.congested()).isFalse();
                ctx.completeNow();
            }));
        }).onFailure(ctx::failNow));
        client = vertx.createWebSocketClient(); // referenced: Vert.x closes a collected client
        server.listen(0, "127.0.0.1")
                .compose(s -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
                        .setPort(s.actualPort()).setURI("/")))
                .compose(ws -> ws.close()).onFailure(ctx::failNow);
    }
}
