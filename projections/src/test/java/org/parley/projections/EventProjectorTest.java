package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;
import org.parley.events.GroupSnapshot;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.projections.cql.RecordingSession;

/**
 * The conversation-event writers behind {@link EventProjector} ({@link ConversationHistory}, {@link GroupDirectory},
 * {@link UserConversations}, {@link GroupDepartures}, {@link MediaReferences}, {@link MessageEnvelopes}): the CQL each
 * event becomes, and the rows a conversation's events leave in a model of CQL's write-timestamp rules, the same
 * however often and in whatever order the events are written again (a replay, a retried batch).
 */
class EventProjectorTest {
    static {
        org.parley.serde.TrustedEventClasses.install();
    }

    private static final String DM = "dm:alice:bob";
    private static final String G = "g:replayclub";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static ConversationEvent.Builder event(String conversation, long seq, EventType type, String sender) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(type).setSenderUserId(sender).setSenderDeviceId(sender + "-phone")
                .setClientMessageId("c" + seq).setMemberUserIds(DM.equals(conversation) ? List.of("alice", "bob")
                        : List.of("alice", "bob", "carol", "dave"))
                .setSentAt(T0.plusSeconds(seq)).setPayload(ByteBuffer.allocate(0));
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static GroupSnapshot group(String name, List<String> admins) {
        return GroupSnapshot.newBuilder().setName(name).setDescription("weekly").setIconKey("media/alice/icon")
                .setCreatedBy("alice").setAdminUserIds(admins).setOnlyAdminsEditInfo(true).setHistorySharing(false).build();
    }

    /** A one-to-one chat and a group, with every kind of event the projector handles. */
    static List<ConversationEvent> conversation() {
        List<ConversationEvent> events = new ArrayList<>();
        events.add(event(DM, 1, EventType.MESSAGE, "alice").setPayload(text("helo")).build());
        events.add(event(DM, 2, EventType.MESSAGE, "bob").setPayload(text("hi")).setReplyToSeq(1L)
                .setMediaType("image/png").build());
        events.add(event(DM, 3, EventType.REACTION, "bob").setTargetSeq(1L).setReaction("👍").build());
        events.add(event(DM, 4, EventType.REACTION, "bob").setTargetSeq(1L).setReaction("❤️").build());
        events.add(event(DM, 5, EventType.REACTION, "alice").setTargetSeq(2L).setReaction("😮").build());
        events.add(event(DM, 6, EventType.REACTION, "alice").setTargetSeq(2L).setReaction("").build());
        events.add(event(DM, 7, EventType.MESSAGE_EDITED, "alice").setTargetSeq(1L).setPayload(text("hello")).build());
        events.add(event(DM, 8, EventType.MESSAGE_EDITED, "alice").setTargetSeq(1L).setPayload(text("hello!")).build());
        events.add(event(DM, 9, EventType.MESSAGE, "alice").setPayload(text("oops")).build());
        events.add(event(DM, 10, EventType.MESSAGE_DELETED, "alice").setTargetSeq(9L).build());
        events.add(event(DM, 11, EventType.HIDDEN_FOR_ME, "bob").setPrivateToUserId("bob").setTargetSeq(2L).build());
        events.add(event(DM, 12, EventType.MUTE_CHANGED, "bob").setPrivateToUserId("bob").setMuteUntil(Long.MAX_VALUE).build());
        events.add(event(DM, 13, EventType.MESSAGE, "alice").setEncrypted(true).setEnvelopes(List.of(
                DeviceEnvelope.newBuilder().setDeviceId("bob-phone").setType(EnvelopeType.PREKEY).setBody(text("sealed")).build()))
                .build());

        List<String> three = List.of("alice", "bob", "carol");
        events.add(event(G, 1, EventType.GROUP_CREATED, "alice").setMemberUserIds(three).setSubjectUserIds(List.of("bob", "carol"))
                .setGroup(group("Replay club", List.of("alice"))).setSystemText("alice created group 'Replay club'").build());
        events.add(event(G, 2, EventType.MESSAGE, "alice").setMemberUserIds(three).setPayload(text("hello group")).build());
        List<String> four = List.of("alice", "bob", "carol", "dave");
        events.add(event(G, 3, EventType.MEMBERS_ADDED, "alice").setMemberUserIds(four).setSubjectUserIds(List.of("dave"))
                .setGroup(group("Replay club", List.of("alice"))).build());
        events.add(event(G, 4, EventType.MEMBER_REMOVED, "alice").setMemberUserIds(four).setSubjectUserIds(List.of("carol"))
                .setGroup(group("Replay club", List.of("alice"))).build());
        List<String> after = List.of("alice", "bob", "dave");
        events.add(event(G, 5, EventType.ADMIN_PROMOTED, "alice").setMemberUserIds(after).setSubjectUserIds(List.of("bob"))
                .setGroup(group("Replay club", List.of("alice", "bob"))).build());
        events.add(event(G, 6, EventType.GROUP_INFO_CHANGED, "bob").setMemberUserIds(after)
                .setGroup(group("Replayers", List.of("alice", "bob"))).build());
        events.add(event(G, 7, EventType.MEMBER_LEFT, "alice").setMemberUserIds(after).setSubjectUserIds(List.of("alice"))
                .setGroup(group("Replayers", List.of("bob"))).build());
        events.add(event(G, 8, EventType.MEMBERS_ADDED, "bob").setMemberUserIds(List.of("bob", "dave", "carol"))
                .setSubjectUserIds(List.of("carol"))
                .setGroup(group("Replayers", List.of("bob"))).build());
        return events;
    }

