package org.parley.projections;

import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import com.datastax.oss.driver.api.core.type.codec.CodecNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.parley.consume.BatchRetry;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceRecord;
import org.parley.events.Receipt;
import org.parley.events.UserSettings;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.Presence;
import org.parley.projections.keys.KeyDirectory;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka → CQL: conversation events and receipts through the {@link EventProjector} (history, groups, each user's
 * conversations), deliveries into {@code inbox}, devices into {@code devices}, user settings into
 * {@code user_settings}, key directory facts into {@code device_keys}, {@code one_time_prekeys} and
 * {@code prekey_claims} (when {@link #withKeys} was given). At-least-once: offsets are committed only after every write of the batch succeeded;
 * the writes are idempotent upserts, so a replay rewrites the same rows.
 */
public class ProjectionWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionWriter.class);

    private final Consumer<String, byte[]> consumer;
    private final TopicCatalog topics;
    private final ConversationHistory history;
    private final EventProjector projector;
    private final UserSettingsDirectory userSettings;
    private final DeviceInbox inbox;
    private final DeviceDirectory devices;
    private final AvroWireDeserializer<ConversationEvent> events;
    private final AvroWireDeserializer<DeviceDelivery> deliveries;
    private final AvroWireDeserializer<DeviceRecord> deviceRecords;
    private final AvroWireDeserializer<Receipt> receipts;
    private final AvroWireDeserializer<UserSettings> settingsRecords;
    private final PresenceTable presence;
    private final AvroWireDeserializer<Presence> presenceRecords;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Runnable onAssigned;
    private KeyDirectory keys;
    private AvroWireDeserializer<KeyDirectoryFact> keyFacts;
    private SchemaRegistryClient registry;
    private final long commitIntervalMs;
    private long lastCommit;

    public ProjectionWriter(Consumer<String, byte[]> consumer, TopicCatalog topics, SchemaRegistryClient registry,
                            ConversationHistory history, EventProjector projector, UserSettingsDirectory userSettings,
                            DeviceInbox inbox, DeviceDirectory devices, Runnable onAssigned, PresenceTable presence,
                            long commitIntervalMs) {
        this.consumer = consumer;
        this.commitIntervalMs = commitIntervalMs;
        this.topics = topics;
        this.history = history;
        this.projector = projector;
        this.userSettings = userSettings;
        this.inbox = inbox;
        this.devices = devices;
        this.onAssigned = onAssigned;
        this.events = new AvroWireDeserializer<>(registry, ConversationEvent.getClassSchema());
        this.deliveries = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        this.deviceRecords = new AvroWireDeserializer<>(registry, DeviceRecord.getClassSchema());
        this.receipts = new AvroWireDeserializer<>(registry, Receipt.getClassSchema());
        this.settingsRecords = new AvroWireDeserializer<>(registry, UserSettings.getClassSchema());
        this.presence = presence;
        this.presenceRecords = new AvroWireDeserializer<>(registry, Presence.getClassSchema());
        this.registry = registry;
    }

    /**
     * The session the tables write through, if it batches: each batch's writes are held while {@link #write} runs and
     * sent (as batches per replica) whenever the writer waits for them; before {@link #run}.
     */
    public ProjectionWriter withBatching(ReplicaBatchingSession batching) {
        this.batching = batching;
        return this;
    }

    private ReplicaBatchingSession batching;

    /** Also projects the key directory's facts (topic {@code topic.key-directory}); before {@link #run}. */
    public ProjectionWriter withKeys(KeyDirectory keys) {
        this.keys = keys;
        this.keyFacts = new AvroWireDeserializer<>(registry, KeyDirectoryFact.getClassSchema());
        return this;
    }

    /**
     * Told after every poll whose records were all written (an empty poll included), on the writer's thread, with
     * the writer's consumer (positions, assignment); returns false to stop the writer after a last commit. The replay
     * ({@code ./parley replay}) stops at the log's end this way and reports its progress.
     */
    @FunctionalInterface
    public interface Progress {
        boolean afterBatch(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, int records);
    }

    private Progress progress = (c, n) -> true;

    /** Reports every written batch to {@code progress}, which may end the writer; before {@link #run}. */
    public ProjectionWriter withProgress(Progress progress) {
        this.progress = progress;
        return this;
    }

    public void stop() {
        running.set(false);
        consumer.wakeup();
    }

    /** The topics the writer reads ({@code withKeys}: also the key directory's). */
    public static List<String> topicsOf(TopicCatalog topics, boolean withKeys) {
        List<String> subscribed = new ArrayList<>(List.of(topics.conversationEvents().name(), topics.receipts().name(),
                topics.deliveries().name(), topics.devices().name(), topics.userSettings().name(),
                topics.presence().name()));
        if (withKeys) {
            subscribed.add(topics.keyDirectory().name());
        }
        return subscribed;
    }

    @Override
    public void run() {
        List<String> subscribed = topicsOf(topics, keys != null);
        consumer.subscribe(subscribed, new ConsumerRebalanceListener() {
                    private boolean announced;

                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        // Inside poll, after the last batch was written: the positions name written records only.
                        consumer.commitSync();
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        if (!announced) {
                            announced = true;
                            onAssigned.run();
                        }
                    }
                });
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(200));
                if (batch.isEmpty()) {
                    // Quiet: commit what the last batches wrote (and any transaction markers read since), once, so
                    // the group's offsets reach the log's end when traffic stops instead of trailing it until more comes.
                    commitIfMoved();
                    if (!progress.afterBatch(consumer, 0)) {
                        running.set(false);
                    }
                    continue;
                }
                try {
                    write(batch);
                    retry.succeeded();
                } catch (BatchWriteFailed e) {
                    // CQL unavailable or overloaded: nothing of this batch is committed; read it again and retry.
                    // Only failed writes are retried: any other exception is a bug and ends the writer (and the
                    // process), instead of looping over the same batch for ever.
                    long wait = retry.rewind(consumer, batch);
                    LOG.warn("{} (failure {} in a row); retried the batch after {} ms", e.getMessage(),
                            retry.failuresInARow(), wait, e.getCause());
                    continue;
                }
                // Upserts are idempotent, so committing at most every commitIntervalMs only bounds what a restart
                // writes again; committing every batch wrote ~24 offset records (one per partition) per poll.
                long now = System.currentTimeMillis();
                if (now - lastCommit >= commitIntervalMs) {
                    commitIfMoved();
                    lastCommit = now;
                }
                if (!progress.afterBatch(consumer, batch.count())) {
                    running.set(false);
                }
            }
            consumer.commitSync();
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Commits the positions of the assigned partitions, unless they are the ones committed last. */
    private void commitIfMoved() {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            positions.put(tp, consumer.position(tp));
        }
        if (!positions.equals(committedPositions)) {
            consumer.commitSync();
            committedPositions = positions;
        }
    }

    private Map<TopicPartition, Long> committedPositions = Map.of();

    /** Writes in flight at once: a batch of thousands of records must not exceed the driver's per-connection limit. */
    static final int MAX_IN_FLIGHT = 256;
    /** Back-off of a failed batch: 100 ms doubling to 5 s (BatchRetry). */
    static final long RETRY_INITIAL_MS = 100;
    static final long RETRY_MAX_MS = 5_000;
    private BatchRetry retry = new BatchRetry(RETRY_INITIAL_MS, RETRY_MAX_MS);

    /** Another back-off (tests: one whose sleeper records the waits); before {@link #run}. */
    ProjectionWriter withRetry(BatchRetry retry) {
        this.retry = retry;
        return this;
    }

    /** The writes of a batch did not all succeed within their time: the batch is retried, nothing is committed. */
    static final class BatchWriteFailed extends RuntimeException {
        BatchWriteFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Collects a batch's writes, waiting for them whenever {@link #MAX_IN_FLIGHT} are pending; writes held by a
     * batching session are sent first.
     */
    private final class WriteWindow extends java.util.AbstractList<CompletableFuture<Void>> {
        private final List<CompletableFuture<Void>> pending = new ArrayList<>();

        @Override
        public boolean add(CompletableFuture<Void> write) {
            pending.add(write);
            if (pending.size() >= MAX_IN_FLIGHT) {
                awaitAll();
            }
            return true;
        }

        void awaitAll() {
            if (batching != null) {
                batching.flush();
            }
            await(pending);
            pending.clear();
        }

        @Override
        public CompletableFuture<Void> get(int index) {
            return pending.get(index);
        }

        @Override
        public int size() {
            return pending.size();
        }
    }

    void write(ConsumerRecords<String, byte[]> batch) {
        if (batching == null) {
            writeAll(batch);
            return;
        }
        batching.open();
        try {
            writeAll(batch);
        } finally {
            batching.closeWindow();
        }
    }

    private void writeAll(ConsumerRecords<String, byte[]> batch) {
        WriteWindow writes = new WriteWindow();
        Map<String, Long> heads = new HashMap<>();
        Map<String, ConversationEvent> lastActivity = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            if (r.value() == null) {
                continue;
            }
            String topic = r.topic();
            if (topic.equals(topics.conversationEvents().name())) {
                ConversationEvent e = events.deserialize(topic, r.value());
                projector.project(e).forEach(w -> writes.add(w.toCompletableFuture()));
                heads.merge(e.getConversationId(), e.getSeq(), Math::max);
                if (EventProjector.isSharedActivity(e)) {
                    lastActivity.put(e.getConversationId(), e); // the log is ordered per conversation: the last wins
                }
            } else if (topic.equals(topics.receipts().name())) {
                projector.project(receipts.deserialize(topic, r.value())).forEach(w -> writes.add(w.toCompletableFuture()));
            } else if (topic.equals(topics.userSettings().name())) {
                writes.add(userSettings.write(settingsRecords.deserialize(topic, r.value())).toCompletableFuture());
            } else if (topic.equals(topics.deliveries().name())) {
                DeviceDelivery d = deliveries.deserialize(topic, r.value());
                String conversation = d.getEvent() != null ? d.getEvent().getConversationId()
                        : d.getReceipt() != null ? d.getReceipt().getConversationId() : null;
                long seq = d.getEvent() != null ? d.getEvent().getSeq()
                        : d.getReceipt() != null ? d.getReceipt().getSeq() : 0;
                writes.add(inbox.write(d.getDeviceId(), d.getInboxSeq(), d.getKind().name(), conversation, seq,
                        r.value()).toCompletableFuture());
            } else if (topic.equals(topics.devices().name())) {
                writes.add(devices.write(deviceRecords.deserialize(topic, r.value())).toCompletableFuture());
            } else if (topic.equals(topics.presence().name())) {
                writes.add(presence.write(presenceRecords.deserialize(topic, r.value())).toCompletableFuture());
            } else if (keys != null && topic.equals(topics.keyDirectory().name())) {
                // Each device's facts are in order on one partition; the rows carry the facts' times (KeyMutation).
                writes.add(keys.write(keyFacts.deserialize(topic, r.value())).toCompletableFuture());
            }
        }
        writes.awaitAll();
        // Heads after the rows they point at, so a reader never sees a head without its row.
        WriteWindow headWrites = new WriteWindow();
        heads.forEach((conversation, seq) -> headWrites.add(history.writeHead(conversation, seq).toCompletableFuture()));
        lastActivity.values().forEach(e -> headWrites.add(history.writeLastActivity(e).toCompletableFuture()));
        headWrites.awaitAll();
        LOG.debug("projected {} records", batch.count());
    }

    /**
     * Waits for the writes. The store being slow, down or overloaded (a timeout, any driver error but the two below)
     * fails the batch for a retry ({@link BatchWriteFailed}); a statement the store refuses as invalid
     * ({@link QueryValidationException}: a bug or a schema that does not match the code), a value no codec encodes,
     * or any other exception would fail the same way on every retry, so it ends the writer instead.
     */
    static void await(List<CompletableFuture<Void>> writes) {
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new BatchWriteFailed("projection writes did not finish within 60 s; offsets not committed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BatchWriteFailed("interrupted while waiting for projection writes", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            if (cause instanceof DriverException && !(cause instanceof QueryValidationException)
                    && !(cause instanceof CodecNotFoundException)) {
                throw new BatchWriteFailed("projection write failed; offsets not committed", cause);
            }
            throw new IllegalStateException("projection write refused, not retried (it would fail again): " + cause, cause);
        }
    }
}
