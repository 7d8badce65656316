package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

class ConversationSequencerTest {
    private SequencerFixture fixture;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ClientAction> actions;
    private TestOutputTopic<String, ConversationEvent> events;
    private TestOutputTopic<String, Receipt> receipts;
    private TestOutputTopic<String, ActionResult> results;
    private int actionCounter;

    @BeforeEach
    void setUp() {
        fixture = new SequencerFixture();
        driver = fixture.driver;
        actions = fixture.actions;
        events = fixture.events;
        receipts = fixture.receipts;
        results = fixture.results;
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private ClientAction send(String conversation, String user, String device, String clientMessageId) {
        return ClientAction.newBuilder()
                .setActionId("a" + (++actionCounter)).setType(ActionType.SEND_MESSAGE)
                .setConversationId(conversation).setSenderUserId(user).setSenderDeviceId(device)
                .setClientMessageId(clientMessageId).setEdgeId(3).setReceivedAt(Instant.ofEpochMilli(1_000 + actionCounter))
                .setPayload(ByteBuffer.wrap(("p" + clientMessageId).getBytes())).build();
    }

    private ClientAction receipt(String conversation, String user, String device, long seq, String toUser) {
        return receipt(ActionType.DELIVERY_RECEIPT, conversation, user, device, seq, toUser);
    }

    private ClientAction receipt(ActionType type, String conversation, String user, String device, long seq, String toUser) {
        return ClientAction.newBuilder()
                .setActionId("r" + (++actionCounter)).setType(type)
                .setConversationId(conversation).setSenderUserId(user).setSenderDeviceId(device)
                .setEdgeId(0).setReceivedAt(Instant.ofEpochMilli(2_000)).setTargetSeq(seq).setTargetUserId(toUser)
                .setPayload(ByteBuffer.allocate(0)).build();
    }

    private void pipe(ClientAction a) {
        actions.pipeInput(a.getConversationId(), a);
    }

    @Test
    void assignsGapFreeSeqsPerConversation() {
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        pipe(send("dm:alice:carol", "carol", "c1", "m1"));
        pipe(send("dm:alice:bob", "bob", "b1", "m1"));
        pipe(send("dm:alice:bob", "alice", "a1", "m2"));

        List<ConversationEvent> out = events.readValuesToList();
        assertThat(out).extracting(e -> e.getConversationId() + "#" + e.getSeq())
                .containsExactly("dm:alice:bob#1", "dm:alice:carol#1", "dm:alice:bob#2", "dm:alice:bob#3");
        assertThat(out.get(0).getEventId()).isEqualTo("dm:alice:bob/1");
        assertThat(out.get(0).getMemberUserIds()).containsExactly("alice", "bob");
        assertThat(out.get(0).getPayload()).isEqualTo(ByteBuffer.wrap("pm1".getBytes()));
        assertThat(results.readValuesToList()).extracting(ActionResult::getSeq).containsExactly(1L, 1L, 2L, 3L);
    }

    @Test
    void retriedSendReturnsTheOriginalSeqAndCreatesNoEvent() {
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        pipe(send("dm:alice:bob", "alice", "a1", "m2"));
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));

