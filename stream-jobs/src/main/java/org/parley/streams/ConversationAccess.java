package org.parley.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.parley.events.GroupMember;
import org.parley.events.GroupState;
import org.parley.schemas.Conversations;

/**
 * Who may act in one conversation, and what each member may see: a one-to-one conversation's two members come from
 * its id; a group's come from its state in the sequencer's store.
 */
record ConversationAccess(String conversationId, List<String> members, GroupState group) {

    /** @return empty if no such conversation exists */
    static Optional<ConversationAccess> of(String conversationId, GroupState group) {
        if (group != null) {
            // Sorted: the stored map comes back unordered, and recipients and scans must not depend on that.
            return Optional.of(new ConversationAccess(conversationId, new ArrayList<>(new java.util.TreeSet<>(group.getMembers().keySet())), group));
        }
        return Conversations.members(conversationId).map(m -> new ConversationAccess(conversationId, m, null));
    }

    boolean isGroup() {
        return group != null;
    }

    boolean isMember(String userId) {
        return group != null ? group.getMembers().containsKey(userId) : members.contains(userId);
    }

    boolean isAdmin(String userId) {
        GroupMember m = group == null ? null : group.getMembers().get(userId);
        return m != null && m.getAdmin();
    }

    /** The first seq the member may see (or reference): from its start, or from joining unless history is shared. */
    long reachFrom(String userId) {
        if (group == null || group.getInfo().getHistorySharing()) {
            return 1;
        }
        GroupMember m = group.getMembers().get(userId);
        return m == null ? Long.MAX_VALUE : m.getSinceSeq();
    }

    /** The seq from which a member's acknowledgements count: they never receive what came before they joined. */
    long joinedAt(String userId) {
        GroupMember m = group == null ? null : group.getMembers().get(userId);
        return m == null ? 1 : m.getSinceSeq();
    }

    void requireMember(String userId) {
        if (!isMember(userId)) {
            throw new Rejection("NOT_A_MEMBER", userId + " is not a member of " + conversationId);
        }
    }
}
