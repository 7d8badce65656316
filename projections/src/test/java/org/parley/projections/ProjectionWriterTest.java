package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.consume.BatchRetry;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.projections.cql.RecordingSession;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerializer;

/**
 * The writer's loop over a consumer ({@link MockConsumer}) and the CQL seam ({@link RecordingSession}): a batch's rows
 * before the heads that point at them, offsets committed only after the writes, a failed write retried through the
 * shared {@link BatchRetry} (rewound, backed off, written again), and an error that would fail again not retried.
 */
class ProjectionWriterTest {
    static {
        org.parley.serde.TrustedEventClasses.install();
    }

    private static final TopicCatalog TOPICS = TopicCatalog.from(Settings.of(Map.of()));
    private static final TopicPartition EVENTS = new TopicPartition(TOPICS.conversationEvents().name(), 0);
    private static final String DM = "dm:alice:bob";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final RecordingSession cql = new RecordingSession();
    private final List<Long> waits = new ArrayList<>();
    private final Consumer consumer = new Consumer();
    private final AtomicInteger polls = new AtomicInteger();
    private long commitIntervalMs = 0;
    /** Statements per CQL batch (ReplicaBatchingSession); 0: the tables write through the session directly. */
    private int batchOf = 0;
    private ProjectionWriter.Progress stopWhen;

    /** A mock consumer whose offsets stay readable after the writer closed it. */
    static final class Consumer extends MockConsumer<String, byte[]> {
        Consumer() {
            super("earliest");
        }

        @Override
        public synchronized void close(Duration timeout) {
        }

        @Override
        public synchronized void close() {
        }
    }

    private static ConversationEvent event(long seq, EventType type) {
        return ConversationEvent.newBuilder().setEventId(DM + "/" + seq).setConversationId(DM).setSeq(seq).setType(type)
                .setSenderUserId("alice").setSenderDeviceId("alice-phone").setMemberUserIds(List.of("alice", "bob"))
                .setSentAt(Instant.ofEpochSecond(seq)).setPayload(ByteBuffer.wrap(("m" + seq).getBytes()))
                .setTargetSeq(type == EventType.MESSAGE ? null : 1L).build();
    }

    private List<ConsumerRecord<String, byte[]>> records(ConversationEvent... events) {
        AvroWireSerializer<ConversationEvent> serializer = new AvroWireSerializer<>(registry, true);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        for (int i = 0; i < events.length; i++) {
            out.add(new ConsumerRecord<>(EVENTS.topic(), 0, i, DM, serializer.serialize(EVENTS.topic(), events[i])));
        }
        return out;
    }

    /** Runs the writer until {@code records} are all written (or 10 polls went by). */
    private void run(List<ConsumerRecord<String, byte[]>> records, Runnable... laterPolls) {
        consumer.updateBeginningOffsets(Map.of(EVENTS, 0L));
        if (!records.isEmpty()) {
            consumer.schedulePollTask(() -> {
                consumer.rebalance(List.of(EVENTS));
                records.forEach(consumer::addRecord);
            });
        }
        for (Runnable task : laterPolls) {
            consumer.schedulePollTask(task);
        }
        ReplicaBatchingSession batching = batchOf > 0 ? new ReplicaBatchingSession(cql.session(), batchOf, 32_768) : null;
        com.datastax.oss.driver.api.core.CqlSession session = batching != null ? batching : cql.session();
        ProjectionWriter writer = new ProjectionWriter(consumer, TOPICS, registry, new ConversationHistory(session),
                new EventProjector(new ConversationHistory(session), new GroupDirectory(session),
                        new UserConversations(session), new GroupDepartures(session),
                        new MediaReferences(session)),
                new UserSettingsDirectory(session), new DeviceInbox(session),
                new DeviceDirectory(session), () -> { }, new PresenceTable(session), commitIntervalMs)
                .withBatching(batching)
                .withRetry(new BatchRetry(ProjectionWriter.RETRY_INITIAL_MS, ProjectionWriter.RETRY_MAX_MS, waits::add))
                .withProgress(stopWhen != null ? stopWhen : (c, n) -> polls.incrementAndGet() < 10
                        && !(c.assignment().contains(EVENTS) && c.position(EVENTS) >= records.size()));
        writer.run();
    }

    private Long committed() {
        OffsetAndMetadata o = consumer.committed(Set.of(EVENTS)).get(EVENTS);
        return o == null ? null : o.offset();
    }

    private void assertHeadsAfterEveryRow() {
        List<RecordingSession.Executed> executed = cql.executed();
        int lastRow = 0;
        int firstHead = Integer.MAX_VALUE;
        for (int i = 0; i < executed.size(); i++) {
            if (executed.get(i).cql().startsWith("UPDATE conversation_heads")) {
                firstHead = Math.min(firstHead, i);
            } else {
                lastRow = i;
            }
        }
        assertThat(firstHead).as("heads after every row of the batch: %s", statements()).isGreaterThan(lastRow);
    }

    private List<String> statements() {
        return cql.executed().stream().map(e -> e.cql().substring(0, e.cql().indexOf(' ', 7)) + " " + e.values().get(
                e.cql().startsWith("INSERT") ? 2 : 0)).toList();
    }

