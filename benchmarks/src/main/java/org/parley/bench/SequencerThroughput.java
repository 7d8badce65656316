package org.parley.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.parley.config.Settings;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.Conversations;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;
import org.parley.serde.AvroWireSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sequencer alone, as a read_committed reader downstream of it sees it: appends SEND_MESSAGE actions to
 * {@code actions} at a fixed rate (open loop: the clock, not the replies, paces the sends; latency is counted from
 * each action's scheduled time, so a stalled sender cannot hide a stall) and measures, per action, the time until a
 * {@code read_committed} consumer of {@code conversation-events} holds the matching event.
 *
 * <p>One step per rate of {@code --rates}; each step runs {@code --seconds}, then waits up to {@code --drain-seconds}
 * for the last events. A step is <em>sustained</em> when every event arrived, p99 is under {@code --max-p99-ms} and
 * the backlog (sent, not yet seen) did not grow over the step. The ramp stops at the first step that is not.
 * Settings (bootstrap, registry, topic names, fetch.max.wait) come from {@code Settings.load()}, as in the apps.
 */
@Command(name = "sequencer-throughput", mixinStandardHelpOptions = true,
        description = "Open-loop load on the sequencer: actions append -> conversation-events read_committed visibility, p50/p99 per rate.")
public final class SequencerThroughput implements Callable<Integer> {
    @Option(names = "--rates", split = ",", defaultValue = "200",
            description = "Actions per second, one step each, in order (e.g. 200,500,1000,2000); the ramp stops at the first unsustained step.")
    List<Integer> rates;

    @Option(names = "--seconds", defaultValue = "15", description = "Measured seconds per step (at most 30).")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "Unmeasured load before the first step.")
    int warmupSeconds;

    @Option(names = "--drain-seconds", defaultValue = "10", description = "How long a step waits for its last events.")
    int drainSeconds;

    @Option(names = "--conversations", defaultValue = "200")
    int conversations;

    @Option(names = "--payload-bytes", defaultValue = "100")
    int payloadBytes;

    @Option(names = "--edge-id", defaultValue = "7",
            description = "edgeId of the actions (= partition of action-results); default one no edge of a one-edge stack reads.")
    int edgeId;

    @Option(names = "--max-p99-ms", defaultValue = "1000", description = "Sustained only below this p99.")
    long maxP99Ms;

    @Option(names = "--label", description = "Free text stored in the result (e.g. the sequencer's settings).")
    String label;

    @Option(names = "--out", description = "JSON result file")
    Path out;

    private final Settings settings = Settings.load();
    private final TopicCatalog topics = TopicCatalog.from(settings);
    private final SchemaRegistryClient registry = new SchemaRegistryClient(settings.registryUrl());

    /** The step being measured: the consumer thread records into it. */
    private final AtomicReference<Step> current = new AtomicReference<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new SequencerThroughput()).execute(args));
    }

    /** One rate: ids "<run>-<n>", n = 0..count-1; scheduled and seen times in nanos (0 = not yet). */
    static final class Step {
        final String run = UUID.randomUUID().toString().substring(0, 8);
        final int rate;
        final int count;
        final boolean measured;
        final long[] scheduled;
        final AtomicLongArray acked;
        final AtomicLongArray seen;
        final AtomicInteger seenCount = new AtomicInteger();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger sendErrors = new AtomicInteger();
        final AtomicInteger sentCount = new AtomicInteger();

        Step(int rate, int seconds, boolean measured) {
            this.rate = rate;
            this.count = Math.multiplyExact(rate, seconds);
            this.measured = measured;
            this.scheduled = new long[count];
            this.acked = new AtomicLongArray(count);
            this.seen = new AtomicLongArray(count);
        }

        void saw(int n, long now) {
            if (seen.compareAndSet(n, 0, now)) {
                seenCount.incrementAndGet();
            } else {
                duplicates.incrementAndGet();
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 30) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--seconds must be 1..30");
        }
        JsonArray steps = new JsonArray();
        Integer maxSustained = null;
        try (KafkaProducer<String, ClientAction> producer = producer();
             KafkaConsumer<String, byte[]> consumer = consumer()) {
            AtomicLong stop = new AtomicLong();
            Thread reader = new Thread(() -> read(consumer, stop), "events-reader");
            reader.setDaemon(true);
            reader.start();
            try {
                if (warmupSeconds > 0) {
                    System.out.printf("warm-up: %d actions/s for %d s%n", rates.get(0), warmupSeconds);
                    run(producer, new Step(rates.get(0), warmupSeconds, false));
                }
                for (int rate : rates) {
                    Step step = new Step(rate, seconds, true);
                    JsonObject result = run(producer, step);
                    steps.add(result);
                    JsonObject v = result.getJsonObject("sendToVisibleMs");
                    System.out.printf("%s rate %5d/s (sent %5d/s): send->visible p50 %7.1f  p99 %7.1f  max %7.1f ms; "
                                    + "missing %d, backlog/s %s: %s%n", label == null ? "" : label, rate,
                            result.getLong("achievedSendRate"), v.getDouble("p50"), v.getDouble("p99"), v.getDouble("max"),
                            result.getInteger("missing"), result.getJsonArray("backlogPerSecond").encode(),
                            result.getBoolean("sustained") ? "sustained" : "NOT sustained");
                    if (!result.getBoolean("sustained")) {
                        break;
                    }
                    maxSustained = rate;
                }
            } finally {
                stop.set(1);
                consumer.wakeup();
                reader.join(10_000);
            }
        }
        JsonObject summary = new JsonObject()
                .put("label", label)
                .put("sequencer", new JsonObject()
                        .put("processingGuarantee", settings.get("streams.processing-guarantee"))
                        .put("commitIntervalMs", settings.getInt("streams.commit-interval-ms"))
                        .put("pollMs", settings.getInt("streams.poll-ms"))
                        .put("lingerMs", settings.getInt("streams.linger-ms"))
                        .put("note", "as this tool's settings say; the running sequencer may have been started with others"))
                .put("secondsPerStep", seconds).put("conversations", conversations).put("payloadBytes", payloadBytes)
                .put("maxP99Ms", maxP99Ms)
                .put("steps", steps)
                .put("maxSustainedActionsPerSecond", maxSustained);
        System.out.println(summary.encodePrettily());
        if (out != null) {
            Files.writeString(out, summary.encodePrettily());
        }
        return 0;
    }

    /** Sends step.count actions at step.rate, waits for their events, and summarises. */
    private JsonObject run(KafkaProducer<String, ClientAction> producer, Step step) throws InterruptedException {
        current.set(step);
        List<String> convs = new ArrayList<>(conversations);
        for (int i = 0; i < conversations; i++) {
            convs.add(Conversations.direct("bench-" + step.run + "-a" + i, "bench-" + step.run + "-b" + i));
        }
        byte[] payload = new byte[payloadBytes];
        long interval = TimeUnit.SECONDS.toNanos(1) / step.rate;
        List<Integer> backlog = new ArrayList<>();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long nextSample = start + TimeUnit.SECONDS.toNanos(1);
        for (int n = 0; n < step.count; n++) {
            long due = start + n * interval;
            long now;
            while ((now = System.nanoTime()) < due) {
                if (now >= nextSample) {
                    break;
                }
                LockSupport.parkNanos(Math.min(due - now, nextSample - now));
            }
            if (now >= nextSample) {
                backlog.add(step.sentCount.get() - step.seenCount.get());
                nextSample += TimeUnit.SECONDS.toNanos(1);
                n--; // not yet due: go round again
                continue;
            }
            step.scheduled[n] = due;
            String conversation = convs.get(n % convs.size());
            String user = Conversations.members(conversation).orElseThrow().get((n / convs.size()) % 2);
            ClientAction action = ClientAction.newBuilder()
                    .setActionId(step.run + "-a" + n).setType(ActionType.SEND_MESSAGE)
                    .setConversationId(conversation).setSenderUserId(user).setSenderDeviceId(user + "-d")
                    .setClientMessageId(step.run + "-" + n).setEdgeId(edgeId).setReceivedAt(Instant.now())
                    .setPayload(ByteBuffer.wrap(payload)).build();
            final int i = n;
            producer.send(new ProducerRecord<>(topics.actions().name(), conversation, action), (meta, err) -> {
                if (err != null) {
                    step.sendErrors.incrementAndGet();
                } else {
                    step.acked.set(i, System.nanoTime());
                }
            });
            step.sentCount.incrementAndGet();
        }
        long lastDue = start + (step.count - 1) * interval;
        long sendEnd = System.nanoTime();
        producer.flush();
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        while (step.seenCount.get() < step.count && System.nanoTime() < drainDeadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        long end = System.nanoTime();
        backlog.add(step.sentCount.get() - step.seenCount.get());
        if (!step.measured) {
            return new JsonObject();
        }

        Histogram visible = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        Histogram appended = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        int missing = 0;
        for (int n = 0; n < step.count; n++) {
            long seen = step.seen.get(n);
            if (seen == 0) {
                missing++;
                seen = end; // censored: at least this late
            }
            visible.recordValue(Math.max(0, seen - step.scheduled[n]));
            long acked = step.acked.get(n);
            if (acked != 0) {
                appended.recordValue(Math.max(0, acked - step.scheduled[n]));
            }
        }
        double achievedRate = step.count / ((sendEnd - start) / 1e9);
        // Backlog growth: the last full second's backlog against the rate (an unsustainable rate piles up one
        // second's worth of actions after a few seconds; a sustained one stays around rate x latency).
        int half = backlog.size() / 2;
        double earlyBacklog = backlog.subList(0, Math.max(1, half)).stream().mapToInt(Integer::intValue).average().orElse(0);
        double lateBacklog = backlog.subList(half, Math.max(half + 1, backlog.size() - 1)).stream().mapToInt(Integer::intValue).average().orElse(0);
        boolean growing = lateBacklog > earlyBacklog + 0.25 * step.rate;
        boolean sustained = missing == 0 && step.sendErrors.get() == 0
                && visible.getValueAtPercentile(99) < TimeUnit.MILLISECONDS.toNanos(maxP99Ms)
                && !growing && achievedRate >= 0.95 * step.rate;
        return new JsonObject()
                .put("rate", step.rate).put("achievedSendRate", Math.round(achievedRate))
                .put("actions", step.count).put("missing", missing).put("duplicates", step.duplicates.get())
                .put("sendErrors", step.sendErrors.get())
                .put("sendToVisibleMs", Percentiles.summary(visible))
                .put("sendToAppendedMs", Percentiles.summary(appended))
                .put("backlogPerSecond", new JsonArray(backlog))
                .put("lateSendMs", Percentiles.ms(Math.max(0, sendEnd - lastDue)))
                .put("sustained", sustained);
    }

    private void read(KafkaConsumer<String, byte[]> consumer, AtomicLong stop) {
        AvroWireDeserializer<ConversationEvent> events = new AvroWireDeserializer<>(registry, ConversationEvent.getClassSchema());
        try {
            while (stop.get() == 0) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    Step step = current.get();
                    if (step == null || r.key() == null || !r.key().startsWith("dm:bench-" + step.run)) {
                        continue;
                    }
                    String id = events.deserialize(r.topic(), r.value()).getClientMessageId();
                    int dash = id.lastIndexOf('-');
                    if (id.startsWith(step.run) && dash > 0) {
                        int n = Integer.parseInt(id.substring(dash + 1));
                        if (n >= 0 && n < step.count) {
                            step.saw(n, now);
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // stopping
        }
    }

    private KafkaProducer<String, ClientAction> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // As the edge appends (edge.producer-linger-ms).
        p.put(ProducerConfig.LINGER_MS_CONFIG, settings.getInt("edge.producer-linger-ms"));
        return new KafkaProducer<>(p, new StringSerializer(), new AvroWireSerializer<ClientAction>(registry, false));
    }

    /** Like every hot-path reader of the sequencer's output: read_committed, fetch.max.wait from the settings. */
    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, settings.getInt("kafka.consumer.fetch-max-wait-ms"));
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = c.partitionsFor(topics.conversationEvents().name()).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(partitions);
        c.seekToEnd(partitions);
        partitions.forEach(c::position); // resolve the end now, before anything is sent
        return c;
    }
}
