package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.GroupSnapshot;

/** What the projection writer records for media access and former members, from conversation events alone. */
class MediaAndDepartureProjectionTest {
    private static final String G = "g:book-club";
    private static final String ICON = "media/alice/0b6c3f3e-5f0e-4a4e-9d55-3c2f8f0d7a11";

    private static ConversationEvent event(EventType type, long seq, String icon, List<String> members, List<String> subjects) {
        return ConversationEvent.newBuilder().setEventId(G + "/" + seq).setConversationId(G).setSeq(seq).setType(type)
                .setSenderUserId("alice").setSenderDeviceId("dev-alice").setMemberUserIds(members)
                .setSubjectUserIds(subjects).setSentAt(Instant.ofEpochMilli(seq)).setPayload(ByteBuffer.allocate(0))
                .setGroup(GroupSnapshot.newBuilder().setName("Book club").setDescription("monthly").setIconKey(icon)
                        .setAdminUserIds(List.of("alice")).setOnlyAdminsEditInfo(true).setHistorySharing(false)
                        .setCreatedBy("alice").build())
                .build();
    }

    @Test
    void theIconIsReferencedWhereAnEventShowsItToSomeoneNewOrAnew() {
        List<String> members = List.of("alice", "bob");
        assertThat(MediaReferences.of(event(EventType.GROUP_CREATED, 1, ICON, members, List.of("bob"))))
                .containsExactly(new MediaReferences.Reference(ICON, G, 1));
        assertThat(MediaReferences.of(event(EventType.GROUP_INFO_CHANGED, 4, ICON, members, List.of())))
                .containsExactly(new MediaReferences.Reference(ICON, G, 4));
        // A member added at seq 7 sees the current icon, set long before it joined: referenced at its join.
        assertThat(MediaReferences.of(event(EventType.MEMBERS_ADDED, 7, ICON, List.of("alice", "bob", "dave"),
                List.of("dave")))).containsExactly(new MediaReferences.Reference(ICON, G, 7));
        // Events that show the same icon to the same members add nothing.
        assertThat(MediaReferences.of(event(EventType.MEMBER_REMOVED, 8, ICON, members, List.of("bob")))).isEmpty();
        assertThat(MediaReferences.of(event(EventType.ADMIN_PROMOTED, 9, ICON, members, List.of("bob")))).isEmpty();
        // No icon, no reference.
        assertThat(MediaReferences.of(event(EventType.GROUP_CREATED, 1, null, members, List.of("bob")))).isEmpty();
    }

    @Test
    void aMessageReferencesItsAttachmentObjectAndNothingInItsPayload() {
        ConversationEvent message = ConversationEvent.newBuilder().setEventId("dm:alice:bob/1").setConversationId("dm:alice:bob")
                .setSeq(1).setType(EventType.MESSAGE).setSenderUserId("alice").setSenderDeviceId("d")
                .setMemberUserIds(List.of("alice", "bob")).setSentAt(Instant.EPOCH).setMediaType("image/png")
                .setPayload(ByteBuffer.wrap(ICON.getBytes())).build();
        // The payload is opaque: a key in it is not a reference.
        assertThat(MediaReferences.of(message)).isEmpty();
        String object = "media/alice/0b0e3c1a-7c43-4d0e-9a43-6f5d7c1f4a21";
        ConversationEvent withAttachment = ConversationEvent.newBuilder().setEventId("dm:alice:bob/2")
                .setConversationId("dm:alice:bob").setSeq(2).setType(EventType.MESSAGE).setSenderUserId("alice")
                .setSenderDeviceId("d").setMemberUserIds(List.of("alice", "bob")).setSentAt(Instant.EPOCH)
                .setMediaType("image/png").setPayload(ByteBuffer.allocate(0)).setMediaObjectId(object).build();
        assertThat(MediaReferences.of(withAttachment))
                .containsExactly(new MediaReferences.Reference(object, "dm:alice:bob", 2));
    }

    @Test
    void aMessageDeletedForEveryoneRevokesItsAttachmentReferenceOnly() {
        String object = "media/alice/0b0e3c1a-7c43-4d0e-9a43-6f5d7c1f4a21";
        ConversationEvent deleted = ConversationEvent.newBuilder().setEventId("dm:alice:bob/9")
                .setConversationId("dm:alice:bob").setSeq(9).setType(EventType.MESSAGE_DELETED).setTargetSeq(2L)
                .setSenderUserId("alice").setSenderDeviceId("d").setMemberUserIds(List.of("alice", "bob"))
                .setSentAt(Instant.EPOCH).setPayload(ByteBuffer.allocate(0)).setMediaObjectId(object).build();
        assertThat(MediaReferences.revokedBy(deleted))
                .containsExactly(new MediaReferences.Revocation(object, "dm:alice:bob", 2, 9));
        // A delete grants nothing, and a deleted message without an attachment revokes nothing.
        assertThat(MediaReferences.of(deleted)).isEmpty();
        ConversationEvent plain = ConversationEvent.newBuilder().setEventId("dm:alice:bob/10")
                .setConversationId("dm:alice:bob").setSeq(10).setType(EventType.MESSAGE_DELETED).setTargetSeq(3L)
                .setSenderUserId("alice").setSenderDeviceId("d").setMemberUserIds(List.of("alice", "bob"))
                .setSentAt(Instant.EPOCH).setPayload(ByteBuffer.allocate(0)).build();
        assertThat(MediaReferences.revokedBy(plain)).isEmpty();
    }

    @Test
    void aRemovedMemberKeepsTheGroupAsItWasRightAfterItsRemoval() {
        ConversationEvent removed = event(EventType.MEMBER_REMOVED, 8, ICON, List.of("alice", "bob", "carol"), List.of("carol"));
        assertThat(GroupDepartures.of(removed)).singleElement().satisfies(d -> {
            assertThat(d.userId()).isEqualTo("carol");
            assertThat(d.leftSeq()).isEqualTo(8);
            assertThat(d.group().name()).isEqualTo("Book club");
            assertThat(d.group().iconKey()).isEqualTo(ICON);
            assertThat(d.adminUserIds()).containsExactly("alice");
            assertThat(d.memberUserIds()).containsExactly("alice", "bob");
        });
        ConversationEvent left = event(EventType.MEMBER_LEFT, 9, ICON, List.of("alice", "bob"), List.of("bob"));
        assertThat(GroupDepartures.of(left)).extracting(GroupDepartures.Departure::userId).containsExactly("bob");
        assertThat(GroupDepartures.of(event(EventType.MEMBERS_ADDED, 7, ICON, List.of("alice", "bob"), List.of("bob"))))
                .isEmpty();
    }
}