    @Test
    void aBatchWritesItsRowsThenTheHeadsAndCommitsAfterwards() {
        run(records(event(1, EventType.MESSAGE), event(2, EventType.MESSAGE), event(3, EventType.MESSAGE_EDITED)));
        assertHeadsAfterEveryRow();
        assertThat(cql.model().table("conversation_heads").get("[" + DM + "]")).containsEntry("head_seq", 3L)
                .containsEntry("last_seq", 3L).containsEntry("last_type", "MESSAGE_EDITED");
        assertThat(cql.model().table("messages")).hasSize(3);
        assertThat(committed()).isEqualTo(3);
        assertThat(waits).isEmpty();
    }

    @Test
    void batchedTheRowsGoInFewerRequestsStillBeforeTheHeadsWithTheSameResult() {
        batchOf = 32;
        run(records(event(1, EventType.MESSAGE), event(2, EventType.MESSAGE), event(3, EventType.MESSAGE_EDITED)));
        assertHeadsAfterEveryRow();
        List<RecordingSession.Executed> executed = cql.executed();
        // Rows in one request, the head and last activity in another (the head waits for the rows).
        assertThat(cql.requests()).as("requests for %s statements", executed.size()).isEqualTo(2);
        assertThat(cql.model().table("conversation_heads").get("[" + DM + "]")).containsEntry("head_seq", 3L)
                .containsEntry("last_seq", 3L).containsEntry("last_type", "MESSAGE_EDITED");
        assertThat(cql.model().table("messages")).hasSize(3);
        assertThat(committed()).isEqualTo(3);
    }

    @Test
    void batchedAFailedWriteFailsItsBatchWhichIsRewoundAndWrittenAgainBeforeCommitting() {
        batchOf = 32;
        AtomicInteger failures = new AtomicInteger();
        cql.failWith(e -> e.cql().startsWith("INSERT INTO messages") && e.values().get(2).equals(2L)
                && failures.getAndIncrement() < 1 ? new DriverTimeoutException("store down") : null);
        List<ConsumerRecord<String, byte[]>> records = records(event(1, EventType.MESSAGE), event(2, EventType.MESSAGE));
        Runnable again = () -> records.forEach(consumer::addRecord);
        run(records, again);
        assertThat(waits).containsExactly(100L);
        assertThat(cql.model().table("messages")).containsOnlyKeys("[" + DM + ", 0, 1]", "[" + DM + ", 0, 2]");
        assertThat(committed()).isEqualTo(2);
    }

    @Test
    void whenTheLogGoesQuietTheOffsetsOfTheLastBatchesAreCommittedWithoutWaitingForMoreRecords() {
        commitIntervalMs = 3_600_000; // busy: at most one commit an hour
        List<ConsumerRecord<String, byte[]>> records = records(event(1, EventType.MESSAGE), event(2, EventType.MESSAGE));
        List<Long> committedAtEachPoll = new ArrayList<>();
        stopWhen = (c, n) -> {
            committedAtEachPoll.add(committed());
            return committedAtEachPoll.size() < 4;
        };
        // First poll: record 1 (the first commit: none was made yet); second: record 2 (within the hour: not
        // committed); third: nothing (quiet: committed); fourth: nothing (nothing moved: no commit needed).
        consumer.updateBeginningOffsets(Map.of(EVENTS, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(EVENTS));
            consumer.addRecord(records.get(0));
        });
        consumer.schedulePollTask(() -> consumer.addRecord(records.get(1)));
        run(List.of());
        assertThat(committedAtEachPoll).containsExactly(1L, 1L, 2L, 2L);
    }

    @Test
    void aFailedWriteRewindsTheBatchBacksOffAndWritesItAgainBeforeCommitting() {
        AtomicInteger failures = new AtomicInteger();
        cql.failWith(e -> e.cql().startsWith("INSERT INTO messages") && e.values().get(2).equals(2L)
                && failures.getAndIncrement() < 2 ? new DriverTimeoutException("store down") : null);
        List<ConsumerRecord<String, byte[]>> records = records(event(1, EventType.MESSAGE), event(2, EventType.MESSAGE));
        // The mock consumer hands out records once: the retries' polls find them again only if the writer rewound.
        Runnable again = () -> records.forEach(consumer::addRecord);
        run(records, again, again);
        assertThat(waits).as("the shared back-off: 100 ms, then doubled").containsExactly(100L, 200L);
        assertThat(cql.model().table("messages")).containsOnlyKeys("[" + DM + ", 0, 1]", "[" + DM + ", 0, 2]");
        assertThat(committed()).isEqualTo(2);
    }

    @Test
    void aStatementTheStoreRefusesIsNotRetriedAndNothingIsCommitted() {
        cql.failWith(e -> e.cql().startsWith("INSERT INTO messages") ? new InvalidQueryException(null, "unknown column") : null);
        assertThatThrownBy(() -> run(records(event(1, EventType.MESSAGE))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not retried")
                .hasRootCauseInstanceOf(InvalidQueryException.class);
        assertThat(waits).isEmpty();
        assertThat(committed()).isNull();
    }

    @Test
    void aRecordThatDoesNotDecodeEndsTheWriterWithoutRetryOrCommit() {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(records(event(1, EventType.MESSAGE)));
        records.add(new ConsumerRecord<>(EVENTS.topic(), 0, 1, DM, new byte[]{0, 0, 0, 0, 99, 1, 2}));
        // Schema 99 is in no registry: every retry would fail the same way.
        assertThatThrownBy(() -> run(records)).hasMessageContaining("no schema 99")
                .isNotInstanceOf(ProjectionWriter.BatchWriteFailed.class);
        assertThat(waits).isEmpty();
        assertThat(committed()).isNull();
    }
}
