package org.parley.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The WebSocket floor: text frames of a send frame's size to the edge's {@code /v1/bench/echo} (the same HTTP server,
 * event loop and codec as {@code /v1/ws}; enabled by {@code edge.bench-echo=true}) and back, at the run's rate, open
 * loop, over {@code connections} sockets in turn.
 */
public final class EchoFloor {
    private EchoFloor() {
    }

    public static JsonObject run(Vertx vertx, String edgeHttpBase, int connections, double rate, int warmupSeconds,
                                 int seconds, int payloadBytes) throws Exception {
        URI base = URI.create(edgeHttpBase);
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000)
                .setTcpNoDelay(true));
        long total = Schedule.count(rate, warmupSeconds + seconds);
        long[] scheduled = new long[(int) total];
        AtomicLongArray seen = new AtomicLongArray((int) total);
        AtomicLong received = new AtomicLong();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        LatencyStats rtt = new LatencyStats("echo-floor", start, warmupSeconds + seconds + 15);
        Schedule schedule = new Schedule(start, rate, total);
        List<WebSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                WebSocket ws;
                try {
                    ws = client.connect(new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort())
                            .setURI("/v1/bench/echo")).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    return new JsonObject().put("available", false).put("reason", "cannot open " + edgeHttpBase
                            + "/v1/bench/echo (" + e.getCause() + "): start the edge with PARLEY_EDGE_BENCH_ECHO=true");
                }
                ws.textMessageHandler(text -> {
                    long now = System.nanoTime();
                    int at = text.indexOf("\"n\":");
                    if (at < 0) {
                        return;
                    }
                    int end = text.indexOf(',', at);
                    int n = Integer.parseInt(text, at + 4, end, 10);
                    if (n >= 0 && n < total && seen.compareAndSet(n, 0, now)) {
                        received.incrementAndGet();
                        rtt.record(scheduled[n], now, schedule.measured(n, warmupSeconds));
                    }
                });
                sockets.add(ws);
            }
            byte[] payload = new byte[payloadBytes];
            String pad = Base64.getEncoder().encodeToString(payload);
            schedule.run(Schedule.Clock.SYSTEM, (n, due) -> {
                scheduled[(int) n] = due;
                sockets.get((int) (n % sockets.size())).writeTextMessage("{\"type\":\"echo\",\"n\":" + n
                        + ",\"clientMessageId\":\"echo-floor\",\"to\":\"nobody\",\"payload\":\"" + pad + "\"}");
            }, Long.MAX_VALUE, () -> false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() < total && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        } finally {
            sockets.forEach(ws -> ws.close());
            Future.join(List.of(client.close())).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        return new JsonObject().put("available", true).put("connections", connections).put("rate", rate)
                .put("seconds", seconds).put("warmupSeconds", warmupSeconds).put("messages", total)
                .put("lost", total - received.get()).put("roundTrip", rtt.summary().put("timeline", rtt.timeline()));
    }
}
