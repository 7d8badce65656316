package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionType;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.GroupInfoChange;

class MessageOperationsTest {
    private static final String DM = "dm:alice:bob";
    private static final String G = "g:work-chat";
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
    void aReplyQuotesAnExistingMessage() {
        long first = f.accepted(f.message(DM, "alice", "lunch?"));
        f.accepted(f.message(DM, "bob", "yes").setReplyToSeq(first));
        assertThat(lastEvent().getReplyToSeq()).isEqualTo(first);
        assertThat(f.refused(f.message(DM, "bob", "to nothing").setReplyToSeq(99L))).isEqualTo("TARGET_UNKNOWN");
    }

    @Test
    void forwardedMessagesCarryTheirCountAndAreFlaggedPastFourHops() {
        f.accepted(f.message(DM, "alice", "fwd").setForwardCount(4));
        ConversationEvent four = lastEvent();
        assertThat(four.getForwardCount()).isEqualTo(4);
        assertThat(four.getForwardedManyTimes()).isFalse();
        f.accepted(f.message(DM, "alice", "fwd").setForwardCount(5));
        assertThat(lastEvent().getForwardedManyTimes()).isTrue();
    }

    @Test
    void aMessageCarriesItsAttachmentObjectAndNoOtherEventDoes() {
        String object = "media/alice/0b0e3c1a-7c43-4d0e-9a43-6f5d7c1f4a21";
        long m = f.accepted(f.message(DM, "alice", "photo").setMediaType("image/jpeg").setMediaObjectId(object));
        ConversationEvent sent = lastEvent();
        assertThat(sent.getMediaObjectId()).isEqualTo(object);
        assertThat(sent.getMediaType()).isEqualTo("image/jpeg");
        f.accepted(f.onTarget(ActionType.REACT, DM, "bob", m).setReaction("👍").setMediaObjectId(object));
        assertThat(lastEvent().getMediaObjectId()).isNull();
        f.accepted(f.message(DM, "bob", "text"));
        assertThat(lastEvent().getMediaObjectId()).isNull();
        // Deleted for everyone: the delete names the object, so that the projection stops granting it.
        f.accepted(f.onTarget(ActionType.DELETE_FOR_EVERYONE, DM, "alice", m));
        ConversationEvent deleted = lastEvent();
        assertThat(deleted.getType()).isEqualTo(EventType.MESSAGE_DELETED);
        assertThat(deleted.getMediaObjectId()).isEqualTo(object);
    }

    @Test
    void aReactionTargetsAMessageAndAnEmptyOneRemovesIt() {
        long m = f.accepted(f.message(DM, "alice", "hi"));
        f.accepted(f.onTarget(ActionType.REACT, DM, "bob", m).setReaction("👍"));
        ConversationEvent r = lastEvent();
        assertThat(r.getType()).isEqualTo(EventType.REACTION);
        assertThat(r.getTargetSeq()).isEqualTo(m);
        assertThat(r.getReaction()).isEqualTo("👍");
        f.accepted(f.onTarget(ActionType.REACT, DM, "bob", m).setReaction(""));
        assertThat(lastEvent().getReaction()).isEmpty();
        assertThat(f.refused(f.onTarget(ActionType.REACT, DM, "bob", 42).setReaction("👍"))).isEqualTo("TARGET_UNKNOWN");
        // A reaction is not a message: reacting to it is refused.
        assertThat(f.refused(f.onTarget(ActionType.REACT, DM, "alice", m + 1).setReaction("👍"))).isEqualTo("TARGET_UNKNOWN");
    }

