package org.parley.infra.replay;

import com.datastax.oss.driver.api.core.CqlSession;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.parley.config.Settings;
import org.parley.infra.CqlSchemaApplier;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.ProjectionWriter;
import org.parley.projections.ProjectionWriterApp;
import org.parley.schemas.TopicCatalog;

/**
 * Rebuilds the read model from the log into another keyspace: the schema applied to it, then the projection writer
 * itself (the same code as the live one, {@link ProjectionWriterApp#writer}) with a session on that keyspace and a
 * consumer group of its own, run from the beginning of its topics up to their ends as they were when the rebuild
 * started (the last stable offsets: committed records only). The group's committed offsets are the checkpoint: a
 * rebuild that was stopped resumes where it was (the writes are idempotent, so the batch in flight is written again).
 */
public final class ReadModelRebuild {
    private static final Pattern KEYSPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    /** What the rebuild did: records written by this run, time taken, records that were already written before. */
    public record Outcome(long records, long millis, long resumedFrom, long total) {
        public double recordsPerSecond() {
            return millis == 0 ? records : records * 1000.0 / millis;
        }
    }

    private final Settings live;
    private final String keyspace;
    private final String groupId;
    private final PrintStream out;
    private final long progressEveryMs;

    public ReadModelRebuild(Settings live, String keyspace, String groupId, PrintStream out, long progressEveryMs) {
        requireKeyspaceName(keyspace);
        if (keyspace.equals(live.get("cql.keyspace"))) {
            throw new IllegalArgumentException("the replay keyspace must not be the live one ('" + keyspace + "')");
        }
        this.live = live;
        this.keyspace = keyspace;
        this.groupId = groupId;
        this.out = out;
        this.progressEveryMs = progressEveryMs;
    }

    /** A CQL keyspace name Parley accepts (unquoted: lower case letters, digits, underscores; at most 48). */
    public static String requireKeyspaceName(String keyspace) {
        if (!KEYSPACE.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("keyspace '" + keyspace
                    + "': use lower-case letters, digits and '_', starting with a letter, at most 48 characters");
        }
        return keyspace;
    }

    /** The settings of the replay: the live ones with the other keyspace and consumer group. */
    public Settings replaySettings() {
        return live.with(Map.of("cql.keyspace", keyspace, "projections.group-id", groupId));
    }

