package org.parley.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Closed-loop probe of the whole pipeline: A sends, B receives, B acks, then the next send. Measures send → "sent"
 * at A and send → receipt at B, over real WebSockets against a running stack. A benchmark, not a test.
 */
@Command(name = "one-to-one-latency", mixinStandardHelpOptions = true,
        description = "Sequential one-to-one sends through the running stack; prints p50/p90/p99/max.")
public final class OneToOneLatency implements Callable<Integer> {
    @Option(names = "--edge", description = "HTTP base URL of A's edge", defaultValue = "http://127.0.0.1:28080")
    String edgeA;

    @Option(names = "--edge-b", description = "HTTP base URL of B's edge (default: same as A)")
    String edgeB;

    @Option(names = "--messages", defaultValue = "200")
    int messages;

    @Option(names = "--warmup", defaultValue = "20")
    int warmup;

    @Option(names = "--payload-bytes", defaultValue = "100")
    int payloadBytes;

    @Option(names = "--out", description = "JSON result file")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new OneToOneLatency()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            String run = UUID.randomUUID().toString().substring(0, 8);
            ParleyClient.Device a = ParleyClient.register(edgeA, "bench-a-" + run, CodeOutbox::latest);
            ParleyClient.Device b = ParleyClient.register(edgeB == null ? edgeA : edgeB, "bench-b-" + run,
                    CodeOutbox::latest);
            Duration timeout = Duration.ofSeconds(30);
            try (ParleyClient alice = ParleyClient.connect(vertx, edgeA, a, null, timeout);
                 ParleyClient bob = ParleyClient.connect(vertx, edgeB == null ? edgeA : edgeB, b, null, timeout)) {
                Histogram delivered = new Histogram(60_000_000_000L, 3);
                Histogram sent = new Histogram(60_000_000_000L, 3);
                Map<String, Long> sentAt = new ConcurrentHashMap<>();
                Map<String, Long> sentFrameAt = new ConcurrentHashMap<>();
                alice.onFrame(f -> {
                    if ("sent".equals(f.getString("type"))) {
                        sentFrameAt.put(f.getString("clientMessageId"), System.nanoTime());
                    }
                });
                bob.onFrame(f -> {
                    if ("message".equals(f.getString("type"))) {
                        bob.ack(f.getLong("inboxSeq"));
                    }
                });
                byte[] payload = new byte[payloadBytes];
                for (int i = 0; i < warmup + messages; i++) {
                    String id = "m" + i;
                    long t0 = System.nanoTime();
                    sentAt.put(id, t0);
                    alice.send(id, b.userId(), payload);
                    JsonObject got = bob.awaitFrame(f -> "message".equals(f.getString("type"))
                            && id.equals(f.getString("clientMessageId")), timeout);
                    long t1 = System.nanoTime();
                    alice.awaitFrame(f -> "sent".equals(f.getString("type")) && id.equals(f.getString("clientMessageId")),
                            timeout);
                    if (i >= warmup && got != null) {
                        delivered.recordValue(t1 - t0);
                        sent.recordValue(sentFrameAt.get(id) - t0);
                    }
                }
                JsonObject result = new JsonObject().put("messages", messages).put("warmup", warmup)
                        .put("payloadBytes", payloadBytes)
                        .put("sendToReceiveMs", Percentiles.summary(delivered))
                        .put("sendToSentMs", Percentiles.summary(sent));
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