    @Test
    void onlyTheSenderEditsAndOnlyWithinTheWindow() {
        long m = f.accepted(f.message(DM, "alice", "helo"));
        assertThat(f.refused(f.onTarget(ActionType.EDIT_MESSAGE, DM, "bob", m))).isEqualTo("NOT_THE_SENDER");
        f.accepted(f.onTarget(ActionType.EDIT_MESSAGE, DM, "alice", m).setPayload(ByteBuffer.wrap("hello".getBytes())));
        ConversationEvent edit = lastEvent();
        assertThat(edit.getType()).isEqualTo(EventType.MESSAGE_EDITED);
        assertThat(edit.getTargetSeq()).isEqualTo(m);
        assertThat(edit.getPayload()).isEqualTo(ByteBuffer.wrap("hello".getBytes()));
        f.advance(Duration.ofMinutes(15));
        assertThat(f.refused(f.onTarget(ActionType.EDIT_MESSAGE, DM, "alice", m))).isEqualTo("WINDOW_PASSED");
    }

    @Test
    void deleteForEveryoneIsForTheSenderOrAGroupAdminWithinTheWindow() {
        f.accepted(f.createGroup(G, "alice", "Work", "bob", "carol"));
        long bobs = f.accepted(f.message(G, "bob", "oops"));
        long carols = f.accepted(f.message(G, "carol", "mine"));
        assertThat(f.refused(f.onTarget(ActionType.DELETE_FOR_EVERYONE, G, "bob", carols))).isEqualTo("NOT_AN_ADMIN");
        f.accepted(f.onTarget(ActionType.DELETE_FOR_EVERYONE, G, "bob", bobs));
        ConversationEvent deleted = lastEvent();
        assertThat(deleted.getType()).isEqualTo(EventType.MESSAGE_DELETED);
        assertThat(deleted.getMemberUserIds()).containsExactly("alice", "bob", "carol");
        assertThat(deleted.getPayload().remaining()).isZero();
        // A deleted message cannot be deleted again, edited or reacted to.
        assertThat(f.refused(f.onTarget(ActionType.EDIT_MESSAGE, G, "bob", bobs))).isEqualTo("TARGET_UNKNOWN");
        assertThat(f.refused(f.onTarget(ActionType.REACT, G, "alice", bobs).setReaction("x"))).isEqualTo("TARGET_UNKNOWN");
        f.accepted(f.onTarget(ActionType.DELETE_FOR_EVERYONE, G, "alice", carols)); // the admin may
        long late = f.accepted(f.message(G, "carol", "late"));
        f.advance(Duration.ofHours(48));
        assertThat(f.refused(f.onTarget(ActionType.DELETE_FOR_EVERYONE, G, "carol", late))).isEqualTo("WINDOW_PASSED");
    }

    @Test
    void deleteForMeIsPrivateToTheUsersDevices() {
        long m = f.accepted(f.message(DM, "alice", "hi"));
        f.accepted(f.onTarget(ActionType.DELETE_FOR_ME, DM, "bob", m));
        ConversationEvent hidden = lastEvent();
        assertThat(hidden.getType()).isEqualTo(EventType.HIDDEN_FOR_ME);
        assertThat(hidden.getPrivateToUserId()).isEqualTo("bob");
        assertThat(hidden.getMemberUserIds()).containsExactly("bob");
        assertThat(hidden.getTargetSeq()).isEqualTo(m);
    }

