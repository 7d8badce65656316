package org.parley.edge.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;
import org.parley.projections.ConversationHistory;
import org.parley.projections.MessageEnvelopes;

/** A history page for one device: its own envelope of each encrypted message, nothing of other devices. */
class HistoryEnvelopesTest {
    private static ConversationHistory.Entry row(long seq, boolean deleted) {
        ConversationEvent e = ConversationEvent.newBuilder().setEventId("dm:alice:bob/" + seq)
                .setConversationId("dm:alice:bob").setSeq(seq).setType(EventType.MESSAGE).setSenderUserId("alice")
                .setSenderDeviceId("a1").setMemberUserIds(List.of("alice", "bob")).setSentAt(Instant.EPOCH)
                .setPayload(seq == 1 ? ByteBuffer.wrap(new byte[] {1}) : ByteBuffer.allocate(0)).build();
        return new ConversationHistory.Entry(e, null, null, deleted);
    }

    private static DeviceEnvelope own(long seq) {
        return DeviceEnvelope.newBuilder().setDeviceId("b1").setType(EnvelopeType.MESSAGE)
                .setBody(ByteBuffer.wrap(("b1 #" + seq).getBytes())).build();
    }

    @Test
    void encryptedRowsGetTheDevicesOwnEnvelopeOrNone() {
        // seq 1 plain; 2 encrypted with an envelope for b1; 3 encrypted without one (b1 linked later); 4 deleted.
        List<ConversationHistory.Entry> page = List.of(row(4, true), row(3, false), row(2, false), row(1, false));
        MessageEnvelopes.ForDevice stored = new MessageEnvelopes.ForDevice(Set.of(2L, 3L, 4L), Map.of(2L, own(2), 4L, own(4)));

        List<ConversationHistory.Entry> out = ConversationQueries.withEnvelopes(page, stored);

        assertThat(out).extracting(e -> e.event().getSeq()).containsExactly(4L, 3L, 2L, 1L);
        assertThat(out.get(0).event().getEnvelopes()).isEmpty();          // deleted: no content at all
        assertThat(out.get(0).deleted()).isTrue();
        assertThat(out.get(1).event().getEncrypted()).isTrue();
        assertThat(out.get(1).event().getEnvelopes()).isEmpty();          // "waiting for this message"
        assertThat(out.get(2).event().getEnvelopes()).containsExactly(own(2));
        assertThat(out.get(3)).isSameAs(page.get(3));                     // plain: untouched
        assertThat(out.get(3).event().getEncrypted()).isFalse();
    }

    @Test
    void aPageWithoutEncryptedMessagesIsReturnedAsItIs() {
        List<ConversationHistory.Entry> page = List.of(row(1, false));
        assertThat(ConversationQueries.withEnvelopes(page, MessageEnvelopes.ForDevice.NONE)).isSameAs(page);
    }
}
