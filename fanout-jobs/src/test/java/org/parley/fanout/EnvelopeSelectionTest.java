package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.fanout.Fixtures.device;
import static org.parley.fanout.Fixtures.event;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceEnvelope;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceSession;
import org.parley.events.EnvelopeType;

/**
 * The fan-out gives each device of an encrypted one-to-one message only its own envelope (docs/adr/0011), and each
 * member device of a group message the payload plus only its own key distribution envelope (docs/adr/0012): member
 * expansion, the user's device directory and the device inbox sequencer, each in its operator harness.
 */
class EnvelopeSelectionTest {
    private KeyedOneInputStreamOperatorTestHarness<String, MemberItem, DeviceItem> directory;
    private KeyedTwoInputStreamOperatorTestHarness<String, DeviceItem, DeviceSession, DeviceDelivery> inbox;

    @BeforeEach
    void setUp() throws Exception {
        directory = UserDeviceDirectoryTest.newHarness();
        directory.open();
        inbox = DeviceInboxSequencerTest.newHarness();
        inbox.open();
        directory.processElement(MemberItem.ofDevice(device("alice", "alice-phone")), 0L);
        directory.processElement(MemberItem.ofDevice(device("alice", "alice-laptop")), 0L);
        directory.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        directory.processElement(MemberItem.ofDevice(device("bob", "bob-laptop")), 0L);
    }

    @AfterEach
    void tearDown() throws Exception {
        assertThat(directory.numProcessingTimeTimers()).isZero();
        assertThat(directory.numEventTimeTimers()).isZero();
        assertThat(inbox.numProcessingTimeTimers()).isZero();
        assertThat(inbox.numEventTimeTimers()).isZero();
        directory.close();
        inbox.close();
    }

    private static DeviceEnvelope envelope(String device) {
        return DeviceEnvelope.newBuilder().setDeviceId(device).setType(EnvelopeType.MESSAGE)
                .setBody(ByteBuffer.wrap(("sealed for " + device).getBytes(StandardCharsets.UTF_8))).build();
    }

    private static ConversationEvent encrypted(long seq, String... envelopeDevices) {
        return ConversationEvent.newBuilder(event("dm:alice:bob", seq, "alice", "alice-phone", "alice", "bob"))
                .setPayload(ByteBuffer.allocate(0)).setEncrypted(true)
                .setEnvelopes(List.of(envelopeDevices).stream().map(EnvelopeSelectionTest::envelope).toList()).build();
    }

    /** The event through the three steps: what each device's delivery record carries. */
    private Map<String, ConversationEvent> fanOut(ConversationEvent e) throws Exception {
        List<MemberItem> members = new ArrayList<>();
        new MemberExpansion.OfEvent().flatMap(e, new ListCollector<>(members));
        for (MemberItem m : members) {
            directory.processElement(m, 0L);
        }
        for (DeviceItem item : directory.extractOutputValues()) {
            inbox.processElement1(item, 0L);
        }
        return inbox.extractOutputValues().stream()
                .collect(Collectors.toMap(DeviceDelivery::getDeviceId, DeviceDelivery::getEvent, (a, b) -> b));
    }

    @Test
    void eachDeviceGetsOnlyItsOwnEnvelope() throws Exception {
        Map<String, ConversationEvent> delivered = fanOut(encrypted(1, "bob-phone", "bob-laptop", "alice-laptop"));

        assertThat(delivered).containsOnlyKeys("bob-phone", "bob-laptop", "alice-laptop"); // not the sending device
        delivered.forEach((device, e) -> {
            assertThat(e.getEncrypted()).isTrue();
            assertThat(e.getEnvelopes()).containsExactly(envelope(device));
            assertThat(e.getPayload().remaining()).isZero();
        });
        // The directory's own output (the sequencer's input) already holds one envelope per record.
        assertThat(directory.extractOutputValues()).allSatisfy(item ->
                assertThat(item.getEvent().getEnvelopes()).extracting(DeviceEnvelope::getDeviceId)
                        .containsExactly(item.getDeviceId()));
    }

    @Test
    void aDeviceWithoutAnEnvelopeGetsTheMessageMarkedEncryptedWithoutContent() throws Exception {
        // bob-laptop was linked after alice fetched the bundles: no envelope for it.
        Map<String, ConversationEvent> delivered = fanOut(encrypted(1, "bob-phone", "alice-laptop"));

        ConversationEvent laptop = delivered.get("bob-laptop");
        assertThat(laptop.getEncrypted()).isTrue();
        assertThat(laptop.getEnvelopes()).isEmpty();
        assertThat(laptop.getPayload().remaining()).isZero();
        assertThat(delivered.get("bob-phone").getEnvelopes()).containsExactly(envelope("bob-phone"));
    }

    @Test
    void aPlainMessageIsDeliveredAsItWas() throws Exception {
        ConversationEvent plain = event("dm:alice:bob", 1, "alice", "alice-phone", "alice", "bob");
        Map<String, ConversationEvent> delivered = fanOut(plain);

        assertThat(delivered).hasSize(3);
        assertThat(delivered.values()).allSatisfy(e -> {
            assertThat(e.getEncrypted()).isFalse();
            assertThat(e.getEnvelopes()).isNull();
            assertThat(e.getPayload()).isEqualTo(plain.getPayload());
        });
    }

    /** A group message: the Sender Key ciphertext as payload, key distribution envelopes for some member devices. */
    private static ConversationEvent groupMessage(long seq, String... envelopeDevices) {
        return ConversationEvent.newBuilder(event("g:family", seq, "alice", "alice-phone", "alice", "bob"))
                .setPayload(ByteBuffer.wrap("one sender key ciphertext".getBytes(StandardCharsets.UTF_8)))
                .setEncrypted(false)
                .setEnvelopes(List.of(envelopeDevices).stream().map(EnvelopeSelectionTest::envelope).toList()).build();
    }

    @Test
    void aGroupMessageGivesEveryMemberDeviceThePayloadAndOnlyItsOwnDistributionEnvelope() throws Exception {
        ConversationEvent sent = groupMessage(1, "bob-laptop", "alice-laptop");
        Map<String, ConversationEvent> delivered = fanOut(sent);

        assertThat(delivered).containsOnlyKeys("bob-phone", "bob-laptop", "alice-laptop");
        delivered.forEach((device, e) -> {
            assertThat(e.getEncrypted()).as(device).isFalse();
            assertThat(e.getPayload()).as(device).isEqualTo(sent.getPayload());
        });
        assertThat(delivered.get("bob-laptop").getEnvelopes()).containsExactly(envelope("bob-laptop"));
        assertThat(delivered.get("alice-laptop").getEnvelopes()).containsExactly(envelope("alice-laptop"));
        // bob's phone had the sender's key already: the payload alone, nothing of the others' envelopes.
        assertThat(delivered.get("bob-phone").getEnvelopes()).isEmpty();
    }

    @Test
    void aGroupEnvelopeForADeviceOfNoMemberReachesNobody() throws Exception {
        directory.processElement(MemberItem.ofDevice(device("carol", "carol-phone")), 0L); // removed from the group: not in the event's members
        Map<String, ConversationEvent> delivered = fanOut(groupMessage(1, "bob-phone", "carol-phone"));

        assertThat(delivered).containsOnlyKeys("bob-phone", "bob-laptop", "alice-laptop");
        assertThat(delivered.values()).allSatisfy(e -> assertThat(e.getEnvelopes())
                .extracting(DeviceEnvelope::getDeviceId).doesNotContain("carol-phone"));
    }
}