    /** Drops the keyspace and the consumer group's offsets: the next {@link #run} starts from the beginning. */
    public void reset() throws InterruptedException {
        try (CqlSession session = CqlSessionFactory.open(live, false)) {
            // A schema change waits for the keyspace's tables to be flushed: more than the usual request timeout.
            session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
                    "DROP KEYSPACE IF EXISTS " + keyspace).setTimeout(Duration.ofSeconds(120)));
        }
        try (Admin admin = admin()) {
            admin.deleteConsumerGroups(List.of(groupId)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw new IllegalStateException("cannot delete consumer group " + groupId + ": " + e.getCause(), e);
            }
        }
    }

    public Outcome run() throws InterruptedException {
        Settings settings = replaySettings();
        for (String line : new CqlSchemaApplier(settings).apply()) {
            if (line.startsWith("created") || line.startsWith("WARNING")) {
                out.println("schema: " + line);
            }
        }
        List<String> topics = ProjectionWriter.topicsOf(TopicCatalog.from(settings), true);
        Map<TopicPartition, Long> ends;
        Map<TopicPartition, Long> starts = new HashMap<>();
        try (Admin admin = admin()) {
            ends = ends(admin, topics);
            Map<TopicPartition, OffsetAndMetadata> committed;
            try {
                committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot read consumer group " + groupId + ": " + e.getCause(), e);
            }
            Map<TopicPartition, Long> beginnings = offsets(admin, ends.keySet(), OffsetSpec.earliest());
            for (TopicPartition tp : ends.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                starts.put(tp, c != null ? c.offset() : beginnings.get(tp));
            }
        }
        long total = ends.values().stream().mapToLong(Long::longValue).sum();
        long already = starts.values().stream().mapToLong(Long::longValue).sum();
        long toDo = ends.entrySet().stream().mapToLong(e -> Math.max(0, e.getValue() - starts.get(e.getKey()))).sum();
        out.printf("replaying %d partitions of %s into keyspace %s (group %s): %d offsets to go (records and"
                        + " transaction markers)%s%n", ends.size(),
                String.join(", ", topics), keyspace, groupId, toDo,
                starts.values().stream().anyMatch(s -> s > 0) ? " (resuming: the group has committed offsets)" : "");
        out.flush();

        Properties consumerConfig = ProjectionWriterApp.consumerConfig(settings);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
        long started = System.nanoTime();
        Progress progress = new Progress(ends, starts, started);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (CqlSession session = CqlSessionFactory.open(settings, true)) {
            ProjectionWriter writer = ProjectionWriterApp.writer(settings, session,
                    new KafkaConsumer<>(consumerConfig), () -> { }).withProgress(progress);
            Thread loop = new Thread(writer, "replay-writer");
            loop.setUncaughtExceptionHandler((t, e) -> failure.set(e));
            loop.start();
            try {
                loop.join();
            } catch (InterruptedException e) {
                writer.stop();
                loop.join(10_000);
                throw e;
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the replay's writer failed: " + failure.get(), failure.get());
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        Outcome outcome = new Outcome(progress.written, millis, already, total);
        out.printf("replayed %d records in %.1f s (%.0f records/s) into %s%n", outcome.records(), millis / 1000.0,
                outcome.recordsPerSecond(), keyspace);
        out.flush();
        return outcome;
    }

    /** Tracks the writer's positions against the ends, prints progress, stops the writer once every end is reached. */
    private final class Progress implements ProjectionWriter.Progress {
        private final Map<TopicPartition, Long> ends;
        private final Map<TopicPartition, Long> starts;
        private final long started;
        private long written;
        private long lastPrint;

        Progress(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> starts, long started) {
            this.ends = ends;
            this.starts = starts;
            this.started = started;
            this.lastPrint = started;
        }

        @Override
        public boolean afterBatch(Consumer<?, ?> consumer, int records) {
            written += records;
            Set<TopicPartition> assigned = consumer.assignment();
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                long position = assigned.contains(e.getKey()) ? consumer.position(e.getKey()) : starts.get(e.getKey());
                lag += Math.max(0, e.getValue() - position);
            }
            boolean done = lag == 0 && assigned.containsAll(ends.keySet());
            long now = System.nanoTime();
            if (!done && now - lastPrint >= progressEveryMs * 1_000_000) {
                lastPrint = now;
                double seconds = (now - started) / 1e9;
                double rate = written / Math.max(seconds, 1e-3);
                out.printf("  %,d records, %,.0f records/s, lag %,d, ETA %s%n", written, rate, lag,
                        rate < 1 ? "?" : Duration.ofSeconds((long) Math.ceil(lag / rate)).toString()
                                .substring(2).toLowerCase());
                out.flush();
            }
            return !done;
        }
    }

    /**
     * Records of the projection topics that consumer group {@code groupId} has not committed yet (the live
     * projection's: {@code projections.group-id}). Committed offsets trail the writes by up to
     * {@code projections.commit-interval-ms}, so 0 means every record is written; more means a comparison would show
     * rows the live side has not written yet.
     */
    public static long lag(Settings settings, String groupId) throws InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, Long> ends = ends(admin, ProjectionWriter.topicsOf(TopicCatalog.from(settings), true));
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
            }
            return lag;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read consumer group " + groupId + ": " + e.getCause(), e);
        }
    }

    private static Map<TopicPartition, Long> ends(Admin admin, List<String> topics) throws InterruptedException {
        Map<TopicPartition, Long> out = new HashMap<>();
        try {
            admin.describeTopics(topics).allTopicNames().get().forEach((name, description) ->
                    description.partitions().forEach(p -> out.put(new TopicPartition(name, p.partition()), 0L)));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe topics " + topics + ": " + e.getCause(), e);
        }
        return offsets(admin, out.keySet(), OffsetSpec.latest());
    }

    /** Offsets as a read_committed consumer sees them: the last stable offset for latest. */
    private static Map<TopicPartition, Long> offsets(Admin admin, Set<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, spec));
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = admin.listOffsets(query,
                    new org.apache.kafka.clients.admin.ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            Map<TopicPartition, Long> out = new HashMap<>();
            found.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list offsets: " + e.getCause(), e);
        }
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, live.kafkaBootstrap());
        return Admin.create(p);
    }
}
