package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.config.Settings;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.Conversations;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;
import org.parley.serde.AvroWireSerializer;

/**
 * Invariant 2 ("a seq is assigned once and is the same after any crash") against the real sequencer process: while
 * a producer appends SEND_MESSAGE actions (and retries of some of them) to {@code actions}, the sequencer is killed
 * with SIGKILL, the producer goes on, the sequencer is restarted with {@code ./parley up}, and then everything a
 * {@code read_committed} reader sees of {@code conversation-events} and {@code action-results} is checked.
 *
 * <p>Why this can fail: the sequencer writes an event, a result and two changelog records (head, dedup entry) per
 * message, and commits the input offset later. With {@code at_least_once} they are independent writes: a SIGKILL
 * between the event and the changelog flush leaves an event whose head/dedup entry is lost, so the restarted task
 * (restoring the old head, re-reading the uncommitted input) gives the same message a second event with the next seq,
 * or gives the next message the seq already handed out (a repeat); a lost event whose changelog made it leaves a gap;
 * and any input re-read after the crash answers its own action a second time (a second result, "duplicate"). Every
 * one of those is an assertion below. With {@code exactly_once_v2} the outputs, the changelogs and the input offsets
 * commit in one transaction, the crash aborts the open one and a {@code read_committed} reader never sees it.
 * (Checked: with the sequencer on {@code PARLEY_STREAMS_PROCESSING_GUARANTEE=at_least_once} this test fails, an
 * original action re-read after the kill got a second committed result, "duplicate" with its own seq.)
 *
 * <p>The stack is shared: conversations are between random users, and the test reads only from the offsets the topics
 * had when it started. The sequencer is left running whatever happens ({@link #sequencerIsRunningAgain}).
 */
class SequencerCrashIT {
    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    private static final int ACTIONS = 2_000;
    private static final int KILL_AFTER_SENT = 500;
    private static final int KILL_AFTER_VISIBLE_EVENTS = 300;
    /** At most this many before the kill, and this many more while the sequencer is down: the rest follows the restart. */
    private static final int FIRST_RUN_MAX = 1_200;
    private static final int WHILE_DOWN_MAX = 400;
    private static final int CONVERSATIONS = 6;
    private static final double RETRY_SHARE = 0.1;
    /** The producer's pace: one action per tick, 100 actions/s. */
    private static final long TICK_MICROS = 10_000;
    private static final int EDGE_ID = 0;
    private static final Duration WAIT = Duration.ofSeconds(180);

    private final Settings settings = STACK.settings();
    private final TopicCatalog topics = TopicCatalog.from(settings);
    private final SchemaRegistryClient registry = new SchemaRegistryClient(settings.registryUrl());

    /** One sent action: the original send of a message, or a retry of one (same device and clientMessageId). */
    record Sent(String actionId, String conversation, String device, String clientMessageId, boolean retry) {
    }

    @AfterEach
    void sequencerIsRunningAgain() {
        if (!sequencerRunning()) {
            System.out.println("[sequencer-crash] the sequencer is not running: ./parley up");
            LocalStackExtension.Result up = STACK.parley("up");
            System.out.println(up.output());
            assertThat(up.exitCode()).as("./parley up after the test").isZero();
        }
    }

