package org.parley.infra.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceEnvelope;
import org.parley.events.DeviceRecord;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;
import org.parley.events.GroupSnapshot;
import org.parley.events.PushRequest;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

class AnalyticsRowsTest {
    static final Instant AT = Instant.parse("2026-12-06T23:59:59.250Z");
    static final AnalyticsRows.Position POS = new AnalyticsRows.Position(3, 42, AT.plusMillis(5).toEpochMilli());
    /** Words a user wrote or chose: none may reach a row, in any column. */
    static final List<String> CONTENT = List.of("secret text", "sealed envelope", "holiday.jpg", "Secret club",
            "Club description", "icons/secret", "alice added bob", "🎉", "token-hash-value");

    static ConversationEvent.Builder event(String conversation, long seq, EventType type) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(type).setSenderUserId("alice").setSenderDeviceId("d-alice")
                .setMemberUserIds(List.of("alice", "bob")).setSentAt(AT)
                .setPayload(ByteBuffer.wrap(new byte[0]));
    }

    /** Fails if any value of the row is bytes, or a text holding any of the content words. */
    static void assertMetadataOnly(AnalyticsRows.Row row) {
        assertThat(row.values()).hasSize(row.table().width());
        for (Object v : row.values()) {
            if (v != null) {
                assertThat(v).as("%s: a value", row.table().name()).isNotInstanceOf(byte[].class)
                        .isNotInstanceOf(ByteBuffer.class);
            }
            String text = v instanceof Collection<?> c ? c.toString() : String.valueOf(v);
            for (String word : CONTENT) {
                assertThat(text).as("%s row %s", row.table().name(), Arrays.toString(row.values())).doesNotContain(word);
            }
        }
    }

    private static Object column(AnalyticsRows.Row row, String name) {
        for (int i = 0; i < row.table().columns().size(); i++) {
            if (row.table().columns().get(i).name().equals(name)) {
                return row.values()[i];
            }
        }
        throw new AssertionError("no column " + name);
    }

    @Test
    void aMessageBecomesItsMetadataAndTheSizesOfItsContent() {
        byte[] payload = "secret text".getBytes(StandardCharsets.UTF_8);
        ConversationEvent e = event("dm:alice:bob", 7, EventType.MESSAGE).setPayload(ByteBuffer.wrap(payload))
                .setMediaType("Image/JPEG; name=holiday.jpg").setMediaObjectId("media/alice/holiday.jpg").build();
        AnalyticsRows.Row row = AnalyticsRows.event(e, POS);

        assertMetadataOnly(row);
        assertThat(column(row, "payload_bytes")).isEqualTo(payload.length);
        assertThat(column(row, "media_type")).isEqualTo("image/jpeg");
        assertThat(column(row, "has_media_object")).isEqualTo(true);
        assertThat(column(row, "conversation_kind")).isEqualTo("direct");
        assertThat(column(row, "recipient_user_ids")).isEqualTo(List.of("bob"));
        assertThat(column(row, "sent_at")).isEqualTo(LocalDateTime.parse("2026-12-06T23:59:59.250"));
        assertThat(row.day()).isEqualTo(LocalDate.parse("2026-12-06"));
        assertThat(column(row, "log_partition")).isEqualTo(3);
        assertThat(column(row, "log_offset")).isEqualTo(42L);
        assertThat(column(row, "group_size")).isNull();
    }

    @Test
    void anEncryptedMessageKeepsTheCountAndSizeOfItsEnvelopesOnly() {
        byte[] body = "sealed envelope".getBytes(StandardCharsets.UTF_8);
        ConversationEvent e = event("dm:alice:bob", 8, EventType.MESSAGE).setEncrypted(true)
                .setEnvelopes(List.of(new DeviceEnvelope("d-bob", EnvelopeType.PREKEY, ByteBuffer.wrap(body), "bob"),
                        new DeviceEnvelope("d-bob2", EnvelopeType.MESSAGE, ByteBuffer.wrap(body), "bob"))).build();
        AnalyticsRows.Row row = AnalyticsRows.event(e, POS);

        assertMetadataOnly(row);
        assertThat(column(row, "encrypted")).isEqualTo(true);
        assertThat(column(row, "envelope_count")).isEqualTo(2);
        assertThat(column(row, "envelope_bytes")).isEqualTo(2L * body.length);
        assertThat(column(row, "payload_bytes")).isEqualTo(0);
    }

    @Test
    void groupEventsLeaveOutNamesTextsAndEmojisAndCountTheMembersAfterThem() {
        GroupSnapshot snapshot = GroupSnapshot.newBuilder().setName("Secret club").setDescription("Club description")
                .setIconKey("icons/secret").setAdminUserIds(List.of("alice")).setCreatedBy("alice").build();
        List<String> members = List.of("alice", "bob", "carol", "dave");
        AnalyticsRows.Row created = AnalyticsRows.event(event("g:abcdefgh12", 1, EventType.GROUP_CREATED)
                .setMemberUserIds(members).setSubjectUserIds(List.of("bob", "carol", "dave")).setGroup(snapshot)
                .setSystemText("alice added bob").build(), POS);
        AnalyticsRows.Row removed = AnalyticsRows.event(event("g:abcdefgh12", 2, EventType.MEMBER_REMOVED)
                .setMemberUserIds(members).setSubjectUserIds(List.of("dave")).setGroup(snapshot)
                .setSystemText("alice added bob").build(), POS);
        AnalyticsRows.Row left = AnalyticsRows.event(event("g:abcdefgh12", 3, EventType.MEMBER_LEFT)
                .setSenderUserId("carol").setMemberUserIds(List.of("alice", "bob", "carol"))
                .setSubjectUserIds(List.of("carol")).setGroup(snapshot).build(), POS);
        AnalyticsRows.Row reaction = AnalyticsRows.event(event("g:abcdefgh12", 4, EventType.REACTION)
                .setMemberUserIds(List.of("alice", "bob")).setTargetSeq(1L).setReaction("🎉").build(), POS);
        AnalyticsRows.Row muted = AnalyticsRows.event(event("g:abcdefgh12", 5, EventType.MUTE_CHANGED)
                .setMemberUserIds(List.of("alice")).setPrivateToUserId("alice").setMuteUntil(1L).build(), POS);

        for (AnalyticsRows.Row row : List.of(created, removed, left, reaction, muted)) {
            assertMetadataOnly(row);
            assertThat(column(row, "conversation_kind")).isEqualTo("group");
            assertThat(column(row, "recipient_user_ids")).as("only messages list recipients").isNull();
        }
        assertThat(column(created, "group_size")).isEqualTo(4);
        assertThat(column(created, "subject_count")).isEqualTo(3);
        assertThat(column(removed, "group_size")).isEqualTo(3);
        assertThat(column(left, "group_size")).isEqualTo(2);
        assertThat(column(reaction, "group_size")).isEqualTo(2);
        assertThat(column(reaction, "target_seq")).isEqualTo(1L);
        assertThat(column(muted, "group_size")).as("a private event says nothing of the group's size").isNull();
        assertThat(column(muted, "private")).isEqualTo(true);
    }

    @Test
    void receiptsDeliveriesPushesAndDevicesAreMetadataOnly() {
        Receipt r = new Receipt("dm:alice:bob", 7L, ReceiptStatus.DELIVERED, "bob", "d-bob", "alice", AT, null);
        AnalyticsRows.Row receipt = AnalyticsRows.receipt(r, POS);
        assertMetadataOnly(receipt);
        assertThat(column(receipt, "status")).isEqualTo("DELIVERED");
        assertThat(column(receipt, "receipt_at")).isEqualTo(LocalDateTime.parse("2026-12-06T23:59:59.250"));

        ConversationEvent e = event("dm:alice:bob", 7, EventType.MESSAGE)
                .setPayload(ByteBuffer.wrap("secret text".getBytes(StandardCharsets.UTF_8))).build();
        AnalyticsRows.Row delivery = AnalyticsRows.delivery(DeviceDelivery.newBuilder().setDeviceId("d-bob")
                .setUserId("bob").setInboxSeq(11).setKind(DeliveryKind.EVENT).setEdgeId(2).setEvent(e).build(), POS);
        assertMetadataOnly(delivery);
        assertThat(column(delivery, "live")).isEqualTo(true);
        assertThat(column(delivery, "event_type")).isEqualTo("MESSAGE");
        assertThat(column(delivery, "seq")).isEqualTo(7L);
        assertThat(column(delivery, "routed_at")).isEqualTo(LocalDateTime.parse("2026-12-06T23:59:59.255"));
        assertThat(delivery.day()).as("the day of the event, not of the log write").isEqualTo(LocalDate.parse("2026-12-06"));

        AnalyticsRows.Row push = AnalyticsRows.push(PushRequest.newBuilder().setPushId("d-bob/dm:alice:bob/7")
                .setDeviceId("d-bob").setUserId("bob").setConversationId("dm:alice:bob").setEventId("dm:alice:bob/7")
                .setSeq(7).setCollapseKey("dm:alice:bob").setUnreadCount(3).setSentAt(AT).build(), POS);
        assertMetadataOnly(push);
        assertThat(column(push, "unread_count")).isEqualTo(3);

        AnalyticsRows.Row device = AnalyticsRows.device(new DeviceRecord("d-bob", "bob", "token-hash-value", AT, false, true), POS);
        assertMetadataOnly(device);
        assertThat(column(device, "primary_device")).isEqualTo(true);
    }

    @Test
    void theCheckFailsWhenContentReachesARow() {
        AnalyticsRows.Row leaking = new AnalyticsRows.Row(AnalyticsTables.RECEIPTS, new Object[] {
                "dm:alice:bob", "direct", 1L, "READ", "bob", "d-bob", "secret text", null, 0, 0L, null});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertMetadataOnly(leaking)).isInstanceOf(AssertionError.class);
        AnalyticsRows.Row bytes = new AnalyticsRows.Row(AnalyticsTables.RECEIPTS, new Object[] {
                "dm:alice:bob", "direct", 1L, "READ", "bob", "d-bob", new byte[] {1}, null, 0, 0L, null});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertMetadataOnly(bytes)).isInstanceOf(AssertionError.class);
    }

    @Test
    void mediaTypesLoseTheirParametersAndInvalidOnesAreNotCopied() {
        assertThat(AnalyticsRows.mediaType(null)).isNull();
        assertThat(AnalyticsRows.mediaType("video/mp4")).isEqualTo("video/mp4");
        assertThat(AnalyticsRows.mediaType(" Audio/OGG ; codecs=opus")).isEqualTo("audio/ogg");
        assertThat(AnalyticsRows.mediaType("my secret diary")).isEqualTo("invalid");
    }
}
