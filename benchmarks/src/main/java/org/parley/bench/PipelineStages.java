package org.parley.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.UserItem;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where a one-to-one message's time goes: open-loop sends between device pairs over real WebSockets, while four taps
 * in this process read the topics the message crosses and note when each copy of it becomes readable:
 *
 * <pre>
 * send ─edge─▶ actions ─sequencer─▶ conversation-events ─fan-out 1─▶ user-items ─fan-out 2─▶ edge-deliveries ─edge─▶ device
 * </pre>
 *
 * Each stage is the difference of two such instants on one clock, so a tap's own fetch wait (at most
 * {@code kafka.consumer.fetch-max-wait-ms}, as on the hot path) moves a few ms from one stage to the next; the
 * total is exact. conversation-events is read read_committed (what the fan-out sees: after the sequencer's
 * transaction commits); the other topics are written without transactions. A benchmark, not a test.
 */
@Command(name = "pipeline-stages", mixinStandardHelpOptions = true,
        description = "Open-loop one-to-one sends; per-stage p50/p90/p99/max from Kafka taps on every hop.")
public final class PipelineStages implements Callable<Integer> {
    @Option(names = "--edge", defaultValue = "http://127.0.0.1:28080", description = "HTTP base URL of the edge")
    String edge;

    @Option(names = "--pairs", defaultValue = "20", description = "sender/recipient device pairs")
    int pairs;

    @Option(names = "--rate", defaultValue = "50", description = "messages per second, all pairs together")
    int rate;

    @Option(names = "--duration", defaultValue = "30", description = "measured seconds")
    int duration;

    @Option(names = "--warmup", defaultValue = "5", description = "seconds sent but not measured")
    int warmup;

    @Option(names = "--out", description = "JSON result file")
    Path out;

    /** The stages, in path order: each ends at the named instant and starts at the previous one. */
    static final List<String> INSTANTS = List.of("send", "actions", "conversation-events", "user-items",
            "edge-deliveries", "device");

