package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;

/** The rows the projection writes for an end-to-end encrypted message (docs/adr/0011). */
class MessageEnvelopesTest {
    private static DeviceEnvelope envelope(String device, EnvelopeType type) {
        return DeviceEnvelope.newBuilder().setDeviceId(device).setType(type)
                .setBody(ByteBuffer.wrap(("for " + device).getBytes())).build();
    }

    private static ConversationEvent.Builder message(long seq) {
        return ConversationEvent.newBuilder().setEventId("dm:alice:bob/" + seq).setConversationId("dm:alice:bob")
                .setSeq(seq).setType(EventType.MESSAGE).setSenderUserId("alice").setSenderDeviceId("alice-phone")
                .setMemberUserIds(List.of("alice", "bob")).setSentAt(Instant.EPOCH).setPayload(ByteBuffer.allocate(0));
    }

    @Test
    void anEncryptedMessageWritesTheMarkerAndOneRowPerDeviceInItsDevicesPartitions() {
        ConversationEvent e = message(1234).setEncrypted(true).setEnvelopes(List.of(
                envelope("bob-phone", EnvelopeType.PREKEY), envelope("alice-laptop", EnvelopeType.MESSAGE))).build();

        List<MessageEnvelopes.Row> rows = MessageEnvelopes.rowsOf(e);

        assertThat(rows).extracting(MessageEnvelopes.Row::deviceId)
                .containsExactly(MessageEnvelopes.ENCRYPTED_MARKER, "bob-phone", "alice-laptop");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.conversationId()).isEqualTo("dm:alice:bob");
            assertThat(r.bucket()).isEqualTo(1L); // seq 1234 / 1000: the same bucket as its messages row
            assertThat(r.seq()).isEqualTo(1234L);
        });
        assertThat(rows.get(0).type()).isNull();
        assertThat(rows.get(0).body()).isNull();
        assertThat(rows.get(1).type()).isEqualTo(EnvelopeType.PREKEY);
        assertThat(rows.get(1).body()).isEqualTo("for bob-phone".getBytes());
        assertThat(rows.get(2).body()).isEqualTo("for alice-laptop".getBytes());
        // A replay writes the same rows.
        assertThat(MessageEnvelopes.rowsOf(e)).usingRecursiveFieldByFieldElementComparator().isEqualTo(rows);
    }

    @Test
    void plainMessagesAndOtherEventsWriteNoEnvelopeRows() {
        assertThat(MessageEnvelopes.rowsOf(message(1).setPayload(ByteBuffer.wrap(new byte[] {1})).build())).isEmpty();
        assertThat(MessageEnvelopes.rowsOf(message(2).setType(EventType.REACTION).setReaction("+1").build())).isEmpty();
    }
}
