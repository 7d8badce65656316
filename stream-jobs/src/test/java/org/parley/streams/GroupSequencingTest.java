package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionType;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.GroupInfoChange;

class GroupSequencingTest {
    private static final String G = "g:family-chat";
    private final SequencerFixture f = new SequencerFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private ConversationEvent lastEvent() {
        List<ConversationEvent> all = f.events.readValuesToList();
        return all.get(all.size() - 1);
    }

    @Test
    void createdGroupHasItsCreatorAsAdminAndTellsEveryMember() {
        assertThat(f.accepted(f.createGroup(G, "alice", "Family", "bob", "carol")
                .setGroupInfo(GroupInfoChange.newBuilder().setName("Family").setDescription("us").setIconKey("icons/g1.png").build())))
                .isEqualTo(1L);
        ConversationEvent e = lastEvent();
        assertThat(e.getType()).isEqualTo(EventType.GROUP_CREATED);
        assertThat(e.getMemberUserIds()).containsExactly("alice", "bob", "carol");
        assertThat(e.getSubjectUserIds()).containsExactly("bob", "carol");
        assertThat(e.getGroup().getAdminUserIds()).containsExactly("alice");
        assertThat(e.getGroup().getIconKey()).isEqualTo("icons/g1.png");
        assertThat(e.getSystemText()).isEqualTo("alice created group 'Family'");
    }

    @Test
    void aGroupIdIsCreatedOnceAndNeedsAName() {
        f.accepted(f.createGroup(G, "alice", "Family", "bob"));
        assertThat(f.refused(f.createGroup(G, "bob", "Mine"))).isEqualTo("CONVERSATION_EXISTS");
        assertThat(f.refused(f.createGroup("g:another-group", "bob", " "))).isEqualTo("MISSING_FIELD");
        assertThat(f.refused(f.createGroup("dm:alice:bob", "alice", "Nope"))).isEqualTo("INVALID_FIELD");
    }

