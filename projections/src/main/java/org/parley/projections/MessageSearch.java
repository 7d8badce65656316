package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;

/**
 * The metadata search projection ({@code message_search}, {@code message_search_buckets}; docs/search.md): per shared
 * message its seq, time, sender and media type, never its content. Idempotent: every cell is written at a timestamp
 * the event fixes, so a replay, or a redelivered batch, writes the same rows.
 */
public class MessageSearch {
    /** min_at's cell timestamp is this minus the message's time: the earliest message's write wins. */
    static final long MIN_AT_BASE = 1L << 62;

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement remove;
    private final PreparedStatement writeMin;
    private final PreparedStatement writeMax;
    private final PreparedStatement readBuckets;
    private final PreparedStatement readBucket;

    public MessageSearch(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO message_search (conversation_id, bucket, seq, sent_at, sender_user_id,"
                + " media_type) VALUES (?,?,?,?,?,?) USING TIMESTAMP ?");
        this.remove = session.prepare("DELETE FROM message_search USING TIMESTAMP ? WHERE conversation_id = ?"
                + " AND bucket = ? AND seq = ?");
        this.writeMin = session.prepare("UPDATE message_search_buckets USING TIMESTAMP ? SET min_at = ?"
                + " WHERE conversation_id = ? AND bucket = ?");
        this.writeMax = session.prepare("UPDATE message_search_buckets USING TIMESTAMP ? SET max_at = ?"
                + " WHERE conversation_id = ? AND bucket = ?");
        this.readBuckets = session.prepare("SELECT bucket, min_at, max_at FROM message_search_buckets"
                + " WHERE conversation_id = ?");
        this.readBucket = session.prepare("SELECT seq, sent_at, sender_user_id, media_type FROM message_search"
                + " WHERE conversation_id = ? AND bucket = ?");
    }

    /** A bucket's time span: every message row of it was sent within [minAt, maxAt]. */
    public record Bucket(long bucket, Instant minAt, Instant maxAt) {
    }

    /** One searchable message. {@code mediaType} null: no media. */
    public record Hit(String conversationId, long seq, Instant sentAt, String senderUserId, String mediaType) {
    }

    /** Whether the event is a searchable message: a shared MESSAGE (private events are nobody else's). */
    public static boolean searchable(ConversationEvent e) {
        return e.getType() == EventType.MESSAGE && e.getPrivateToUserId() == null;
    }

    /** A media type as stored and filtered: lower case, without parameters; null for none. */
    public static String normalizedMediaType(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        int semicolon = mediaType.indexOf(';');
        String bare = (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return bare.isEmpty() ? null : bare;
    }

    /**
     * What the event changes: a message's row and its bucket's span, or a delete for everyone's removal. The span's
     * two cells go as one single-partition batch (each keeps its own write timestamp): one mutation on the server
     * instead of two requests.
     */
    public List<CompletionStage<Void>> project(ConversationEvent e) {
        if (searchable(e)) {
            long bucket = Buckets.of(e.getSeq());
            Instant at = e.getSentAt() == null ? Instant.EPOCH : e.getSentAt();
            long ms = Math.max(0, at.toEpochMilli());
            return List.of(
                    run(insert.bind(e.getConversationId(), bucket, e.getSeq(), at, e.getSenderUserId(),
                            normalizedMediaType(e.getMediaType()), e.getSeq())),
                    run(BatchStatement.newInstance(DefaultBatchType.UNLOGGED,
                            writeMin.bind(MIN_AT_BASE - ms, at, e.getConversationId(), bucket),
                            writeMax.bind(ms, at, e.getConversationId(), bucket))));
        }
        if (e.getType() == EventType.MESSAGE_DELETED && e.getPrivateToUserId() == null && e.getTargetSeq() != null) {
            long target = e.getTargetSeq();
            return List.of(run(remove.bind(e.getSeq(), e.getConversationId(), Buckets.of(target), target)));
        }
        return List.of();
    }

    /** The conversation's buckets, newest first. */
    public CompletionStage<List<Bucket>> buckets(String conversationId) {
        List<Bucket> out = new ArrayList<>();
        return session.executeAsync(readBuckets.bind(conversationId)).thenCompose(rs -> collect(rs, out, row -> {
            Instant min = row.getInstant("min_at");
            Instant max = row.getInstant("max_at");
            return min == null || max == null ? null : new Bucket(row.getLong("bucket"), min, max);
        }));
    }

    /** Every message row of one bucket, newest (highest seq) first. */
    public CompletionStage<List<Hit>> bucket(String conversationId, long bucket) {
        List<Hit> out = new ArrayList<>();
        return session.executeAsync(readBucket.bind(conversationId, bucket)).thenCompose(rs -> collect(rs, out, row ->
                new Hit(conversationId, row.getLong("seq"), row.getInstant("sent_at"), row.getString("sender_user_id"),
                        row.getString("media_type"))));
    }

    private static <T> CompletionStage<List<T>> collect(AsyncResultSet rs, List<T> out,
                                                        java.util.function.Function<Row, T> map) {
        for (Row row : rs.currentPage()) {
            T t = map.apply(row);
            if (t != null) {
                out.add(t);
            }
        }
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> collect(next, out, map))
                : CompletableFuture.completedFuture(out);
    }

    private CompletionStage<Void> run(Statement<?> statement) {
        return session.executeAsync(statement).thenApply(rs -> null);
    }
}
