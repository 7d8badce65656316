package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;

/**
 * The sequencer passes a message's per-device envelopes into its event untouched: one-to-one as the content
 * (docs/adr/0011), in a group beside the Sender Key payload as key distribution (docs/adr/0012).
 */
class EnvelopeSequencingTest {
    private final SequencerFixture f = new SequencerFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private static DeviceEnvelope envelope(String device, EnvelopeType type, String body) {
        return DeviceEnvelope.newBuilder().setDeviceId(device).setType(type)
                .setBody(ByteBuffer.wrap(body.getBytes())).build();
    }

    private static final List<DeviceEnvelope> ENVELOPES = List.of(
            envelope("bob-phone", EnvelopeType.PREKEY, "for bob's phone"),
            envelope("bob-laptop", EnvelopeType.MESSAGE, "for bob's laptop"),
            envelope("alice-laptop", EnvelopeType.MESSAGE, "for alice's laptop"));

    private ClientAction.Builder encrypted(String conversation, String clientMessageId) {
        return f.action(ActionType.SEND_MESSAGE, conversation, "alice").setClientMessageId(clientMessageId)
                .setEnvelopes(ENVELOPES);
    }

    @Test
    void theEventCarriesEveryEnvelopeAndIsMarkedEncrypted() {
        assertThat(f.accepted(encrypted("dm:alice:bob", "m1"))).isEqualTo(1L);
        ConversationEvent e = f.events.readValue();
        assertThat(e.getEncrypted()).isTrue();
        assertThat(e.getEnvelopes()).isEqualTo(ENVELOPES);
        assertThat(e.getPayload().remaining()).isZero();
        assertThat(e.getMemberUserIds()).containsExactly("alice", "bob");
    }

    @Test
    void aPlainMessageStaysAsItWas() {
        f.accepted(f.message("dm:alice:bob", "alice", "hi"));
        ConversationEvent e = f.events.readValue();
        assertThat(e.getEncrypted()).isFalse();
        assertThat(e.getEnvelopes()).isNull();
        assertThat(e.getPayload()).isEqualTo(ByteBuffer.wrap("hi".getBytes()));
    }

    @Test
    void aRetryWithTheSameClientMessageIdIsTheSameMessage() {
        assertThat(f.accepted(encrypted("dm:alice:bob", "m1"))).isEqualTo(1L);
        // The retry after MISMATCHED_DEVICES carries other envelopes; if the first one did get through, it is a duplicate.
        ActionResult retry = f.pipe(encrypted("dm:alice:bob", "m1").setEnvelopes(ENVELOPES.subList(0, 1)));
        assertThat(retry.getSeq()).isEqualTo(1L);
        assertThat(retry.getDuplicate()).isTrue();
        assertThat(f.events.readValuesToList()).hasSize(1);
    }

    @Test
    void aGroupMessageWithoutItsSenderKeyPayloadIsRefused() {
        f.accepted(f.createGroup("g:family-group", "alice", "Family", "bob"));
        assertThat(f.refused(encrypted("g:family-group", "m2"))).isEqualTo("INVALID_FIELD");
        assertThat(f.events.readValuesToList()).hasSize(1); // only the group's creation
    }