    @Test
    void muteIsPrivateAndValidated() {
        f.accepted(f.action(ActionType.SET_MUTE, DM, "alice").setMuteUntil(Long.MAX_VALUE));
        ConversationEvent muted = lastEvent();
        assertThat(muted.getType()).isEqualTo(EventType.MUTE_CHANGED);
        assertThat(muted.getMemberUserIds()).containsExactly("alice");
        assertThat(muted.getMuteUntil()).isEqualTo(Long.MAX_VALUE);
        assertThat(f.refused(f.action(ActionType.SET_MUTE, DM, "alice"))).isEqualTo("INVALID_FIELD");
        assertThat(f.refused(f.action(ActionType.SET_MUTE, DM, "mallory").setMuteUntil(0L))).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void aReRegistrationIsAnnouncedToEveryMemberButOnlyByAMember() {
        f.accepted(f.message(DM, "bob", "hi"));
        long seq = f.accepted(f.action(ActionType.ANNOUNCE_IDENTITY, DM, "alice"));
        ConversationEvent changed = lastEvent();
        assertThat(changed.getType()).isEqualTo(EventType.IDENTITY_CHANGED);
        assertThat(changed.getSeq()).isEqualTo(seq);
        assertThat(changed.getSenderUserId()).isEqualTo("alice");
        assertThat(changed.getPrivateToUserId()).isNull();
        assertThat(changed.getMemberUserIds()).containsExactlyInAnyOrder("alice", "bob");
        f.accepted(f.createGroup(G, "alice", "Work", "bob"));
        f.accepted(f.action(ActionType.ANNOUNCE_IDENTITY, G, "bob"));
        assertThat(lastEvent().getMemberUserIds()).containsExactlyInAnyOrder("alice", "bob");
        assertThat(f.refused(f.action(ActionType.ANNOUNCE_IDENTITY, G, "mallory"))).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void aDeviceListChangeIsAnnouncedToEveryMemberWithTheDeviceAndNoContent() {
        f.accepted(f.message(DM, "bob", "hi"));
        long linked = f.accepted(f.action(ActionType.ANNOUNCE_DEVICE_LINKED, DM, "alice").setSenderDeviceId("dev-2")
                .setClientMessageId("device-linked:dev-2"));
        ConversationEvent event = lastEvent();
        assertThat(event.getType()).isEqualTo(EventType.DEVICE_LINKED);
        assertThat(event.getSeq()).isEqualTo(linked);
        assertThat(event.getSenderUserId()).isEqualTo("alice");
        assertThat(event.getSenderDeviceId()).isEqualTo("dev-2");
        assertThat(event.getPrivateToUserId()).isNull();
        assertThat(event.getMemberUserIds()).containsExactlyInAnyOrder("alice", "bob");
        assertThat(event.getPayload().remaining()).isZero();
        assertThat(event.getEncrypted()).isFalse();

        long unlinked = f.accepted(f.action(ActionType.ANNOUNCE_DEVICE_UNLINKED, DM, "alice").setSenderDeviceId("dev-2")
                .setClientMessageId("device-unlinked:dev-2"));
        assertThat(unlinked).isEqualTo(linked + 1);
        ConversationEvent gone = lastEvent();
        assertThat(gone.getType()).isEqualTo(EventType.DEVICE_UNLINKED);
        assertThat(gone.getSenderDeviceId()).isEqualTo("dev-2");
        assertThat(gone.getMemberUserIds()).containsExactlyInAnyOrder("alice", "bob");
        // An announcement retried with the same id is the same event, and only a member's device list is announced.
        assertThat(f.accepted(f.action(ActionType.ANNOUNCE_DEVICE_LINKED, DM, "alice").setSenderDeviceId("dev-2")
                .setClientMessageId("device-linked:dev-2"))).isEqualTo(linked);
        assertThat(f.refused(f.action(ActionType.ANNOUNCE_DEVICE_LINKED, DM, "mallory"))).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void membersAddedLaterCannotReachEarlierMessagesUnlessHistoryIsShared() {
        f.accepted(f.createGroup(G, "alice", "Work", "bob"));
        long early = f.accepted(f.message(G, "alice", "before dave"));
        f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "alice", "dave"));
        assertThat(f.refused(f.onTarget(ActionType.REACT, G, "dave", early).setReaction("👀"))).isEqualTo("TARGET_UNKNOWN");
        f.accepted(f.action(ActionType.UPDATE_GROUP_INFO, G, "alice")
                .setGroupInfo(GroupInfoChange.newBuilder().setHistorySharing(true).build()));
        f.accepted(f.onTarget(ActionType.REACT, G, "dave", early).setReaction("👀"));
    }

    @Test
    void operationsWithoutATargetAreRefused() {
        f.accepted(f.message(DM, "alice", "hi"));
        assertThat(f.refused(f.action(ActionType.EDIT_MESSAGE, DM, "alice"))).isEqualTo("MISSING_FIELD");
        assertThat(f.refused(f.action(ActionType.UNKNOWN, DM, "alice"))).isEqualTo("UNKNOWN_ACTION");
    }
}
