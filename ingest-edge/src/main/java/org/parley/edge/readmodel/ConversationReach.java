package org.parley.edge.readmodel;

import io.vertx.core.Future;
import java.util.Optional;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.projections.UserConversations;
import org.parley.schemas.Conversations;

/**
 * Which part of a conversation a user may read: a one-to-one chat's members all of it; a group member from when it
 * joined (from the start if the group shares history) until it left. The sequencer enforces the same rule for the
 * messages an action references; this is its read-side twin, over the projection. Media access follows it too.
 */
public final class ConversationReach {
    /** Seqs {@code from..to} (inclusive) are visible. */
    public record Range(long from, long to, Optional<UserConversations.Membership> membership) {
        public boolean contains(long seq) {
            return seq >= from && seq <= to;
        }
    }

    private final EdgeReadModel readModel;

    public ConversationReach(EdgeReadModel readModel) {
        this.readModel = readModel;
    }

    /** Fails with NOT_A_MEMBER if the user never belonged to the conversation. */
    public Future<Range> of(String userId, String conversationId, String ref) {
        if (!Conversations.isGroup(conversationId)) {
            if (!Conversations.members(conversationId).map(m -> m.contains(userId)).orElse(false)) {
                return Future.failedFuture(notAMember(conversationId, ref));
            }
            return readModel.membership(userId, conversationId)
                    .map(m -> new Range(1, Long.MAX_VALUE, m));
        }
        return readModel.membership(userId, conversationId).compose(m -> {
            if (m.isEmpty()) {
                return Future.failedFuture(notAMember(conversationId, ref));
            }
            return of(userId, m.get());
        });
    }

    /** The reach of a membership the caller already read (a group's, or a one-to-one chat's: all of it). */
    public Future<Range> of(String userId, UserConversations.Membership membership) {
        String conversationId = membership.conversationId();
        Optional<UserConversations.Membership> m = Optional.of(membership);
        if (!Conversations.isGroup(conversationId)) {
            return Future.succeededFuture(new Range(1, Long.MAX_VALUE, m));
        }
        long to = membership.leftSeq() == null ? Long.MAX_VALUE : membership.leftSeq();
        // A former member keeps the group's history sharing as it was when it left: turning it on later opens
        // nothing to it. No departure row (not projected yet): its own range only.
        Future<Boolean> sharing = membership.leftSeq() != null
                ? readModel.departure(userId, conversationId).map(d -> d.map(x -> x.group().historySharing()).orElse(false))
                : readModel.group(conversationId).map(g -> g.map(x -> x.historySharing()).orElse(false));
        return sharing.map(shared -> new Range(shared ? 1 : membership.sinceSeq(), to, m));
    }

    private static ProtocolException notAMember(String conversationId, String ref) {
        return new ProtocolException(ErrorCode.NOT_A_MEMBER, "you are not a member of " + conversationId, ref);
    }
}
