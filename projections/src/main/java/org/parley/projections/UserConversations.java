package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * The {@code user_conversations} and {@code hidden_messages} tables: each user's conversations (membership range,
 * read state, mute) and the messages it deleted for itself. Cells are written at the seq of the event that set
 * them, so replays and reordered writes keep the latest state.
 */
public class UserConversations {
    /** What one user has of one conversation. {@code leftSeq} null while a member; mutedUntil 0 = not muted. */
    public record Membership(String userId, String conversationId, long sinceSeq, Long leftSeq, long readSeq,
                             long mutedUntil) {
        public boolean isMember() {
            return leftSeq == null;
        }

        public boolean mutedAt(long epochMillis) {
            return mutedUntil > epochMillis;
        }
    }

    private final CqlSession session;
    private final PreparedStatement join;
    private final PreparedStatement leave;
    private final PreparedStatement read;
    private final PreparedStatement mute;
    private final PreparedStatement hide;
    private final PreparedStatement one;
    private final PreparedStatement all;
    private final PreparedStatement hidden;

    public UserConversations(CqlSession session) {
        this.session = session;
        this.join = session.prepare("UPDATE user_conversations USING TIMESTAMP ? SET since_seq = ?, left_seq = null"
                + " WHERE user_id = ? AND conversation_id = ?");
        this.leave = session.prepare("UPDATE user_conversations USING TIMESTAMP ? SET left_seq = ?"
                + " WHERE user_id = ? AND conversation_id = ?");
        this.read = session.prepare("UPDATE user_conversations USING TIMESTAMP ? SET read_seq = ?"
                + " WHERE user_id = ? AND conversation_id = ?");
        this.mute = session.prepare("UPDATE user_conversations USING TIMESTAMP ? SET muted_until = ?"
                + " WHERE user_id = ? AND conversation_id = ?");
        this.hide = session.prepare("INSERT INTO hidden_messages (user_id, conversation_id, seq) VALUES (?,?,?)"
                + " USING TIMESTAMP ?");
        String columns = "user_id, conversation_id, since_seq, left_seq, read_seq, muted_until";
        this.one = session.prepare("SELECT " + columns + " FROM user_conversations WHERE user_id = ? AND conversation_id = ?");
        this.all = session.prepare("SELECT " + columns + " FROM user_conversations WHERE user_id = ?");
        this.hidden = session.prepare("SELECT seq FROM hidden_messages WHERE user_id = ? AND conversation_id = ?"
                + " AND seq >= ? AND seq <= ?");
    }

    /** The user became a member at {@code seq} (a one-to-one chat's members from its start: seq 1). */
    public CompletionStage<Void> joined(String userId, String conversationId, long seq) {
        return run(join.bind(seq, seq, userId, conversationId));
    }

    public CompletionStage<Void> left(String userId, String conversationId, long seq) {
        return run(leave.bind(seq, seq, userId, conversationId));
    }

    /** Read up to {@code seq}: the sequencer only ever raises it, so the seq doubles as the cell timestamp. */
    public CompletionStage<Void> readUpTo(String userId, String conversationId, long seq) {
        return run(read.bind(seq, seq, userId, conversationId));
    }

    public CompletionStage<Void> muted(String userId, String conversationId, long until, long seq) {
        return run(mute.bind(seq, until, userId, conversationId));
    }

    public CompletionStage<Void> hidden(String userId, String conversationId, long targetSeq, long seq) {
        return run(hide.bind(userId, conversationId, targetSeq, seq));
    }

    public CompletionStage<Optional<Membership>> find(String userId, String conversationId) {
        return session.executeAsync(one.bind(userId, conversationId))
                .thenApply(rs -> Optional.ofNullable(rs.one()).filter(r -> !r.isNull("since_seq")).map(UserConversations::of));
    }

    /** Every conversation the user belongs or belonged to. */
    public CompletionStage<List<Membership>> all(String userId) {
        return session.executeAsync(all.bind(userId)).thenApply(rs -> {
            List<Membership> out = new ArrayList<>();
            for (Row r : rs.currentPage()) {
                if (!r.isNull("since_seq")) {
                    out.add(of(r));
                }
            }
            return out;
        });
    }

    /** Seqs in [from, to] the user deleted for itself. */
    public CompletionStage<Set<Long>> hiddenBetween(String userId, String conversationId, long from, long to) {
        return session.executeAsync(hidden.bind(userId, conversationId, from, to)).thenApply(rs -> {
            Set<Long> out = new TreeSet<>();
            rs.currentPage().forEach(r -> out.add(r.getLong("seq")));
            return out;
        });
    }

    private static Membership of(Row r) {
        return new Membership(r.getString("user_id"), r.getString("conversation_id"), r.getLong("since_seq"),
                r.isNull("left_seq") ? null : r.getLong("left_seq"), r.isNull("read_seq") ? 0 : r.getLong("read_seq"),
                r.isNull("muted_until") ? 0 : r.getLong("muted_until"));
    }

    private CompletionStage<Void> run(BoundStatement statement) {
        return session.executeAsync(statement).thenApply(rs -> null);
    }
}
