package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.schemas.Conversations;

/** The {@code messages} table: conversation events by (conversation, bucket), newest first. */
public class ConversationHistory {
    private static final String COLUMNS = "seq, event_id, type, sender_user_id, sender_device_id, client_message_id,"
            + " sent_at, media_type, payload, target_seq, reply_to_seq, forward_count, forwarded_many_times, reaction,"
            + " subject_user_ids, system_text, edited_seq, edited_at, deleted";

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement edit;
    private final PreparedStatement delete;
    private final PreparedStatement pageBefore;
    private final PreparedStatement pageAfter;
    private final PreparedStatement writeHead;
    private final PreparedStatement writeLastActivity;
    private final PreparedStatement readHead;
    private final PreparedStatement readLastActivity;
    private final PreparedStatement react;
    private final PreparedStatement unreact;
    private final PreparedStatement reactionsOf;

    public ConversationHistory(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO messages (conversation_id, bucket, seq, event_id, type, sender_user_id,"
                + " sender_device_id, client_message_id, sent_at, media_type, payload, target_seq, reply_to_seq,"
                + " forward_count, forwarded_many_times, reaction, subject_user_ids, system_text)"
                + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) USING TIMESTAMP ?");
        this.edit = session.prepare("UPDATE messages USING TIMESTAMP ? SET payload = ?, edited_seq = ?, edited_at = ?"
                + " WHERE conversation_id = ? AND bucket = ? AND seq = ?");
        this.delete = session.prepare("UPDATE messages USING TIMESTAMP ? SET payload = 0x, media_type = null,"
                + " deleted = true WHERE conversation_id = ? AND bucket = ? AND seq = ?");
        this.pageBefore = session.prepare("SELECT " + COLUMNS + " FROM messages"
                + " WHERE conversation_id = ? AND bucket = ? AND seq < ? LIMIT ?");
        this.pageAfter = session.prepare("SELECT " + COLUMNS + " FROM messages"
                + " WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?");
        this.writeHead = session.prepare("UPDATE conversation_heads USING TIMESTAMP ? SET head_seq = ?"
                + " WHERE conversation_id = ?");
        this.writeLastActivity = session.prepare("UPDATE conversation_heads USING TIMESTAMP ? SET last_seq = ?,"
                + " last_type = ?, last_sender_user_id = ?, last_at = ?, last_media_type = ? WHERE conversation_id = ?");
        this.readHead = session.prepare("SELECT head_seq FROM conversation_heads WHERE conversation_id = ?");
        this.readLastActivity = session.prepare("SELECT conversation_id, last_seq, last_type, last_sender_user_id, last_at,"
                + " last_media_type FROM conversation_heads WHERE conversation_id = ?");
        this.react = session.prepare("INSERT INTO reactions (conversation_id, bucket, target_seq, user_id, reaction, seq)"
                + " VALUES (?,?,?,?,?,?) USING TIMESTAMP ?");
        this.unreact = session.prepare("DELETE FROM reactions USING TIMESTAMP ? WHERE conversation_id = ? AND bucket = ?"
                + " AND target_seq = ? AND user_id = ?");
        this.reactionsOf = session.prepare("SELECT target_seq, user_id, reaction FROM reactions"
                + " WHERE conversation_id = ? AND bucket = ? AND target_seq >= ? AND target_seq <= ?");
    }

    /** The last shared event of a conversation, for the chat list. */
    public record LastActivity(String conversationId, long seq, String type, String senderUserId, Instant at,
                               String mediaType) {
    }

    /** Idempotent: the same event always writes the same row, at the event's seq as cell timestamp. */
    public CompletionStage<Void> write(ConversationEvent e) {
        return run(insert.bind(e.getConversationId(), Buckets.of(e.getSeq()), e.getSeq(), e.getEventId(),
                e.getType().name(), e.getSenderUserId(), e.getSenderDeviceId(), e.getClientMessageId(), e.getSentAt(),
                e.getMediaType(), e.getPayload().duplicate(), e.getTargetSeq(), e.getReplyToSeq(), e.getForwardCount(),
                e.getForwardedManyTimes(), e.getReaction(), e.getSubjectUserIds(), e.getSystemText(), e.getSeq()));
    }

