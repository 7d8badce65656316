package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@code inbox} table (what each device must receive, by contiguous inbox seq) and the device's acknowledged
 * cursor. Rows hold the delivery record exactly as the fan-out wrote it to the log.
 */
public class DeviceInbox {
    /** One inbox row: the inbox seq and the delivery record in the Confluent wire format. */
    public record Entry(long inboxSeq, byte[] delivery) {
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement range;
    private final PreparedStatement writeCursor;
    private final PreparedStatement readCursor;

    public DeviceInbox(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO inbox (device_id, bucket, inbox_seq, kind, conversation_id, seq,"
                + " delivery) VALUES (?,?,?,?,?,?,?)");
        this.range = session.prepare("SELECT inbox_seq, delivery FROM inbox WHERE device_id = ? AND bucket = ?"
                + " AND inbox_seq > ? AND inbox_seq <= ? LIMIT ?");
        this.writeCursor = session.prepare("UPDATE device_cursors SET acked_inbox_seq = ?, updated_at = ?"
                + " WHERE device_id = ?");
        this.readCursor = session.prepare("SELECT acked_inbox_seq FROM device_cursors WHERE device_id = ?");
    }

    /** Idempotent upsert keyed by (device, inbox seq). */
    public CompletionStage<Void> write(String deviceId, long inboxSeq, String kind, String conversationId, long seq,
                                       byte[] delivery) {
        return session.executeAsync(insert.bind(deviceId, Buckets.of(inboxSeq), inboxSeq, kind, conversationId, seq,
                ByteBuffer.wrap(delivery))).thenApply(rs -> null);
    }

    /** Entries with afterSeq < inbox seq <= upToSeq, ascending, at most limit. */
    public CompletionStage<List<Entry>> range(String deviceId, long afterSeq, long upToSeq, int limit) {
        List<Entry> out = new ArrayList<>();
        if (upToSeq <= afterSeq || limit <= 0) {
            return CompletableFuture.completedFuture(out);
        }
        return rangeFrom(deviceId, Buckets.of(afterSeq + 1), afterSeq, upToSeq, limit, out);
    }

    private CompletionStage<List<Entry>> rangeFrom(String deviceId, long bucket, long afterSeq, long upToSeq, int limit,
                                                   List<Entry> out) {
        return session.executeAsync(range.bind(deviceId, bucket, afterSeq, upToSeq, limit - out.size()))
                .thenCompose(rs -> collect(rs, out))
                .thenCompose(v -> out.size() >= limit || bucket >= Buckets.of(upToSeq)
                        ? CompletableFuture.completedFuture(out)
                        : rangeFrom(deviceId, bucket + 1, afterSeq, upToSeq, limit, out));
    }

    private CompletionStage<Void> collect(AsyncResultSet rs, List<Entry> out) {
        for (Row row : rs.currentPage()) {
            ByteBuffer b = row.getByteBuffer("delivery");
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.add(new Entry(row.getLong("inbox_seq"), bytes));
        }
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> collect(next, out))
                : CompletableFuture.completedFuture(null);
    }

    public CompletionStage<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        return session.executeAsync(writeCursor.bind(ackedInboxSeq, Instant.now(), deviceId)).thenApply(rs -> null);
    }

    /** The device's last acknowledged inbox seq, 0 if it never acknowledged anything. */
    public CompletionStage<Long> cursor(String deviceId) {
        return session.executeAsync(readCursor.bind(deviceId)).thenApply(rs -> {
            Row row = rs.one();
            return row == null ? 0L : row.getLong("acked_inbox_seq");
        });
    }
}