    @Test
    void aGroupMessageCarriesItsPayloadForAllAndTheKeyDistributionEnvelopesAndIsNotMarkedEncrypted() {
        f.accepted(f.createGroup("g:family-group", "alice", "Family", "bob"));
        f.events.readValue();
        List<DeviceEnvelope> distribution = ENVELOPES.subList(0, 2);
        assertThat(f.accepted(encrypted("g:family-group", "m2").setPayload(ByteBuffer.wrap("sender key".getBytes()))
                .setEnvelopes(distribution))).isEqualTo(2L);
        ConversationEvent e = f.events.readValue();
        assertThat(e.getEncrypted()).isFalse();
        assertThat(e.getPayload()).isEqualTo(ByteBuffer.wrap("sender key".getBytes()));
        assertThat(e.getEnvelopes()).isEqualTo(distribution);
        assertThat(e.getMemberUserIds()).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void aRemovedMemberIsNotARecipientOfWhatFollows() {
        f.accepted(f.createGroup("g:family-group", "alice", "Family", "bob", "carol"));
        f.accepted(f.subjects(ActionType.REMOVE_MEMBER, "g:family-group", "alice", "carol"));
        f.events.readValuesToList();
        f.accepted(encrypted("g:family-group", "m3").setPayload(ByteBuffer.wrap("rotated".getBytes())));
        assertThat(f.events.readValue().getMemberUserIds()).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void aRemovedMemberCannotSendEvenWithEnvelopes() {
        f.accepted(f.createGroup("g:family-group", "alice", "Family", "bob", "carol"));
        f.accepted(f.subjects(ActionType.REMOVE_MEMBER, "g:family-group", "alice", "carol"));
        assertThat(f.refused(f.action(ActionType.SEND_MESSAGE, "g:family-group", "carol").setClientMessageId("m4")
                .setPayload(ByteBuffer.wrap("x".getBytes())).setEnvelopes(ENVELOPES))).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void aOneToOneEditAndReactionCarryTheirContentInEnvelopesAndTheServerKeepsKindTargetAndSender() {
        long m = f.accepted(encrypted("dm:alice:bob", "m1"));
        f.events.readValue();
        f.accepted(f.onTarget(ActionType.EDIT_MESSAGE, "dm:alice:bob", "alice", m).setEnvelopes(ENVELOPES));
        ConversationEvent edit = f.events.readValue();
        assertThat(edit.getType()).isEqualTo(org.parley.events.EventType.MESSAGE_EDITED);
        assertThat(edit.getTargetSeq()).isEqualTo(m);
        assertThat(edit.getEncrypted()).isTrue();
        assertThat(edit.getEnvelopes()).isEqualTo(ENVELOPES);
        assertThat(edit.getPayload().remaining()).isZero();
        // The edit's rules still hold: only the sender edits.
        assertThat(f.refused(f.onTarget(ActionType.EDIT_MESSAGE, "dm:alice:bob", "bob", m).setEnvelopes(ENVELOPES)))
                .isEqualTo("NOT_THE_SENDER");

        f.accepted(f.onTarget(ActionType.REACT, "dm:alice:bob", "bob", m).setEnvelopes(ENVELOPES));
        ConversationEvent reaction = f.events.readValue();
        assertThat(reaction.getType()).isEqualTo(org.parley.events.EventType.REACTION);
        assertThat(reaction.getTargetSeq()).isEqualTo(m);
        assertThat(reaction.getReaction()).isNull();
        assertThat(reaction.getEncrypted()).isTrue();
        assertThat(reaction.getEnvelopes()).isEqualTo(ENVELOPES);
        assertThat(f.refused(f.onTarget(ActionType.REACT, "dm:alice:bob", "bob", 99).setEnvelopes(ENVELOPES)))
                .isEqualTo("TARGET_UNKNOWN");
        // Both at once is refused: there is one content.
        assertThat(f.refused(f.onTarget(ActionType.EDIT_MESSAGE, "dm:alice:bob", "alice", m).setEnvelopes(ENVELOPES)
                .setPayload(ByteBuffer.wrap("plain".getBytes())))).isEqualTo("INVALID_FIELD");
    }

    @Test
    void inAGroupAReactionIsEncryptedUnderTheSenderKeyAndEnvelopesOnAnEditOrReactionAreRefused() {
        f.accepted(f.createGroup("g:family-group", "alice", "Family", "bob"));
        long m = f.accepted(f.message("g:family-group", "alice", "sender key ciphertext"));
        f.events.readValuesToList();
        f.accepted(f.onTarget(ActionType.REACT, "g:family-group", "bob", m).setReaction(null)
                .setPayload(ByteBuffer.wrap("sender key ciphertext of the emoji".getBytes())));
        ConversationEvent reaction = f.events.readValue();
        assertThat(reaction.getReaction()).isNull();
        assertThat(reaction.getEncrypted()).isFalse();
        assertThat(reaction.getPayload()).isEqualTo(ByteBuffer.wrap("sender key ciphertext of the emoji".getBytes()));
        assertThat(f.refused(f.onTarget(ActionType.REACT, "g:family-group", "bob", m).setEnvelopes(ENVELOPES)))
                .isEqualTo("INVALID_FIELD");
        assertThat(f.refused(f.onTarget(ActionType.EDIT_MESSAGE, "g:family-group", "alice", m).setEnvelopes(ENVELOPES)))
                .isEqualTo("INVALID_FIELD");
        // A plain group reaction without emoji or payload is still refused.
        assertThat(f.refused(f.onTarget(ActionType.REACT, "g:family-group", "bob", m).setReaction(null)))
                .isEqualTo("INVALID_FIELD");
    }
}