    /** The edit's content replaces its target's: written at the edit's seq, so the latest edit wins. */
    public CompletionStage<Void> applyEdit(ConversationEvent e) {
        long target = e.getTargetSeq();
        return run(edit.bind(e.getSeq(), e.getPayload().duplicate(), e.getSeq(), e.getSentAt(), e.getConversationId(),
                Buckets.of(target), target));
    }

    /** Deleted for everyone: the target keeps its place in history as a tombstone without content. */
    public CompletionStage<Void> applyDelete(ConversationEvent e) {
        long target = e.getTargetSeq();
        return run(delete.bind(e.getSeq(), e.getConversationId(), Buckets.of(target), target));
    }

    /** One reaction per user per message: the latest (highest seq) wins; an empty reaction removes it. */
    public CompletionStage<Void> applyReaction(ConversationEvent e) {
        long target = e.getTargetSeq();
        String reaction = reactionOf(e);
        if (reaction.isEmpty()) {
            return run(unreact.bind(e.getSeq(), e.getConversationId(), Buckets.of(target), target, e.getSenderUserId()));
        }
        return run(react.bind(e.getConversationId(), Buckets.of(target), target, e.getSenderUserId(), reaction,
                e.getSeq(), e.getSeq()));
    }

    /** What history shows of a user's reaction after a content it cannot read (docs/e2e.md): "reacted, encrypted". */
    public static final String ENCRYPTED_REACTION = "*";

    /**
     * The reaction a REACTION event leaves in history: its emoji, "" for a removal, or {@link #ENCRYPTED_REACTION}
     * when its content is end-to-end encrypted (per-device envelopes, or a group's Sender Key payload): the server
     * cannot tell the emoji, nor a removal, and keeps that the user reacted.
     */
    public static String reactionOf(ConversationEvent e) {
        if (e.getReaction() != null) {
            return e.getReaction();
        }
        boolean sealed = org.parley.schemas.Envelopes.isEncrypted(e)
                || e.getPayload() != null && e.getPayload().remaining() > 0;
        return sealed ? ENCRYPTED_REACTION : "";
    }

    /**
     * Records the conversation's latest seq. Callers write it after the event rows of a batch, with the batch's
     * highest seq per conversation, so a reader never sees a head without its row.
     */
    public CompletionStage<Void> writeHead(String conversationId, long headSeq) {
        return run(writeHead.bind(headSeq, headSeq, conversationId));
    }

    /** Records a shared event as the conversation's last activity (chat list order and preview). */
    public CompletionStage<Void> writeLastActivity(ConversationEvent e) {
        return run(writeLastActivity.bind(e.getSeq(), e.getSeq(), e.getType().name(), e.getSenderUserId(),
                e.getSentAt(), e.getMediaType(), e.getConversationId()));
    }

    public CompletionStage<Optional<LastActivity>> lastActivity(String conversationId) {
        return session.executeAsync(readLastActivity.bind(conversationId)).thenApply(rs -> {
            Row row = rs.one();
            if (row == null || row.isNull("last_seq")) {
                return Optional.empty();
            }
            return Optional.of(new LastActivity(conversationId, row.getLong("last_seq"), row.getString("last_type"),
                    row.getString("last_sender_user_id"), row.getInstant("last_at"), row.getString("last_media_type")));
        });
    }

    /** The latest seq the projection has seen for the conversation, 0 if none. */
    public CompletionStage<Long> head(String conversationId) {
        return session.executeAsync(readHead.bind(conversationId)).thenApply(rs -> {
            Row row = rs.one();
            return row == null ? 0L : row.getLong("head_seq");
        });
    }