    private final Settings settings = Settings.load();
    private final TopicCatalog topics = TopicCatalog.from(settings);
    private final SchemaRegistryClient registry = new SchemaRegistryClient(settings.registryUrl());
    /** clientMessageId → instant (nanoTime) per INSTANTS index; first sighting wins. */
    private final Map<String, long[]> seen = new ConcurrentHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new PipelineStages()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String run = "st" + UUID.randomUUID().toString().substring(0, 6);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> taps = List.of(
                tap(topics.actions().name(), false, ClientAction.getClassSchema(),
                        (ClientAction a) -> a.getClientMessageId(), 1, run, stop),
                tap(topics.conversationEvents().name(), true, ConversationEvent.getClassSchema(),
                        (ConversationEvent e) -> e.getClientMessageId(), 2, run, stop),
                tap(topics.userItems().name(), false, UserItem.getClassSchema(),
                        (UserItem i) -> i.getEvent() == null ? null : i.getEvent().getClientMessageId(), 3, run, stop),
                tap(topics.edgeDeliveries().name(), false, DeviceDelivery.getClassSchema(),
                        (DeviceDelivery d) -> d.getEvent() == null ? null : d.getEvent().getClientMessageId(), 4, run,
                        stop));
        Vertx vertx = Vertx.vertx();
        List<ParleyClient> clients = new ArrayList<>();
        try {
            Duration timeout = Duration.ofSeconds(30);
            List<ParleyClient> senders = new ArrayList<>();
            List<String> recipients = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                ParleyClient.Device a = ParleyClient.register(edge, run + "-a" + i, CodeOutbox::latest);
                ParleyClient.Device b = ParleyClient.register(edge, run + "-b" + i, CodeOutbox::latest);
                ParleyClient sender = ParleyClient.connect(vertx, edge, a, null, timeout);
                ParleyClient recipient = ParleyClient.connect(vertx, edge, b, null, timeout);
                recipient.onFrame(f -> {
                    if ("message".equals(f.getString("type"))) {
                        saw(f.getString("clientMessageId"), 5, System.nanoTime());
                        recipient.ack(f.getLong("inboxSeq"));
                    }
                });
                clients.add(sender);
                clients.add(recipient);
                senders.add(sender);
                recipients.add(b.userId());
            }
            int total = rate * (warmup + duration);
            int firstMeasured = rate * warmup;
            long intervalNanos = 1_000_000_000L / rate;
            long start = System.nanoTime() + 100_000_000L;
            byte[] payload = new byte[100];
            System.out.printf("pipeline-stages: %d pairs, %d msg/s, %d s (+%d s warm-up)%n", pairs, rate, duration, warmup);
            for (int n = 0; n < total; n++) {
                long due = start + n * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing the open loop, not waiting for a condition
                }
                String id = run + "-" + n;
                saw(id, 0, due); // from the scheduled time: a late send is counted against us
                senders.get(n % pairs).send(id, recipients.get(n % pairs), payload);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && complete(run, firstMeasured, total) < total - firstMeasured) {
                TimeUnit.MILLISECONDS.sleep(100); // draining: bounded, then whatever is missing is reported
            }
            JsonObject result = report(run, firstMeasured, total);
            System.out.println(result.encodePrettily());
            if (out != null) {
                Files.writeString(out, result.encodePrettily());
            }
            return result.getLong("incomplete") == 0 ? 0 : 1;
        } finally {
            stop.set(true);
            clients.forEach(ParleyClient::close);
            vertx.close();
            for (Thread t : taps) {
                t.join(5_000);
            }
        }
    }

    private void saw(String id, int instant, long at) {
        if (id == null) {
            return;
        }
        long[] times = seen.computeIfAbsent(id, k -> new long[INSTANTS.size()]);
        synchronized (times) {
            if (times[instant] == 0) {
                times[instant] = at;
            }
        }
    }

    private long complete(String run, int from, int to) {
        long n = 0;
        for (int i = from; i < to; i++) {
            long[] t = seen.get(run + "-" + i);
            if (t != null && t[INSTANTS.size() - 1] != 0) {
                n++;
            }
        }
        return n;
    }

    private JsonObject report(String run, int from, int to) {
        Map<String, Histogram> stages = new LinkedHashMap<>();
        for (int s = 1; s < INSTANTS.size(); s++) {
            stages.put(INSTANTS.get(s - 1) + " → " + INSTANTS.get(s), new Histogram(60_000_000_000L, 3));
        }
        Histogram total = new Histogram(60_000_000_000L, 3);
        long incomplete = 0;
        for (int i = from; i < to; i++) {
            long[] t = seen.get(run + "-" + i);
            boolean all = t != null;
            for (int s = 0; all && s < t.length; s++) {
                all = t[s] != 0;
            }
            if (!all) {
                incomplete++;
                continue;
            }
            for (int s = 1; s < t.length; s++) {
                // A tap can see a record a little after the next hop's tap does: a stage is never negative.
                stages.get(INSTANTS.get(s - 1) + " → " + INSTANTS.get(s)).recordValue(Math.max(0, t[s] - t[s - 1]));
            }
            total.recordValue(t[t.length - 1] - t[0]);
        }
        JsonObject byStage = new JsonObject();
        stages.forEach((name, h) -> byStage.put(name, Percentiles.summary(h)));
        return new JsonObject().put("pairs", pairs).put("rate", rate).put("durationSeconds", duration)
                .put("messages", to - from).put("incomplete", incomplete)
                .put("total", Percentiles.summary(total)).put("stages", byStage);
    }

    private <T extends SpecificRecord> Thread tap(String topic, boolean readCommitted, Schema schema,
            Function<T, String> clientMessageId, int instant, String run, AtomicBoolean stop) throws InterruptedException {
        CountDownLatch positioned = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, settings.getInt("kafka.consumer.fetch-max-wait-ms"));
            AvroWireDeserializer<T> values = new AvroWireDeserializer<>(registry, schema);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                c.assign(partitions);
                c.seekToEnd(partitions);
                partitions.forEach(c::position); // the end now, before anything is sent
                positioned.countDown();
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                        long now = System.nanoTime();
                        if (r.value() == null) {
                            continue;
                        }
                        String id = clientMessageId.apply(values.deserialize(topic, r.value()));
                        if (id != null && id.startsWith(run)) {
                            saw(id, instant, now);
                        }
                    }
                }
            }
        }, "tap-" + topic);
        t.setDaemon(true);
        t.start();
        if (!positioned.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("tap on " + topic + " did not start");
        }
        return t;
    }
}