        assertThat(events.readValuesToList()).extracting(ConversationEvent::getSeq).containsExactly(1L, 2L);
        List<ActionResult> r = results.readValuesToList();
        assertThat(r).extracting(ActionResult::getSeq).containsExactly(1L, 2L, 1L);
        assertThat(r).extracting(ActionResult::getDuplicate).containsExactly(false, false, true);
        assertThat(r.get(2).getOutcome()).isEqualTo(ActionOutcome.ACCEPTED);
        assertThat(r.get(2).getActionId()).isEqualTo("a3");
    }

    @Test
    void retriesAreRecognisedWithinTheRetentionAndForgottenAfterIt() {
        java.time.Instant sent = java.time.Instant.now();
        ClientAction m1 = send("dm:alice:bob", "alice", "a1", "m1");
        actions.pipeInput(m1.getConversationId(), m1, sent);
        driver.advanceWallClockTime(java.time.Duration.ofDays(6));
        actions.pipeInput(m1.getConversationId(), send("dm:alice:bob", "alice", "a1", "m1"), sent.plus(java.time.Duration.ofDays(6)));
        assertThat(results.readValuesToList()).extracting(ActionResult::getDuplicate).containsExactly(false, true);
        assertThat(dedupEntries()).isEqualTo(1);

        driver.advanceWallClockTime(java.time.Duration.ofDays(2)); // 8 days after the first send: purged
        assertThat(dedupEntries()).isZero();
        assertThat(fixture.longs(SequencerState.Kind.HEADS).get("dm:alice:bob")).isEqualTo(1L);
    }

    private int dedupEntries() {
        int n = 0;
        try (var all = SequencerState.timestampedLongs(fixture.state(), SequencerState.Kind.CLIENT_MESSAGE_IDS).all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    @Test
    void sameClientMessageIdFromAnotherDeviceIsANewMessage() {
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        pipe(send("dm:alice:bob", "alice", "a2", "m1"));
        assertThat(events.readValuesToList()).extracting(ConversationEvent::getSeq).containsExactly(1L, 2L);
    }

    @Test
    void nonMemberIsRefusedAndNothingIsSequenced() {
        pipe(send("dm:alice:bob", "mallory", "x1", "m1"));
        assertThat(events.isEmpty()).isTrue();
        ActionResult r = results.readValue();
        assertThat(r.getOutcome()).isEqualTo(ActionOutcome.REJECTED);
        assertThat(r.getErrorCode()).isEqualTo("NOT_A_MEMBER");
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        assertThat(events.readValue().getSeq()).isEqualTo(1L);
    }

    @Test
    void unknownConversationAndMissingClientMessageIdAreRefused() {
        pipe(send("group:zzz", "alice", "a1", "m1"));
        pipe(send("dm:alice:bob", "alice", "a1", null));
        assertThat(events.isEmpty()).isTrue();
        assertThat(results.readValuesToList()).extracting(ActionResult::getErrorCode)
                .containsExactly("UNKNOWN_CONVERSATION", "MISSING_FIELD");
    }

    @Test
    void anActionNotKeyedByItsConversationIsRefusedAndTakesNoSeq() {
        // Keyed by another conversation (another partition, another task's head) or not keyed at all.
        actions.pipeInput("dm:alice:carol", send("dm:alice:bob", "alice", "a1", "m1"));
        actions.pipeInput((String) null, send("dm:alice:bob", "alice", "a1", "m2"));
        actions.pipeInput("dm:alice:carol", receipt("dm:alice:bob", "bob", "b1", 1, "alice"));
        assertThat(events.isEmpty()).isTrue();
        assertThat(receipts.isEmpty()).isTrue();
        assertThat(results.readValuesToList()).extracting(ActionResult::getErrorCode)
                .containsExactly("WRONG_KEY", "WRONG_KEY", "WRONG_KEY");

        // Neither the head nor the dedup entries moved: the same message, keyed right, is the conversation's first.
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        var first = events.readRecord();
        assertThat(first.key()).isEqualTo("dm:alice:bob");
        assertThat(first.value().getSeq()).isEqualTo(1L);
        assertThat(results.readValue().getDuplicate()).isFalse();
    }

    @Test
    void deliveryReceiptForASequencedMessageGoesToItsSender() {
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        pipe(receipt("dm:alice:bob", "bob", "b1", 1, "alice"));
        Receipt r = receipts.readValue();
        assertThat(r.getStatus()).isEqualTo(ReceiptStatus.DELIVERED);
        assertThat(r.getToUserId()).isEqualTo("alice");
        assertThat(r.getByDeviceId()).isEqualTo("b1");
        assertThat(r.getSeq()).isEqualTo(1L);
    }

    @Test
    void readReceiptUpToASeqGoesToTheOtherMember() {
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        pipe(send("dm:alice:bob", "alice", "a1", "m2"));
        pipe(receipt(ActionType.READ_RECEIPT, "dm:alice:bob", "bob", "b1", 2, "alice"));
        assertThat(receipts.readValue().getToUserId()).isEqualTo("bob"); // the reader's own devices first
        Receipt r = receipts.readValue();
        assertThat(r.getStatus()).isEqualTo(ReceiptStatus.READ);
        assertThat(r.getSeq()).isEqualTo(2L);
        assertThat(r.getToUserId()).isEqualTo("alice");
        pipe(receipt(ActionType.READ_RECEIPT, "dm:alice:bob", "bob", "b1", 3, "alice"));
        assertThat(receipts.isEmpty()).isTrue();
    }

    @Test
    void receiptForAMessageThatDoesNotExistIsRefused() {
        pipe(send("dm:alice:bob", "alice", "a1", "m1"));
        results.readValuesToList();
        pipe(receipt("dm:alice:bob", "bob", "b1", 2, "alice"));
        pipe(receipt("dm:alice:bob", "bob", "b1", 1, "mallory"));
        assertThat(receipts.isEmpty()).isTrue();
        assertThat(results.readValuesToList()).extracting(ActionResult::getErrorCode)
                .containsExactly("TARGET_UNKNOWN", "TARGET_UNKNOWN");
    }

    @Test
    void resultsArePartitionedByTheAwaitingEdge() {
        SequencerTopology.ToAwaitingEdge p = new SequencerTopology.ToAwaitingEdge();
        ActionResult r = ActionResult.newBuilder().setActionId("x").setDeviceId("d").setConversationId("c")
                .setOutcome(ActionOutcome.ACCEPTED).build();
        assertThat(p.partitions("t", "d", SequencerOutput.of(r, 5), 8)).contains(java.util.Set.of(5));
        assertThat(p.partitions("t", "d", SequencerOutput.of(r, 9), 8)).contains(java.util.Set.of(1));
    }

    @Test
    void exactlyOnceAndLowLingerAreTheDefaults() {
        Properties p = SequencerApp.streamsConfig(Settings.of(Map.of()));
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(p.get("producer.linger.ms")).isEqualTo(0);
        assertThat(p.get("producer.acks")).isEqualTo("all");
        // Outputs become visible at commit; commits happen between polls: both bound the added latency.
        assertThat((Integer) p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isLessThanOrEqualTo(20);
        assertThat((Integer) p.get(StreamsConfig.POLL_MS_CONFIG)).isLessThanOrEqualTo(10);
        assertThat(p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(org.apache.kafka.streams.errors.LogAndContinueExceptionHandler.class.getName());
    }
}