    /** Up to {@code limit} events with seq < beforeSeq, newest first (beforeSeq = Long.MAX_VALUE for the latest). */
    public CompletionStage<List<Entry>> page(String conversationId, long beforeSeq, int limit) {
        List<Entry> out = new ArrayList<>();
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

    /** Up to {@code limit} events with seq > afterSeq, oldest first (unread counting). */
    public CompletionStage<List<Entry>> after(String conversationId, long afterSeq, long headSeq, int limit) {
        List<Entry> out = new ArrayList<>();
        return afterFrom(conversationId, Buckets.of(afterSeq + 1), Buckets.of(headSeq), afterSeq, limit, out);
    }

    private CompletionStage<List<Entry>> afterFrom(String conversationId, long bucket, long lastBucket,
                                                               long afterSeq, int limit, List<Entry> out) {
        if (out.size() >= limit || bucket > lastBucket) {
            return CompletableFuture.completedFuture(out);
        }
        return session.executeAsync(pageAfter.bind(conversationId, bucket, afterSeq, limit - out.size()))
                .thenCompose(rs -> collect(rs, conversationId, out))
                .thenCompose(v -> afterFrom(conversationId, bucket + 1, lastBucket, afterSeq, limit, out));
    }

    /** Each user's reaction to the messages seq in [from, to], by target seq. */
    public CompletionStage<Map<Long, Map<String, String>>> reactions(String conversationId, long from, long to) {
        Map<Long, Map<String, String>> out = new TreeMap<>();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (long b = Buckets.of(from); b <= Buckets.of(to); b++) {
            reads.add(session.executeAsync(reactionsOf.bind(conversationId, b, from, to)).thenAccept(rs -> {
                synchronized (out) {
                    for (Row row : rs.currentPage()) {
                        out.computeIfAbsent(row.getLong("target_seq"), k -> new TreeMap<>())
                                .put(row.getString("user_id"), row.getString("reaction"));
                    }
                }
            }).toCompletableFuture());
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> out);
    }

    private CompletionStage<Void> run(com.datastax.oss.driver.api.core.cql.BoundStatement statement) {
        return session.executeAsync(statement).thenApply(rs -> null);
    }

    private CompletionStage<List<Entry>> pageFrom(String conversationId, long bucket, long beforeSeq,
                                                              int limit, List<Entry> out) {
        return session.executeAsync(pageBefore.bind(conversationId, bucket, beforeSeq, limit - out.size()))
                .thenCompose(rs -> collect(rs, conversationId, out))
                .thenCompose(v -> out.size() >= limit || bucket == 0
                        ? CompletableFuture.completedFuture(out)
                        : pageFrom(conversationId, bucket - 1, beforeSeq, limit, out));
    }

    private CompletionStage<Void> collect(AsyncResultSet rs, String conversationId, List<Entry> out) {
        for (Row row : rs.currentPage()) {
            out.add(toEntry(conversationId, row));
        }
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> collect(next, conversationId, out))
                : CompletableFuture.completedFuture(null);
    }

    /**
     * One row of history: the event as sequenced, with its current content (the latest edit's, or none once deleted
     * for everyone).
     */
    public record Entry(ConversationEvent event, Long editedSeq, Instant editedAt, boolean deleted) {
    }

    private static Entry toEntry(String conversationId, Row row) {
        ByteBuffer payload = row.getByteBuffer("payload");
        Instant sentAt = row.getInstant("sent_at");
        List<String> subjects = row.getList("subject_user_ids", String.class);
        ConversationEvent event = ConversationEvent.newBuilder()
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
                .setTargetSeq(row.isNull("target_seq") ? null : row.getLong("target_seq"))
                .setReplyToSeq(row.isNull("reply_to_seq") ? null : row.getLong("reply_to_seq"))
                .setForwardCount(row.isNull("forward_count") ? 0 : row.getInt("forward_count"))
                .setForwardedManyTimes(!row.isNull("forwarded_many_times") && row.getBoolean("forwarded_many_times"))
                .setReaction(row.getString("reaction"))
                .setSubjectUserIds(subjects == null ? List.of() : subjects)
                .setSystemText(row.getString("system_text"))
                .build();
        return new Entry(event, row.isNull("edited_seq") ? null : row.getLong("edited_seq"), row.getInstant("edited_at"),
                !row.isNull("deleted") && row.getBoolean("deleted"));
    }
}
