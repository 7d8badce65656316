package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.schemas.Conversations;

/**
 * The {@code member_receipts} table: per-member message status kept as state (docs/adr/0014). Each receipt that moves
 * one member's delivered or read watermark is one row, keyed by the seq it moved to; "does member m have message s,
 * and since when" is the first row of that mark at a seq at or after s. Rows are inserted, never updated, so a replay
 * writes the same rows and the order of writes does not matter.
 */
public class MemberReceipts {
    /** Seqs per partition of one member's marks in one conversation. */
    public static final long BUCKET = 65_536;
    /** Members looked up per query ({@code user_id IN ...}). */
    static final int MEMBERS_PER_QUERY = 100;

    /** Which mark a row is: delivered to a device of the member, or read by it. */
    public enum Mark {
        DELIVERED("d"), READ("r");
        final String code;

        Mark(String code) {
            this.code = code;
        }
    }

    /** One row to write: {@code userId}'s {@code mark} reached {@code seq} at {@code at}. */
    public record Entry(String conversationId, String userId, Mark mark, long seq, Instant at) {
    }

    /** One member's status for one message: when it was delivered / read (null: not yet). */
    public record Status(String userId, Instant deliveredAt, Instant readAt) {
    }

    /**
     * The row a receipt writes, if any. A group: a member's DELIVERED and the reader's own READ (groups have no
     * per-sender READ: ADR 0014). A one-to-one chat: the other member's DELIVERED and READ as told to the sender (so a
     * READ is kept only when both users share read receipts, as the sequencer decides; the reader's own READ syncs
     * its devices through the inbox and is not a mark). Aggregates ("*") write nothing.
     */
    public static Optional<Entry> of(Receipt r) {
        String by = r.getByUserId();
        if (by == null || by.isEmpty() || "*".equals(by)) {
            return Optional.empty();
        }
        boolean toSelf = by.equals(r.getToUserId());
        if (r.getStatus() == ReceiptStatus.DELIVERED && !toSelf) {
            return Optional.of(new Entry(r.getConversationId(), by, Mark.DELIVERED, r.getSeq(), r.getAt()));
        }
        boolean readMark = Conversations.isGroup(r.getConversationId()) ? toSelf : !toSelf;
        if (r.getStatus() == ReceiptStatus.READ && readMark) {
            return Optional.of(new Entry(r.getConversationId(), by, Mark.READ, r.getSeq(), r.getAt()));
        }
        return Optional.empty();
    }

    public static long bucket(long seq) {
        return seq / BUCKET;
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement first;

    public MemberReceipts(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO member_receipts (conversation_id, user_id, bucket, mark, seq, at)"
                + " VALUES (?,?,?,?,?,?)");
        this.first = session.prepare("SELECT user_id, seq, at FROM member_receipts WHERE conversation_id = ?"
                + " AND user_id IN ? AND bucket = ? AND mark = ? AND seq >= ? PER PARTITION LIMIT 1");
    }

    public CompletionStage<Void> write(Entry row) {
        return session.executeAsync(insert.bind(row.conversationId(), row.userId(), bucket(row.seq()), row.mark().code,
                row.seq(), row.at())).thenApply(rs -> null);
    }

    /**
     * Each member's status for message {@code seq}, whose conversation's head is {@code headSeq} (no mark goes past
     * it). Read implies delivered: a member that read it without a delivery mark counts as delivered when it read.
     */
    public CompletionStage<Map<String, Status>> status(String conversationId, long seq, long headSeq, List<String> userIds) {
        CompletionStage<Map<String, Instant>> delivered = firstAtOrAfter(conversationId, Mark.DELIVERED, seq, headSeq, userIds);
        CompletionStage<Map<String, Instant>> read = firstAtOrAfter(conversationId, Mark.READ, seq, headSeq, userIds);
        return delivered.thenCombine(read, (d, r) -> {
            Map<String, Status> out = new java.util.LinkedHashMap<>();
            for (String u : userIds) {
                Instant readAt = r.get(u);
                Instant deliveredAt = d.get(u);
                if (readAt != null && (deliveredAt == null || readAt.isBefore(deliveredAt))) {
                    deliveredAt = readAt;
                }
                out.put(u, new Status(u, deliveredAt, readAt));
            }
            return out;
        });
    }

    /** For each member, the time of its first {@code mark} row at a seq >= {@code seq}, bucket by bucket. */
    private CompletionStage<Map<String, Instant>> firstAtOrAfter(String conversationId, Mark mark, long seq, long headSeq,
                                                                 List<String> userIds) {
        Map<String, Instant> found = new HashMap<>();
        return scan(conversationId, mark, seq, bucket(seq), bucket(Math.max(seq, headSeq)), new LinkedHashSet<>(userIds), found)
                .thenApply(v -> found);
    }

    private CompletionStage<Void> scan(String conversationId, Mark mark, long seq, long bucket, long lastBucket,
                                       Set<String> missing, Map<String, Instant> found) {
        if (missing.isEmpty() || bucket > lastBucket) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> all = new ArrayList<>(missing);
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (int i = 0; i < all.size(); i += MEMBERS_PER_QUERY) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + MEMBERS_PER_QUERY));
            reads.add(session.executeAsync(first.bind(conversationId, chunk, bucket, mark.code, seq))
                    .thenCompose(rs -> collect(rs, found)).toCompletableFuture());
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            missing.removeAll(found.keySet());
            return scan(conversationId, mark, seq, bucket + 1, lastBucket, missing, found);
        });
    }

    private static CompletionStage<Void> collect(AsyncResultSet rs, Map<String, Instant> into) {
        synchronized (into) {
            for (com.datastax.oss.driver.api.core.cql.Row r : rs.currentPage()) {
                into.putIfAbsent(r.getString("user_id"), r.getInstant("at"));
            }
        }
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> collect(next, into))
                : CompletableFuture.completedFuture(null);
    }
}
