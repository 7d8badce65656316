package org.parley.edge.media;

import io.vertx.core.Future;
import java.util.List;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.MediaKeys;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.readmodel.ConversationReach;
import org.parley.edge.readmodel.EdgeReadModel;

/**
 * Who may fetch a media object: its uploader (any device of the user named in its key), and a user to whom a
 * conversation showed the key at a seq within the user's reach of that conversation (a group member from when it
 * joined, or from the start if the group shares history, until it left). References are the
 * {@code media_references} projection of the log; reach is the same rule history pages follow. A removed member
 * keeps what was shown while it was a member and nothing shown after.
 */
public final class MediaAccess {
    private final EdgeReadModel readModel;
    private final ConversationReach reach;
    private final int maxConversationsChecked;

    public MediaAccess(EdgeReadModel readModel, int maxConversationsChecked) {
        this.readModel = readModel;
        this.reach = new ConversationReach(readModel);
        this.maxConversationsChecked = maxConversationsChecked;
    }

    /**
     * Succeeds if {@code userId} may fetch {@code key} (a well-formed key). {@code conversationId} (optional) names
     * the conversation that showed it, {@code seq} (optional, with it) the event: while the read model is behind that
     * seq the answer is UNAVAILABLE (retry), not a refusal. Fails with NOT_A_MEMBER when refused.
     */
    public Future<Void> check(String userId, String key, String conversationId, Long seq) {
        if (MediaKeys.owner(key).map(userId::equals).orElse(false)) {
            return Future.succeededFuture();
        }
        if (conversationId != null) {
            Future<Void> caughtUp = seq == null ? Future.succeededFuture() : readModel.head(conversationId).compose(head ->
                    head < seq ? Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "the read model has"
                            + " not reached " + conversationId + " seq " + seq + " yet; retry", null))
                            : Future.succeededFuture());
            return caughtUp.compose(v -> shownWithinReach(userId, key, conversationId)).compose(shown -> shown
                    ? Future.succeededFuture()
                    : Future.failedFuture(refused(key, " in " + conversationId)));
        }
        return readModel.mediaConversations(key, maxConversationsChecked).compose(conversations -> {
            List<Future<Boolean>> checks = conversations.stream().map(c -> shownWithinReach(userId, key, c)).toList();
            return Future.all(checks).compose(all -> {
                if (checks.stream().anyMatch(Future::result)) {
                    return Future.succeededFuture();
                }
                return Future.failedFuture(refused(key, conversations.size() >= maxConversationsChecked
                        ? " in the first " + maxConversationsChecked + " conversations that showed it; name yours with"
                                + " ?conversationId=" : ""));
            });
        });
    }

    private Future<Boolean> shownWithinReach(String userId, String key, String conversationId) {
        return reach.of(userId, conversationId, null)
                .compose(range -> readModel.mediaReferenced(key, conversationId, range.from(), range.to()))
                .recover(err -> err instanceof ProtocolException p && p.code() == ErrorCode.NOT_A_MEMBER
                        ? Future.succeededFuture(false) : Future.failedFuture(err));
    }

    private static ProtocolException refused(String key, String where) {
        return new ProtocolException(ErrorCode.NOT_A_MEMBER, key + " is not yours and no conversation of yours showed"
                + " it within your reach" + where, null);
    }
}
