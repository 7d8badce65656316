package org.parley.edge.session;

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
 * messages an action references; this is its read-side twin, over the projection.
 */
final class ConversationReach {
    /** Seqs {@code from..to} (inclusive) are visible. */
    record Range(long from, long to, Optional<UserConversations.Membership> membership) {
        boolean contains(long seq) {
            return seq >= from && seq <= to;
        }
    }

    private final EdgeReadModel readModel;

    ConversationReach(EdgeReadModel readModel) {
        this.readModel = readModel;
    }

    /** Fails with NOT_A_MEMBER if the user never belonged to the conversation. */
    Future<Range> of(String userId, String conversationId, String ref) {
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
            UserConversations.Membership membership = m.get();
            long to = membership.leftSeq() == null ? Long.MAX_VALUE : membership.leftSeq();
            return readModel.group(conversationId).map(g -> new Range(
                    g.map(x -> x.historySharing()).orElse(false) ? 1 : membership.sinceSeq(), to, m));
        });
    }

    private static ProtocolException notAMember(String conversationId, String ref) {
        return new ProtocolException(ErrorCode.NOT_A_MEMBER, "you are not a member of " + conversationId, ref);
    }
}
