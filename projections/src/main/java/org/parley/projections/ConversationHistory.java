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
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.schemas.Conversations;

/** The {@code messages} table: conversation events by (conversation, bucket), newest first. */
public class ConversationHistory {
    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement pageBefore;
    private final PreparedStatement writeHead;
    private final PreparedStatement readHead;

    public ConversationHistory(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO messages (conversation_id, bucket, seq, event_id, type, sender_user_id,"
                + " sender_device_id, client_message_id, sent_at, media_type, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
        this.pageBefore = session.prepare("SELECT seq, event_id, type, sender_user_id, sender_device_id,"
                + " client_message_id, sent_at, media_type, payload FROM messages"
                + " WHERE conversation_id = ? AND bucket = ? AND seq < ? LIMIT ?");
        this.writeHead = session.prepare("UPDATE conversation_heads SET head_seq = ? WHERE conversation_id = ?");
        this.readHead = session.prepare("SELECT head_seq FROM conversation_heads WHERE conversation_id = ?");
    }

    /** Idempotent: the same event always writes the same row. */
    public CompletionStage<Void> write(ConversationEvent e) {
        return session.executeAsync(insert.bind(e.getConversationId(), Buckets.of(e.getSeq()), e.getSeq(), e.getEventId(),
                e.getType().name(), e.getSenderUserId(), e.getSenderDeviceId(), e.getClientMessageId(), e.getSentAt(),
                e.getMediaType(), e.getPayload().duplicate())).thenApply(rs -> null);
    }

    /**
     * Records the conversation's latest seq. Callers write it after the event rows of a batch, with the batch's
     * highest seq per conversation (the log is ordered per conversation, so the last write is the head).
     */
    public CompletionStage<Void> writeHead(String conversationId, long headSeq) {
        return session.executeAsync(writeHead.bind(headSeq, conversationId)).thenApply(rs -> null);
    }

    /** The latest seq the projection has seen for the conversation, 0 if none. */
    public CompletionStage<Long> head(String conversationId) {
        return session.executeAsync(readHead.bind(conversationId)).thenApply(rs -> {
            Row row = rs.one();
            return row == null ? 0L : row.getLong("head_seq");
        });
    }

    /** Up to {@code limit} events with seq < beforeSeq, newest first (beforeSeq = Long.MAX_VALUE for the latest). */
    public CompletionStage<List<ConversationEvent>> page(String conversationId, long beforeSeq, int limit) {
        List<ConversationEvent> out = new ArrayList<>();
        if (limit <= 0 || beforeSeq <= 1) {
            return CompletableFuture.completedFuture(out);
        }
        if (beforeSeq == Long.MAX_VALUE) {
            // The newest page starts at the head's bucket.
            return head(conversationId).thenCompose(h -> h == 0
                    ? CompletableFuture.completedFuture(out)
                    : pageFrom(conversationId, Buckets.of(h), beforeSeq, limit, out));
        }
        return pageFrom(conversationId, Buckets.of(beforeSeq - 1), beforeSeq, limit, out);
    }

    private CompletionStage<List<ConversationEvent>> pageFrom(String conversationId, long bucket, long beforeSeq,
                                                              int limit, List<ConversationEvent> out) {
        return session.executeAsync(pageBefore.bind(conversationId, bucket, beforeSeq, limit - out.size()))
                .thenCompose(rs -> collect(rs, conversationId, out))
                .thenCompose(v -> out.size() >= limit || bucket == 0
                        ? CompletableFuture.completedFuture(out)
                        : pageFrom(conversationId, bucket - 1, beforeSeq, limit, out));
    }

    private CompletionStage<Void> collect(AsyncResultSet rs, String conversationId, List<ConversationEvent> out) {
        for (Row row : rs.currentPage()) {
            out.add(toEvent(conversationId, row));
        }
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> collect(next, conversationId, out))
                : CompletableFuture.completedFuture(null);
    }

    private static ConversationEvent toEvent(String conversationId, Row row) {
        ByteBuffer payload = row.getByteBuffer("payload");
        Instant sentAt = row.getInstant("sent_at");
        return ConversationEvent.newBuilder()
                .setEventId(row.getString("event_id"))
                .setConversationId(conversationId)
                .setSeq(row.getLong("seq"))
                .setType(EventType.valueOf(row.getString("type")))
                .setSenderUserId(row.getString("sender_user_id"))
                .setSenderDeviceId(row.getString("sender_device_id"))
                .setClientMessageId(row.getString("client_message_id"))
                .setMemberUserIds(Conversations.members(conversationId).orElse(List.of()))
                .setSentAt(sentAt == null ? Instant.EPOCH : sentAt)
                .setMediaType(row.getString("media_type"))
                .setPayload(payload == null ? ByteBuffer.allocate(0) : payload)
                .build();
    }
}