    static final List<Receipt> READS = List.of(
            Receipt.newBuilder().setConversationId(DM).setSeq(13).setStatus(ReceiptStatus.READ).setByUserId("bob")
                    .setByDeviceId("bob-phone").setToUserId("bob").setAt(T0).build(),
            // A receipt to another user is the sender's status, not a read state: no row.
            Receipt.newBuilder().setConversationId(DM).setSeq(13).setStatus(ReceiptStatus.READ).setByUserId("bob")
                    .setByDeviceId("bob-phone").setToUserId("alice").setAt(T0).build());

    private static EventProjector projector(RecordingSession cql) {
        ConversationHistory history = new ConversationHistory(cql.session());
        return new EventProjector(history, new GroupDirectory(cql.session()), new UserConversations(cql.session()),
                new GroupDepartures(cql.session()), new MediaReferences(cql.session()), new MessageEnvelopes(cql.session()));
    }

    private static void project(EventProjector p, List<ConversationEvent> events) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        events.forEach(e -> writes.addAll(p.project(e)));
        READS.forEach(r -> writes.addAll(p.project(r)));
        CompletableFuture.allOf(writes.stream().map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new)).join();
    }

    private static RecordingSession projected(List<ConversationEvent> events) {
        RecordingSession cql = new RecordingSession();
        project(projector(cql), events);
        return cql;
    }

    @Test
    void aMessageIsOneHistoryRowAtItsSeqAndTheFirstEventOfAChatMakesBothUsersMembers() {
        ConversationEvent first = conversation().get(0);
        RecordingSession cql = new RecordingSession();
        projector(cql).project(first);
        assertThat(cql.executed()).extracting(RecordingSession.Executed::toString).containsExactlyInAnyOrder(
                "UPDATE user_conversations USING TIMESTAMP ? SET since_seq = ?, left_seq = null WHERE user_id = ? AND"
                        + " conversation_id = ? [1, 1, alice, dm:alice:bob]",
                "UPDATE user_conversations USING TIMESTAMP ? SET since_seq = ?, left_seq = null WHERE user_id = ? AND"
                        + " conversation_id = ? [1, 1, bob, dm:alice:bob]",
                "INSERT INTO messages (conversation_id, bucket, seq, event_id, type, sender_user_id, sender_device_id,"
                        + " client_message_id, sent_at, media_type, payload, target_seq, reply_to_seq, forward_count,"
                        + " forwarded_many_times, reaction, subject_user_ids, system_text)"
                        + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) USING TIMESTAMP ? [dm:alice:bob, 0, 1,"
                        + " dm:alice:bob/1, MESSAGE, alice, alice-phone, c1, 2026-12-01T10:00:01Z, null, 0x68656c6f,"
                        + " null, null, 0, false, null, [], null, 1]");
    }

    @Test
    void eachEventWritesItsTargetsCellsAtItsOwnSeq() {
        RecordingSession cql = projected(conversation());
        Map<String, Map<String, Object>> messages = cql.model().table("messages");
        // The message edited twice: the later edit's text; reactions: bob's latest, alice's removed.
        assertThat(messages.get("[dm:alice:bob, 0, 1]")).containsEntry("payload", "0x68656c6c6f21")
                .containsEntry("edited_seq", 8L).containsEntry("edited_at", T0.plusSeconds(8));
        assertThat(cql.model().table("reactions")).containsOnlyKeys("[dm:alice:bob, 0, 1, bob]")
                .hasEntrySatisfying("[dm:alice:bob, 0, 1, bob]", r -> assertThat(r).containsEntry("reaction", "❤️")
                        .containsEntry("seq", 4L));
        // Deleted for everyone: a tombstone row without content; hidden for bob: his row only, not history.
        assertThat(messages.get("[dm:alice:bob, 0, 9]")).containsEntry("deleted", true).containsEntry("payload", "0x")
                .doesNotContainKey("media_type");
        assertThat(messages).doesNotContainKeys("[dm:alice:bob, 0, 11]", "[dm:alice:bob, 0, 12]");
        assertThat(cql.model().table("hidden_messages")).containsOnlyKeys("[bob, dm:alice:bob, 2]");
        assertThat(cql.model().table("user_conversations").get("[bob, dm:alice:bob]"))
                .containsEntry("muted_until", Long.MAX_VALUE).containsEntry("read_seq", 13L).containsEntry("since_seq", 1L);
        assertThat(cql.model().table("user_conversations").get("[alice, dm:alice:bob]")).doesNotContainKey("read_seq");
        // The encrypted message: its marker and bob's envelope.
        assertThat(cql.model().table("message_envelopes")).containsOnlyKeys("[dm:alice:bob, 0, *, 13]",
                "[dm:alice:bob, 0, bob-phone, 13]");
    }

    @Test
    void groupMembershipFollowsAddsRemovalsPromotionsAndDepartures() {
        RecordingSession cql = projected(conversation());
        assertThat(cql.model().table("groups").get("[g:replayclub]")).containsEntry("name", "Replayers");
        // alice left at 7, carol was removed at 4 and added again at 8, dave joined at 3, bob is the admin now.
        Map<String, Map<String, Object>> members = cql.model().table("conversation_members");
        assertThat(members).containsOnlyKeys("[g:replayclub, bob]", "[g:replayclub, carol]", "[g:replayclub, dave]");
        assertThat(members.get("[g:replayclub, bob]")).containsEntry("admin", true).containsEntry("since_seq", 1L);
        assertThat(members.get("[g:replayclub, carol]")).containsEntry("admin", false).containsEntry("since_seq", 8L);
        Map<String, Map<String, Object>> users = cql.model().table("user_conversations");
        assertThat(users.get("[alice, g:replayclub]")).containsEntry("left_seq", 7L);
        assertThat(users.get("[carol, g:replayclub]")).containsEntry("since_seq", 8L).doesNotContainKey("left_seq");
        assertThat(users.get("[dave, g:replayclub]")).containsEntry("since_seq", 3L);
        // What the former members saw last, and the icon's references (created, info change, each add).
        assertThat(cql.model().table("group_departures").get("[alice, g:replayclub]"))
                .containsEntry("left_seq", 7L).containsEntry("member_user_ids", List.of("bob", "dave"));
        assertThat(cql.model().table("group_departures").get("[carol, g:replayclub]")).containsEntry("left_seq", 4L);
        assertThat(cql.model().table("media_references")).containsOnlyKeys("[media/alice/icon, g:replayclub, 1]",
                "[media/alice/icon, g:replayclub, 3]", "[media/alice/icon, g:replayclub, 6]",
                "[media/alice/icon, g:replayclub, 8]");
    }

    @Test
    void theSameEventsWrittenTwiceLeaveTheSameRowsAndTheSameStatements() {
        List<ConversationEvent> events = conversation();
        RecordingSession once = projected(events);
        RecordingSession twice = new RecordingSession();
        EventProjector p = projector(twice);
        project(p, events);
        List<RecordingSession.Executed> first = twice.executed();
        twice.clear();
        project(p, events);
        assertThat(twice.executed()).as("a replay binds the same values").containsExactlyInAnyOrderElementsOf(first);
        assertThat(twice.model().snapshot()).isEqualTo(once.model().snapshot());
    }

    @Test
    void anyOrderOfReplayedEventsLeavesTheRowsOfTheLogsOrder() {
        List<ConversationEvent> events = conversation();
        Map<String, Map<String, Map<String, Object>>> expected = projected(events).model().snapshot();
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            // A replay from an earlier offset after the live writes, and writes of a batch landing in any order.
            List<ConversationEvent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            RecordingSession cql = new RecordingSession();
            EventProjector p = projector(cql);
            project(p, events.subList(0, 1 + random.nextInt(events.size())));
            project(p, shuffled);
            assertThat(cql.model().snapshot()).as("round %d", round).isEqualTo(expected);
        }
    }

    @Test
    void aWriterThatStampsWithTheWallClockIsCaughtByTheReplayCheck() {
        // The check above can fail: a history writer whose edit is not stamped with the event's seq lets a replayed
        // original message overwrite its edit.
        List<ConversationEvent> events = conversation();
        Map<String, Map<String, Map<String, Object>>> expected = projected(events).model().snapshot();
        RecordingSession cql = new RecordingSession();
        ConversationHistory wallClock = new ConversationHistory(cql.session()) {
            @Override
            public CompletionStage<Void> write(ConversationEvent e) {
                return super.write(e).thenCompose(v ->
                        cql.session().executeAsync(cql.session().prepare("UPDATE messages SET payload = ?"
                                        + " WHERE conversation_id = ? AND bucket = ? AND seq = ?")
                                .bind(e.getPayload().duplicate(), e.getConversationId(), Buckets.of(e.getSeq()), e.getSeq()))
                                .thenApply(rs -> null));
            }
        };
        EventProjector p = new EventProjector(wallClock, new GroupDirectory(cql.session()),
                new UserConversations(cql.session()), new GroupDepartures(cql.session()),
                new MediaReferences(cql.session()), new MessageEnvelopes(cql.session()));
        project(p, events);
        project(p, events.subList(0, 1)); // the first message replayed after its edits
        assertThat(cql.model().snapshot()).isNotEqualTo(expected);
        assertThat(cql.model().table("messages").get("[dm:alice:bob, 0, 1]")).containsEntry("payload", "0x68656c6f");
    }
}