    @Test
    void membershipChangesAreOrderedWithMessages() {
        f.accepted(f.createGroup(G, "alice", "Family", "bob"));
        f.accepted(f.message(G, "alice", "before carol"));                                     // 2
        f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "alice", "carol"));                   // 3
        f.accepted(f.message(G, "bob", "with carol"));                                         // 4
        f.accepted(f.subjects(ActionType.REMOVE_MEMBER, G, "alice", "bob"));                   // 5
        f.accepted(f.message(G, "carol", "without bob"));                                      // 6

        List<ConversationEvent> e = f.events.readValuesToList();
        assertThat(e).extracting(ConversationEvent::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(e.get(1).getMemberUserIds()).containsExactly("alice", "bob");               // carol: nothing before 3
        assertThat(e.get(2).getMemberUserIds()).containsExactly("alice", "bob", "carol");
        assertThat(e.get(2).getSystemText()).isEqualTo("alice added carol");
        assertThat(e.get(4).getType()).isEqualTo(EventType.MEMBER_REMOVED);
        assertThat(e.get(4).getMemberUserIds()).contains("bob");                                // bob learns of it at 5
        assertThat(e.get(5).getMemberUserIds()).containsExactly("alice", "carol");             // and gets nothing after
        assertThat(f.refused(f.message(G, "bob", "let me in"))).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void onlyAdminsAddRemovePromoteAndDemote() {
        f.accepted(f.createGroup(G, "alice", "Family", "bob", "carol"));
        assertThat(f.refused(f.subjects(ActionType.ADD_MEMBERS, G, "bob", "dave"))).isEqualTo("NOT_AN_ADMIN");
        assertThat(f.refused(f.subjects(ActionType.REMOVE_MEMBER, G, "bob", "carol"))).isEqualTo("NOT_AN_ADMIN");
        assertThat(f.refused(f.subjects(ActionType.PROMOTE_ADMIN, G, "bob", "bob"))).isEqualTo("NOT_AN_ADMIN");
        assertThat(f.refused(f.subjects(ActionType.ADD_MEMBERS, G, "mallory", "dave"))).isEqualTo("NOT_A_MEMBER");

        f.accepted(f.subjects(ActionType.PROMOTE_ADMIN, G, "alice", "bob"));
        assertThat(lastEvent().getGroup().getAdminUserIds()).containsExactlyInAnyOrder("alice", "bob");
        f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "bob", "dave"));
        f.accepted(f.subjects(ActionType.DEMOTE_ADMIN, G, "bob", "alice"));
        ConversationEvent demoted = lastEvent();
        assertThat(demoted.getType()).isEqualTo(EventType.ADMIN_DEMOTED);
        assertThat(demoted.getGroup().getAdminUserIds()).containsExactly("bob");
        assertThat(f.refused(f.subjects(ActionType.DEMOTE_ADMIN, G, "bob", "bob"))).isEqualTo("LAST_ADMIN");
        assertThat(f.refused(f.subjects(ActionType.REMOVE_MEMBER, G, "bob", "zed"))).isEqualTo("TARGET_UNKNOWN");
        assertThat(f.refused(f.subjects(ActionType.ADD_MEMBERS, G, "bob", "carol"))).isEqualTo("ALREADY_A_MEMBER");
    }

    @Test
    void infoIsEditedByAdminsOnlyUnlessTheGroupAllowsEveryone() {
        f.accepted(f.createGroup(G, "alice", "Family", "bob"));
        ActionType edit = ActionType.UPDATE_GROUP_INFO;
        assertThat(f.refused(f.action(edit, G, "bob").setGroupInfo(GroupInfoChange.newBuilder().setName("Bob's").build())))
                .isEqualTo("NOT_AN_ADMIN");
        f.accepted(f.action(edit, G, "alice").setGroupInfo(GroupInfoChange.newBuilder().setOnlyAdminsEditInfo(false).build()));
        f.accepted(f.action(edit, G, "bob").setGroupInfo(GroupInfoChange.newBuilder().setName("Bob's").build()));
        ConversationEvent e = lastEvent();
        assertThat(e.getType()).isEqualTo(EventType.GROUP_INFO_CHANGED);
        assertThat(e.getGroup().getName()).isEqualTo("Bob's");
        assertThat(e.getSystemText()).isEqualTo("bob changed the name to 'Bob's'");
        // Settings stay with admins even when everyone may edit the info.
        assertThat(f.refused(f.action(edit, G, "bob").setGroupInfo(GroupInfoChange.newBuilder().setHistorySharing(true).build())))
                .isEqualTo("NOT_AN_ADMIN");
    }

    @Test
    void theGroupIsFullAtItsConfiguredMaximum() {
        try (SequencerFixture small = new SequencerFixture(new SequencerRules(3, Duration.ofMinutes(15),
                Duration.ofHours(48), 4, Duration.ofDays(7), Duration.ofDays(90)))) {
            assertThat(small.refused(small.createGroup(G, "alice", "Big", "b", "c", "d"))).isEqualTo("GROUP_FULL");
            small.accepted(small.createGroup(G, "alice", "Small", "b", "c"));
            assertThat(small.refused(small.subjects(ActionType.ADD_MEMBERS, G, "alice", "d"))).isEqualTo("GROUP_FULL");
        }
    }

    @Test
    void defaultMaximumIs1024Members() {
        List<String> members = new ArrayList<>(IntStream.range(1, 1024).mapToObj(i -> "u" + i).toList());
        f.accepted(f.createGroup(G, "alice", "Everyone", members.toArray(String[]::new)));
        assertThat(lastEvent().getMemberUserIds()).hasSize(1024);
        assertThat(f.refused(f.subjects(ActionType.ADD_MEMBERS, G, "alice", "one-too-many"))).isEqualTo("GROUP_FULL");
    }

    @Test
    void theLastAdminLeavingHandsOverToTheLongestStandingMember() {
        f.accepted(f.createGroup(G, "alice", "Family", "bob"));
        f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "alice", "carol"));
        f.accepted(f.action(ActionType.LEAVE_GROUP, G, "alice"));
        ConversationEvent left = lastEvent();
        assertThat(left.getType()).isEqualTo(EventType.MEMBER_LEFT);
        assertThat(left.getMemberUserIds()).contains("alice");
        assertThat(left.getGroup().getAdminUserIds()).containsExactly("bob");
        assertThat(left.getSystemText()).isEqualTo("alice left; bob is now an admin");
        assertThat(f.refused(f.message(G, "alice", "hello?"))).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void groupActionsOnAOneToOneChatOrAMissingGroupAreRefused() {
        assertThat(f.refused(f.subjects(ActionType.ADD_MEMBERS, "dm:alice:bob", "alice", "carol"))).isEqualTo("NOT_A_GROUP");
        assertThat(f.refused(f.subjects(ActionType.ADD_MEMBERS, "g:never-created", "alice", "carol")))
                .isEqualTo("UNKNOWN_CONVERSATION");
        assertThat(f.refused(f.message("g:never-created", "alice", "hi"))).isEqualTo("UNKNOWN_CONVERSATION");
    }

    @Test
    void aRetriedGroupActionIsNotAppliedTwice() {
        f.accepted(f.createGroup(G, "alice", "Family", "bob"));
        var add = f.subjects(ActionType.ADD_MEMBERS, G, "alice", "carol").setClientMessageId("add-carol");
        f.accepted(add);
        var retry = f.subjects(ActionType.ADD_MEMBERS, G, "alice", "carol").setClientMessageId("add-carol");
        assertThat(f.pipe(retry).getDuplicate()).isTrue();
        assertThat(f.events.readValuesToList()).hasSize(2);
    }

    /** The sequencer keeps decoded groups in a bounded cache: evicted or not, it must act on the stored membership. */
    @Test
    void membershipIsCurrentWhetherTheGroupIsCachedOrEvicted() {
        f.accepted(f.createGroup(G, "alice", "Cached", "bob", "carol"));
        f.accepted(f.message(G, "bob", "in the cache"));
        f.accepted(f.subjects(ActionType.REMOVE_MEMBER, G, "alice", "bob"));
        assertThat(f.refused(f.message(G, "bob", "removed while cached"))).isEqualTo("NOT_A_MEMBER");
        for (int i = 0; i <= ConversationSequencer.GROUP_CACHE_SIZE; i++) { // evicts G
            f.accepted(f.createGroup("g:filler-group-" + i, "dave", "Filler " + i, "erin"));
        }
        assertThat(f.refused(f.message(G, "bob", "removed, evicted"))).isEqualTo("NOT_A_MEMBER");
        f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "alice", "bob"));
        f.accepted(f.message(G, "bob", "back"));
        f.accepted(f.message(G, "carol", "still here"));
    }
}
