package org.parley.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Typing latency: A sends a typing frame (start, stop, start, ...), B's client receives it; one at a time, paced
 * under the typing rate limit. Real WebSockets against a running stack. A benchmark, not a test.
 */
@Command(name = "typing-latency", mixinStandardHelpOptions = true,
        description = "Sequential typing frames A -> B through the running stack; prints p50/p90/p99/max.")
public final class TypingLatency implements Callable<Integer> {
    @Option(names = "--edge", description = "HTTP base URL of A's edge", defaultValue = "http://127.0.0.1:28080")
    String edgeA;

    @Option(names = "--edge-b", description = "HTTP base URL of B's edge (default: same as A)")
    String edgeB;

    @Option(names = "--samples", defaultValue = "200")
    int samples;

    @Option(names = "--warmup", defaultValue = "10")
    int warmup;

    @Option(names = "--interval-ms", defaultValue = "250", description = "pause between frames (typing.max-per-second)")
    long intervalMs;

    @Option(names = "--out", description = "JSON result file")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TypingLatency()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            String run = UUID.randomUUID().toString().substring(0, 8);
            String b0 = edgeB == null ? edgeA : edgeB;
            ParleyClient.Device a = ParleyClient.register(edgeA, "bench-ta-" + run, CodeOutbox::latest);
            ParleyClient.Device b = ParleyClient.register(b0, "bench-tb-" + run, CodeOutbox::latest);
            String conversation = Conversations.direct(a.userId(), b.userId());
            Duration timeout = Duration.ofSeconds(30);
            try (ParleyClient alice = ParleyClient.connect(vertx, edgeA, a, null, timeout);
                 ParleyClient bob = ParleyClient.connect(vertx, b0, b, null, timeout)) {
                BlockingQueue<Long> received = new LinkedBlockingQueue<>();
                bob.onFrame(f -> {
                    if ("typing".equals(f.getString("type"))) {
                        received.add(System.nanoTime());
                    }
                });
                Histogram latency = new Histogram(60_000_000_000L, 3);
                for (int i = 0; i < warmup + samples; i++) {
                    long t0 = System.nanoTime();
                    alice.typing(conversation, i % 2 == 0 ? "start" : "stop");
                    Long t1 = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    if (t1 == null) {
                        throw new IllegalStateException("typing frame " + i + " never arrived");
                    }
                    if (i >= warmup) {
                        latency.recordValue(t1 - t0);
                    }
                    long pause = intervalMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    if (pause > 0) {
                        TimeUnit.MILLISECONDS.sleep(pause); // a benchmark's pacing, not a test wait
                    }
                }
                JsonObject result = new JsonObject().put("samples", samples).put("warmup", warmup)
                        .put("typingSentToReceivedMs", Percentiles.summary(latency));
                System.out.println(result.encodePrettily());
                if (out != null) {
                    Files.writeString(out, result.encodePrettily());
                }
            }
            return 0;
        } finally {
            vertx.close();
        }
    }
}
