package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.GroupSnapshot;

/**
 * The {@code media_references} table: which conversation showed which media key at which seq (from
 * {@code conversation-events}). The edge serves a media object only to its uploader and to users with such a
 * reference within their reach of the conversation (docs/security.md, "Media and group access").
 */
public class MediaReferences {
    /** Conversation {@code conversationId} showed {@code mediaKey} to its members at {@code seq}. */
    public record Reference(String mediaKey, String conversationId, long seq) {
    }

    /**
     * A message deleted for everyone at {@code deletedAtSeq} no longer shows {@code mediaKey}: its reference
     * ({@code messageSeq}) is removed. Other messages that show the same object (a forward) keep theirs.
     */
    public record Revocation(String mediaKey, String conversationId, long messageSeq, long deletedAtSeq) {
    }

    private final CqlSession session;
    private final PreparedStatement revoke;
    private final PreparedStatement insert;
    private final PreparedStatement nextConversation;
    private final PreparedStatement firstConversation;
    private final PreparedStatement within;
    private final PreparedStatement referencedAt;
    private final PreparedStatement releasedAt;

    public MediaReferences(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO media_references (media_key, conversation_id, seq) VALUES (?,?,?)"
                + " USING TIMESTAMP ?");
        // Timestamped with the delete's seq, above the reference's own (its message's seq): a replay of the message
        // after the delete writes nothing back.
        this.revoke = session.prepare("DELETE FROM media_references USING TIMESTAMP ? WHERE media_key = ?"
                + " AND conversation_id = ? AND seq = ?");
        this.firstConversation = session.prepare("SELECT conversation_id FROM media_references WHERE media_key = ?"
                + " LIMIT 1");
        this.nextConversation = session.prepare("SELECT conversation_id FROM media_references WHERE media_key = ?"
                + " AND conversation_id > ? LIMIT 1");
        this.within = session.prepare("SELECT seq FROM media_references WHERE media_key = ? AND conversation_id = ?"
                + " AND seq >= ? AND seq <= ? LIMIT 1");
        // media_reference_times: when each reference was made and released (the events' sentAt), for the sweeper.
        this.referencedAt = session.prepare("INSERT INTO media_reference_times (media_key, conversation_id, seq,"
                + " referenced_at) VALUES (?,?,?,?)");
        this.releasedAt = session.prepare("UPDATE media_reference_times SET released_at = ? WHERE media_key = ?"
                + " AND conversation_id = ? AND seq = ?");
    }

    /**
     * The keys an event shows to its recipients. Today: a group's icon, on the events that show it to someone new or
     * anew: the group's creation, an info change, and members added (the joiners see the current icon, whatever seq
     * set it). Other group events carry the same snapshot to the same members, so they add no reach. A message's
     * attachment object ({@code mediaObjectId}, server-visible) is referenced by that message's event.
     */
    public static List<Reference> of(ConversationEvent e) {
        if (e.getType() == org.parley.events.EventType.MESSAGE && e.getMediaObjectId() != null
                && !e.getMediaObjectId().isEmpty()) {
            // A message's attachment: the object its encrypted descriptor names (the event's mediaObjectId).
            return List.of(new Reference(e.getMediaObjectId(), e.getConversationId(), e.getSeq()));
        }
        GroupSnapshot g = e.getGroup();
        String icon = g == null ? null : g.getIconKey();
        if (icon == null || icon.isEmpty() || e.getPrivateToUserId() != null) {
            return List.of();
        }
        return switch (e.getType()) {
            case GROUP_CREATED, GROUP_INFO_CHANGED, MEMBERS_ADDED ->
                    List.of(new Reference(icon, e.getConversationId(), e.getSeq()));
            default -> List.of();
        };
    }

    /** What a {@code MESSAGE_DELETED} event revokes: the deleted message's attachment reference, if it had one. */
    public static List<Revocation> revokedBy(ConversationEvent e) {
        if (e.getType() != org.parley.events.EventType.MESSAGE_DELETED || e.getTargetSeq() == null
                || e.getMediaObjectId() == null || e.getMediaObjectId().isEmpty()) {
            return List.of();
        }
        return List.of(new Revocation(e.getMediaObjectId(), e.getConversationId(), e.getTargetSeq(), e.getSeq()));
    }

    /**
     * The reference, and its time in {@code media_reference_times} ({@code at}: the event's sentAt). Idempotent: the
     * same event writes the same rows, in whatever order against the revocation.
     */
    public CompletionStage<Void> write(Reference r, java.time.Instant at) {
        return write(r).thenCompose(v -> session.executeAsync(referencedAt.bind(r.mediaKey(), r.conversationId(),
                r.seq(), at))).thenApply(rs -> null);
    }

    /** The revocation, and its time as the reference's {@code released_at} ({@code at}: the delete's sentAt). */
    public CompletionStage<Void> revoke(Revocation r, java.time.Instant at) {
        return revoke(r).thenCompose(v -> session.executeAsync(releasedAt.bind(at, r.mediaKey(), r.conversationId(),
                r.messageSeq()))).thenApply(rs -> null);
    }

    /** Idempotent. */
    public CompletionStage<Void> revoke(Revocation r) {
        return session.executeAsync(revoke.bind(r.deletedAtSeq(), r.mediaKey(), r.conversationId(), r.messageSeq()))
                .thenApply(rs -> null);
    }

    /** Idempotent: the same event writes the same row. */
    public CompletionStage<Void> write(Reference r) {
        return session.executeAsync(insert.bind(r.mediaKey(), r.conversationId(), r.seq(), r.seq()))
                .thenApply(rs -> null);
    }

    /**
     * Up to {@code limit} distinct conversations that referenced the key, in conversation id order. One read per
     * conversation (a skip over its rows), so a conversation that showed the key many times costs no more.
     */
    public CompletionStage<List<String>> conversations(String mediaKey, int limit) {
        List<String> out = new ArrayList<>();
        if (limit <= 0) {
            return CompletableFuture.completedFuture(out);
        }
        return session.executeAsync(firstConversation.bind(mediaKey))
                .thenCompose(rs -> collect(mediaKey, rs.one(), limit, out));
    }

    private CompletionStage<List<String>> collect(String mediaKey, Row row, int limit, List<String> out) {
        if (row == null) {
            return CompletableFuture.completedFuture(out);
        }
        String conversation = row.getString("conversation_id");
        out.add(conversation);
        if (out.size() >= limit) {
            return CompletableFuture.completedFuture(out);
        }
        return session.executeAsync(nextConversation.bind(mediaKey, conversation))
                .thenCompose(rs -> collect(mediaKey, rs.one(), limit, out));
    }

    /** Whether the conversation referenced the key at a seq in [fromSeq, toSeq]. */
    public CompletionStage<Boolean> referencedWithin(String mediaKey, String conversationId, long fromSeq, long toSeq) {
        return session.executeAsync(within.bind(mediaKey, conversationId, fromSeq, toSeq))
                .thenApply(rs -> rs.one() != null);
    }
}
