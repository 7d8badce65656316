package org.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationsTest {
    @Test
    void directIdIsTheSameFromBothSides() {
        assertThat(Conversations.direct("bob", "alice")).isEqualTo("dm:alice:bob");
        assertThat(Conversations.direct("alice", "bob")).isEqualTo("dm:alice:bob");
    }

    @Test
    void membersOfADirectConversation() {
        assertThat(Conversations.members("dm:alice:bob")).contains(List.of("alice", "bob"));
        assertThat(Conversations.members("dm:alice:alice")).contains(List.of("alice"));
    }

    @Test
    void malformedIdsHaveNoMembers() {
        assertThat(Conversations.members("dm:bob:alice")).isEmpty();
        assertThat(Conversations.members("dm:a")).isEmpty();
        assertThat(Conversations.members("group:x")).isEmpty();
        assertThat(Conversations.members("dm:a b:c")).isEmpty();
        assertThat(Conversations.members(null)).isEmpty();
    }
}
