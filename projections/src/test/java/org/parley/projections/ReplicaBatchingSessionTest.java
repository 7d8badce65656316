package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.parley.projections.cql.RecordingSession;

/**
 * Which writes a batch may carry, and that held writes leave only at a flush, in order, within the size limits, and
 * complete (or fail) each as it would have alone; other threads' writes and writes outside a window are not held.
 */
class ReplicaBatchingSessionTest {
    private final RecordingSession cql = new RecordingSession();

    @Test
    void onlyUnconditionalWritesWithTheirOwnTimestampMayJoinABatch() {
        assertThat(ReplicaBatchingSession.isBatchable("INSERT INTO t (a, b) VALUES (?,?) USING TIMESTAMP ?")).isTrue();
        // Two of these for one row in one window would share the batch's timestamp and tie: a user's presence written
        // online then offline read back online (the larger value wins a tie).
        assertThat(ReplicaBatchingSession.isBatchable("INSERT INTO presence (a, b) VALUES (?,?)")).isFalse();
        assertThat(ReplicaBatchingSession.isBatchable("UPDATE t USING TIMESTAMP ? SET v = ? WHERE k = ?")).isTrue();
        assertThat(ReplicaBatchingSession.isBatchable("DELETE FROM t USING TIMESTAMP ? WHERE k = ?")).isTrue();
        // Without its own timestamp an update would take the batch's and tie with another write of the same cell.
        assertThat(ReplicaBatchingSession.isBatchable("UPDATE device_cursors SET seq = ? WHERE device_id = ?")).isFalse();
        assertThat(ReplicaBatchingSession.isBatchable("INSERT INTO s (a) VALUES (?) IF NOT EXISTS")).isFalse();
        assertThat(ReplicaBatchingSession.isBatchable("DELETE FROM s WHERE a = ? IF b = ?")).isFalse();
        assertThat(ReplicaBatchingSession.isBatchable("SELECT a FROM s WHERE a = ?")).isFalse();
    }

    @Test
    void heldWritesLeaveAtTheFlushInOrderInBatchesOfAtMostTheLimit() {
        ReplicaBatchingSession batching = new ReplicaBatchingSession(cql.session(), 3, 32_768);
        PreparedStatement insert = batching.prepare("INSERT INTO inbox (device_id, bucket, inbox_seq) VALUES (?,?,?) USING TIMESTAMP ?");
        batching.open();
        List<CompletionStage<?>> writes = new ArrayList<>();
        for (long i = 1; i <= 7; i++) {
            writes.add(batching.executeAsync(insert.bind("d", 0L, i, i)));
        }
        assertThat(cql.executed()).as("nothing leaves before the flush").isEmpty();
        assertThat(writes).noneMatch(w -> w.toCompletableFuture().isDone());
        batching.closeWindow();
        assertThat(cql.executed()).extracting(e -> e.values().get(2)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(cql.requests()).as("3 + 3 + 1").isEqualTo(3);
        assertThat(writes).allMatch(w -> w.toCompletableFuture().isDone() && !w.toCompletableFuture().isCompletedExceptionally());
        assertThat(batching.statementsBatched()).isEqualTo(7);
        assertThat(batching.batchesSent()).isEqualTo(3);
    }

    @Test
    void aFailedBatchFailsEveryWriteItCarried() {
        ReplicaBatchingSession batching = new ReplicaBatchingSession(cql.session(), 8, 32_768);
        PreparedStatement insert = batching.prepare("INSERT INTO inbox (device_id, bucket, inbox_seq) VALUES (?,?,?) USING TIMESTAMP ?");
        cql.failWith(e -> e.values().get(2).equals(2L) ? new DriverTimeoutException("store down") : null);
        batching.open();
        CompletableFuture<?> first = batching.executeAsync(insert.bind("d", 0L, 1L, 1L)).toCompletableFuture();
        CompletableFuture<?> second = batching.executeAsync(insert.bind("d", 0L, 2L, 2L)).toCompletableFuture();
        batching.closeWindow();
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isCompletedExceptionally();
        assertThat(cql.model().table("inbox")).isEmpty();
    }

    @Test
    void writesOutsideAWindowOrFromAnotherThreadOrNotBatchableGoAtOnce() throws Exception {
        ReplicaBatchingSession batching = new ReplicaBatchingSession(cql.session(), 8, 32_768);
        PreparedStatement insert = batching.prepare("INSERT INTO inbox (device_id, bucket, inbox_seq) VALUES (?,?,?) USING TIMESTAMP ?");
        PreparedStatement cursor = batching.prepare("UPDATE device_cursors SET acked_inbox_seq = ? WHERE device_id = ?");
        batching.executeAsync(insert.bind("d", 0L, 1L, 1L));
        assertThat(cql.requests()).as("no window open").isEqualTo(1);
        batching.open();
        batching.executeAsync(cursor.bind(5L, "d"));
        assertThat(cql.requests()).as("a write without its own timestamp goes alone").isEqualTo(2);
        Thread other = new Thread(() -> batching.executeAsync(insert.bind("d", 0L, 2L, 2L)));
        other.start();
        other.join();
        assertThat(cql.requests()).as("another thread's write").isEqualTo(3);
        batching.executeAsync(insert.bind("d", 0L, 3L, 3L));
        assertThat(cql.requests()).as("held").isEqualTo(3);
        batching.closeWindow();
        assertThat(cql.requests()).isEqualTo(4);
    }

    @Test
    void oneStatementPerBatchTurnsBatchingOff() {
        ReplicaBatchingSession batching = new ReplicaBatchingSession(cql.session(), 1, 32_768);
        PreparedStatement insert = batching.prepare("INSERT INTO inbox (device_id, bucket, inbox_seq) VALUES (?,?,?) USING TIMESTAMP ?");
        batching.open();
        batching.executeAsync(insert.bind("d", 0L, 1L, 1L));
        batching.executeAsync(insert.bind("d", 0L, 2L, 2L));
        assertThat(cql.requests()).isEqualTo(2);
        batching.closeWindow();
        assertThat(cql.requests()).isEqualTo(2);
    }
}
