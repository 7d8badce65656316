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

/** What history keeps of a reaction whose content is end-to-end encrypted (docs/e2e.md). */
class EncryptedReactionTest {
    private static ConversationEvent.Builder reaction(String conversation) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/2").setConversationId(conversation).setSeq(2)
                .setType(EventType.REACTION).setTargetSeq(1L).setSenderUserId("bob").setSenderDeviceId("bob-phone")
                .setMemberUserIds(List.of("alice", "bob")).setSentAt(Instant.EPOCH).setPayload(ByteBuffer.allocate(0));
    }

    @Test
    void aPlainReactionIsItsEmojiAndAnEmptyOneARemoval() {
        assertThat(ConversationHistory.reactionOf(reaction("dm:alice:bob").setReaction("👍").build())).isEqualTo("👍");
        assertThat(ConversationHistory.reactionOf(reaction("dm:alice:bob").setReaction("").build())).isEmpty();
        assertThat(ConversationHistory.reactionOf(reaction("dm:alice:bob").build())).isEmpty();
    }

    @Test
    void anEncryptedReactionIsKeptAsReactedWithoutItsEmoji() {
        ConversationEvent oneToOne = reaction("dm:alice:bob").setEncrypted(true).setEnvelopes(List.of(
                DeviceEnvelope.newBuilder().setDeviceId("alice-phone").setType(EnvelopeType.MESSAGE)
                        .setBody(ByteBuffer.wrap(new byte[] {1, 2, 3})).build())).build();
        assertThat(ConversationHistory.reactionOf(oneToOne)).isEqualTo(ConversationHistory.ENCRYPTED_REACTION);
        ConversationEvent group = reaction("g:family-group").setPayload(ByteBuffer.wrap(new byte[] {7, 1, 2})).build();
        assertThat(ConversationHistory.reactionOf(group)).isEqualTo(ConversationHistory.ENCRYPTED_REACTION);
    }
}