    @Test
    void aSigkilledSequencerRestartsWithEverySeqAssignedOnceAndUnchanged() throws Exception {
        long seed = System.nanoTime();
        System.out.println("[sequencer-crash] seed " + seed);
        Random random = new Random(seed);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> conversations = new ArrayList<>();
        for (int i = 0; i < CONVERSATIONS; i++) {
            conversations.add(Conversations.direct("crash-" + run + "-a" + i, "crash-" + run + "-b" + i));
        }
        Set<String> ours = Set.copyOf(conversations);

        try (CommittedReader progress = new CommittedReader(ours, null);
             KafkaProducer<String, ClientAction> producer = producer()) {
            Map<TopicPartition, Long> start = progress.start();
            List<Sent> sent = new CopyOnWriteArrayList<>();
            List<Exception> sendErrors = new CopyOnWriteArrayList<>();
            Map<TopicPartition, Long> lastActionOffsets = new ConcurrentHashMap<>();
            AtomicInteger limit = new AtomicInteger(FIRST_RUN_MAX);
            Map<String, List<Sent>> originalsByConversation = new HashMap<>();
            conversations.forEach(c -> originalsByConversation.put(c, new ArrayList<>()));

            ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "crash-producer"));
            try {
                pace.scheduleAtFixedRate(() -> {
                    if (sent.size() >= limit.get()) {
                        return;
                    }
                    Sent s = next(random, conversations, originalsByConversation, sent.size());
                    sent.add(s);
                    producer.send(new ProducerRecord<>(topics.actions().name(), s.conversation(), action(s)), (meta, err) -> {
                        if (err != null) {
                            sendErrors.add(err);
                        } else {
                            lastActionOffsets.merge(new TopicPartition(meta.topic(), meta.partition()), meta.offset() + 1, Math::max);
                        }
                    });
                }, 0, TICK_MICROS, TimeUnit.MICROSECONDS);

                // First run: the sequencer is working through a live stream.
                await("first-run events visible").atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            progress.catchUp();
                            return sent.size() >= KILL_AFTER_SENT && progress.events().size() >= KILL_AFTER_VISIBLE_EVENTS;
                        });
                progress.catchUp();
                Map<String, Long> firstRun = seqByClientMessageId(progress.events());
                int sentAtKill = sent.size();
                System.out.printf("[sequencer-crash] %d actions sent, %d events committed: kill -9 the sequencer%n",
                        sentAtKill, firstRun.size());
                limit.set(sentAtKill + WHILE_DOWN_MAX);
                killSequencer();

                // The producer goes on while the sequencer is down and restarting.
                System.out.println("[sequencer-crash] restarting: ./parley up");
                LocalStackExtension.Result up = STACK.parley("up");
                System.out.println(up.output());
                assertThat(up.exitCode()).as("./parley up after the kill").isZero();
                int sentWhileDown = sent.size() - sentAtKill;
                limit.set(ACTIONS);
                System.out.printf("[sequencer-crash] sequencer back; %d actions appended while it was down%n", sentWhileDown);
                assertThat(sentWhileDown).as("actions appended while the sequencer was down").isPositive();

                await("all actions appended").atMost(WAIT).pollInSameThread().until(() -> sent.size() >= ACTIONS);
                pace.shutdown();
                assertThat(pace.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                producer.flush();
                assertThat(sendErrors).as("append errors").isEmpty();

                // Done when the sequencer has committed its input offsets past our last action: with exactly-once
                // every output of our actions is committed then (same transaction).
                awaitSequencerConsumed(lastActionOffsets);

                // The whole story, read once more from the start with a fresh read_committed reader.
                int committedEvents;
                int committedResults;
                try (CommittedReader all = new CommittedReader(ours, start)) {
                    all.catchUp();
                    committedEvents = all.events().size();
                    committedResults = all.results().size();
                    check(sent, firstRun, all.events(), all.results());
                }
                // Not asserted (it depends on where the kill lands), but shows what exactly-once hid.
                try (CommittedReader raw = new CommittedReader(ours, start, "read_uncommitted")) {
                    raw.catchUp();
                    System.out.printf("[sequencer-crash] read_uncommitted sees %d events and %d results more than "
                                    + "read_committed (written in transactions the crash aborted)%n",
                            raw.events().size() - committedEvents, raw.results().size() - committedResults);
                }
            } finally {
                pace.shutdownNow();
            }
        }
    }

    private static void check(List<Sent> sent, Map<String, Long> firstRun, List<ConversationEvent> events,
            List<ActionResult> results) {
        // The expected order: per conversation, the original sends in append order (one producer, idempotent, one
        // partition per conversation) get 1, 2, 3, ...
        Map<String, List<String>> expected = new LinkedHashMap<>();
        for (Sent s : sent) {
            if (!s.retry()) {
                expected.computeIfAbsent(s.conversation(), c -> new ArrayList<>()).add(s.clientMessageId());
            }
        }
        Map<String, List<ConversationEvent>> byConversation = events.stream()
                .collect(Collectors.groupingBy(ConversationEvent::getConversationId, LinkedHashMap::new, Collectors.toList()));
        assertThat(byConversation.keySet()).as("conversations with events").containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            String conversation = e.getKey();
            List<ConversationEvent> got = byConversation.get(conversation);
            List<Long> seqs = got.stream().map(ConversationEvent::getSeq).toList();
            // 1..N in log order: no gap, no repeat.
            assertThat(seqs).as("seqs of %s", conversation)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, e.getValue().size()).boxed().toList());
            // Every unique clientMessageId exactly once, in the order it was appended; retries made no event.
            assertThat(got).extracting(ConversationEvent::getClientMessageId).as("clientMessageIds of %s", conversation)
                    .containsExactlyElementsOf(e.getValue());
            assertThat(got).extracting(ConversationEvent::getEventId).as("event ids of %s", conversation)
                    .doesNotHaveDuplicates();
        }
        // The events committed before the kill kept their seq.
        Map<String, Long> finalSeqs = seqByClientMessageId(events);
        assertThat(firstRun).isNotEmpty();
        firstRun.forEach((id, seq) -> assertThat(finalSeqs.get(id)).as("seq of %s, seen before the crash", id).isEqualTo(seq));

        // Each action has exactly one committed answer: a retry gets the original's seq, marked duplicate.
        Map<String, List<ActionResult>> resultsByAction = results.stream()
                .collect(Collectors.groupingBy(ActionResult::getActionId));
        long retries = sent.stream().filter(Sent::retry).count();
        assertThat(retries).as("retries sent").isPositive();
        for (Sent s : sent) {
            List<ActionResult> answers = resultsByAction.getOrDefault(s.actionId(), List.of());
            assertThat(answers).as("committed results of action %s (%s)", s.actionId(), s).hasSize(1);
            ActionResult r = answers.get(0);
            assertThat(r.getOutcome()).as("outcome of %s", s).isEqualTo(ActionOutcome.ACCEPTED);
            assertThat(r.getDuplicate()).as("duplicate flag of %s", s).isEqualTo(s.retry());
            assertThat(r.getSeq()).as("seq answered to %s", s).isEqualTo(finalSeqs.get(s.clientMessageId()));
        }
        assertThat(results).hasSize(sent.size());
        System.out.printf("[sequencer-crash] OK: %d actions (%d retries), %d events in %d conversations, %d seen before the kill%n",
                sent.size(), retries, events.size(), expected.size(), firstRun.size());
    }

    private static Map<String, Long> seqByClientMessageId(Collection<ConversationEvent> events) {
        Map<String, Long> seqs = new HashMap<>();
        for (ConversationEvent e : events) {
            Long before = seqs.put(e.getClientMessageId(), e.getSeq());
            assertThat(before).as("a second event for %s (seqs %s and %s)", e.getClientMessageId(), before, e.getSeq()).isNull();
        }
        return seqs;
    }

    /** The next action: mostly a new message (senders alternate), sometimes a retry of one already sent. */
    private static Sent next(Random random, List<String> conversations, Map<String, List<Sent>> originals, int n) {
        String conversation = conversations.get(random.nextInt(conversations.size()));
        List<Sent> before = originals.get(conversation);
        String actionId = "crash-action-" + UUID.randomUUID();
        if (!before.isEmpty() && random.nextDouble() < RETRY_SHARE) {
            // Half of the retries are of the latest message, likely still in flight (also across the crash).
            Sent original = random.nextBoolean() ? before.get(before.size() - 1) : before.get(random.nextInt(before.size()));
            return new Sent(actionId, conversation, original.device(), original.clientMessageId(), true);
        }
        List<String> members = Conversations.members(conversation).orElseThrow();
        String user = members.get(n % members.size());
        Sent s = new Sent(actionId, conversation, user + "-phone", "m" + n + "-" + UUID.randomUUID().toString().substring(0, 8), false);
        before.add(s);
        return s;
    }

    private static ClientAction action(Sent s) {
        String user = s.device().substring(0, s.device().length() - "-phone".length());
        return ClientAction.newBuilder()
                .setActionId(s.actionId()).setType(ActionType.SEND_MESSAGE)
                .setConversationId(s.conversation()).setSenderUserId(user).setSenderDeviceId(s.device())
                .setClientMessageId(s.clientMessageId()).setEdgeId(EDGE_ID).setReceivedAt(Instant.now())
                .setPayload(ByteBuffer.wrap(s.clientMessageId().getBytes(StandardCharsets.UTF_8))).build();
    }

    private KafkaProducer<String, ClientAction> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new StringSerializer(), new AvroWireSerializer<ClientAction>(registry, false));
    }

    // ---- the sequencer process

    /** The live process of the stack's sequencer (the supervisor's pid file and marker), if any. */
    private Optional<ProcessHandle> sequencerProcess() {
        return STACK.process("sequencer");
    }

    private boolean sequencerRunning() {
        return sequencerProcess().filter(ProcessHandle::isAlive).isPresent();
    }

    /** SIGKILL: no shutdown hook, no commit, no leave-group (./parley down sequencer would be a clean stop). */
    private void killSequencer() throws Exception {
        ProcessHandle sequencer = Kills.sigkill(STACK, "sequencer", Duration.ofSeconds(30));
        System.out.println("[sequencer-crash] killed sequencer pid " + sequencer.pid());
    }

    /** Until the sequencer's committed input offsets are past every action we appended. */
    private void awaitSequencerConsumed(Map<TopicPartition, Long> lastActionOffsets) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            String group = settings.get("streams.application-id");
            await("sequencer committed its input past our actions").atMost(WAIT).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        Map<TopicPartition, OffsetAndMetadata> committed =
                                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                        lastActionOffsets.forEach((tp, end) -> assertThat(Optional.ofNullable(committed.get(tp))
                                .map(OffsetAndMetadata::offset).orElse(-1L)).as("committed offset of %s", tp).isGreaterThanOrEqualTo(end));
                    });
        }
    }

    // ---- reading what the sequencer committed

    /** Reads conversation-events (all partitions) and action-results (our edge's partition) from given offsets. */
    private final class CommittedReader implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Set<String> conversations;
        private final Map<TopicPartition, Long> start;
        private final AvroWireDeserializer<ConversationEvent> eventReader =
                new AvroWireDeserializer<>(registry, ConversationEvent.getClassSchema());
        private final AvroWireDeserializer<ActionResult> resultReader =
                new AvroWireDeserializer<>(registry, ActionResult.getClassSchema());
        private final List<ConversationEvent> events = new ArrayList<>();
        private final List<ActionResult> results = new ArrayList<>();

        CommittedReader(Set<String> conversations, Map<TopicPartition, Long> from) {
            this(conversations, from, "read_committed");
        }

        /** From the given offsets, or (null) from the current end (the last stable offsets). */
        CommittedReader(Set<String> conversations, Map<TopicPartition, Long> from, String isolation) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
            this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
            this.conversations = conversations;
            List<TopicPartition> partitions = new ArrayList<>(consumer.partitionsFor(topics.conversationEvents().name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList());
            int resultsPartition = Math.floorMod(EDGE_ID, consumer.partitionsFor(topics.actionResults().name()).size());
            partitions.add(new TopicPartition(topics.actionResults().name(), resultsPartition));
            consumer.assign(partitions);
            this.start = from != null ? Map.copyOf(from) : Map.copyOf(consumer.endOffsets(partitions));
            start.forEach(consumer::seek);
        }

        Map<TopicPartition, Long> start() {
            return start;
        }

        /** Reads up to the end offsets as of now (for read_committed: the last stable offsets). */
        void catchUp() {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read up to " + end + " in 60 s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(topics.conversationEvents().name())) {
                        if (conversations.contains(r.key())) {
                            events.add(eventReader.deserialize(r.topic(), r.value()));
                        }
                    } else {
                        ActionResult result = resultReader.deserialize(r.topic(), r.value());
                        if (conversations.contains(result.getConversationId())) {
                            results.add(result);
                        }
                    }
                }
            }
        }

        List<ConversationEvent> events() {
            return events;
        }

        List<ActionResult> results() {
            return results;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
