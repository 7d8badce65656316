package org.parley.edge.typing;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/** Who belongs to a conversation now, for signals that are not sequenced (typing). Completes on the caller's context. */
public interface ConversationMembership {
    /** The members, or empty if no such conversation exists. */
    Future<Optional<List<String>>> members(String conversationId);
}
