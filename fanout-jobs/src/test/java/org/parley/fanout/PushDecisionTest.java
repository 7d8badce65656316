package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.events.PushRequest;

class PushDecisionTest {
    /** Processing time of the harness: one minute after the fixtures' messages were sent. */
    private static final long NOW = Fixtures.T0.toEpochMilli() + 60_000;
    private static final long HOUR = 3_600_000L;
    private static final PushPolicy POLICY = new PushPolicy(EnumSet.of(EventType.MESSAGE), 24 * HOUR, HOUR,
            30 * 24 * HOUR);

    private KeyedOneInputStreamOperatorTestHarness<String, DeviceDelivery, PushRequest> harness;
    private long inboxSeq;

    static KeyedOneInputStreamOperatorTestHarness<String, DeviceDelivery, PushRequest> newHarness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new PushDecision(POLICY)),
                new KeySelectors.DeliveryDevice(), Types.STRING);
        Fixtures.disableGenericTypes(h.getExecutionConfig());
        return h;
    }

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
        harness.open();
        harness.setProcessingTime(NOW);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    // --- inputs: what the inbox sequencer emits for device bob-phone (user bob)

    private void offline(ConversationEvent e) throws Exception {
        harness.processElement(delivery("bob-phone", e, null), 0L);
    }

    private void online(ConversationEvent e) throws Exception {
        harness.processElement(delivery("bob-phone", e, 0), 0L);
    }

    private DeviceDelivery delivery(String device, ConversationEvent e, Integer edgeId) {
        return DeviceDelivery.newBuilder().setDeviceId(device).setUserId("bob").setInboxSeq(++inboxSeq)
                .setKind(DeliveryKind.EVENT).setSessionId(edgeId == null ? null : "s1").setEdgeId(edgeId)
                .setMarkerInboxSeq(null).setEvent(e).setReceipt(null).build();
    }

    private void connects() throws Exception {
        harness.processElement(DeviceDelivery.newBuilder().setDeviceId("bob-phone").setUserId("bob").setInboxSeq(0L)
                .setKind(DeliveryKind.SYNC_MARKER).setSessionId("s1").setEdgeId(0).setMarkerInboxSeq(inboxSeq)
                .setEvent(null).setReceipt(null).build(), 0L);
    }

    private static ConversationEvent message(String conversation, long seq) {
        return Fixtures.event(conversation, seq, "alice", "alice-1", "alice", "bob");
    }

    private static ConversationEvent mute(String conversation, long seq, long until) {
        ConversationEvent e = Fixtures.event(conversation, seq, "bob", "bob-laptop", "bob");
        e.setType(EventType.MUTE_CHANGED);
        e.setPrivateToUserId("bob");
        e.setMuteUntil(until);
        e.setPayload(java.nio.ByteBuffer.allocate(0));
        return e;
    }

    private List<PushRequest> out() {
        return harness.extractOutputValues();
    }

    // --- tests

    @Test
    void anOfflineDeviceGetsOnePushPerMessageWithoutContent() throws Exception {
        offline(message("c1", 1));
        offline(message("c1", 2));

        assertThat(out()).extracting(PushRequest::getPushId).containsExactly("bob-phone/c1/1", "bob-phone/c1/2");
        PushRequest first = out().get(0);
        assertThat(first.getDeviceId()).isEqualTo("bob-phone");
        assertThat(first.getUserId()).isEqualTo("bob");
        assertThat(first.getConversationId()).isEqualTo("c1");
        assertThat(first.getEventId()).isEqualTo("c1/1");
        assertThat(first.getSeq()).isEqualTo(1L);
        assertThat(first.getSentAt()).isEqualTo(Fixtures.T0.plusMillis(1));
        assertThat(PushRequest.getClassSchema().getFields()).noneMatch(f -> f.name().equals("payload"));
    }

    @Test
    void pushesCollapsePerConversationAndCountUnreadUntilTheDeviceComesOnline() throws Exception {
        offline(message("c1", 1));
        offline(message("c2", 1));
        offline(message("c1", 2));
        connects();
        offline(message("c1", 3)); // gone again

        assertThat(out()).extracting(PushRequest::getCollapseKey).containsExactly("c1", "c2", "c1", "c1");
        assertThat(out()).extracting(PushRequest::getUnreadCount).containsExactly(1, 1, 2, 1);
    }

    @Test
    void anOnlineDeviceIsNeverPushedAndResetsTheConversationsCount() throws Exception {
        offline(message("c1", 1));
        online(message("c1", 2));
        offline(message("c1", 3));

        assertThat(out()).extracting(PushRequest::getPushId).containsExactly("bob-phone/c1/1", "bob-phone/c1/3");
        assertThat(out().get(1).getUnreadCount()).isEqualTo(1);
    }

    @Test
    void onlineDeliveriesTouchNoStateUntilAPushAndTheGuardLeavesWithTheCounts() throws Exception {
        online(message("c1", 1));
        online(message("c2", 1));
        assertThat(harness.numKeyedStateEntries()).as("online deliveries to a never-pushed device").isZero();

        offline(message("c1", 2));
        assertThat(harness.numKeyedStateEntries()).as("c1's count and the guard").isEqualTo(2);
        online(message("c1", 3));
        assertThat(harness.numKeyedStateEntries()).as("c1's count reset, the guard kept").isEqualTo(1);
        offline(message("c1", 4));
        connects();

        assertThat(out()).extracting(PushRequest::getUnreadCount).containsExactly(1, 1);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void theUsersOwnMessagesFromAnotherDeviceAreNotPushed() throws Exception {
        offline(Fixtures.event("c1", 1, "bob", "bob-laptop", "alice", "bob"));

        assertThat(out()).isEmpty();
    }

    @Test
    void receiptsPrivateEventsAndNonMessageTypesAreNotPushed() throws Exception {
        harness.processElement(DeviceDelivery.newBuilder().setDeviceId("bob-phone").setUserId("bob").setInboxSeq(1L)
                .setKind(DeliveryKind.RECEIPT).setSessionId(null).setEdgeId(null).setMarkerInboxSeq(null)
                .setEvent(null).setReceipt(Fixtures.receipt("c1", 1, "alice", "alice-1", "bob")).build(), 0L);
        ConversationEvent reaction = message("c1", 2);
        reaction.setType(EventType.REACTION);
        offline(reaction);
        ConversationEvent hidden = Fixtures.event("c1", 3, "bob", "bob-laptop", "bob");
        hidden.setType(EventType.HIDDEN_FOR_ME);
        hidden.setPrivateToUserId("bob");
        offline(hidden);

        assertThat(out()).isEmpty();
    }

    @Test
    void aConversationMutedForeverIsNotPushedUntilUnmuted() throws Exception {
        offline(mute("c1", 1, Long.MAX_VALUE));
        offline(message("c1", 2));
        offline(message("c2", 1)); // another conversation is not muted
        offline(mute("c1", 3, 0L));
        offline(message("c1", 4));

        assertThat(out()).extracting(PushRequest::getPushId).containsExactly("bob-phone/c2/1", "bob-phone/c1/4");
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertNoMuteState();
    }

    @Test
    void aMuteSetWhileOnlineHoldsWhenOffline() throws Exception {
        online(mute("c1", 1, Long.MAX_VALUE));
        offline(message("c1", 2));

        assertThat(out()).isEmpty();
    }

    @Test
    void aTimedMuteAppliesToMessagesSentBeforeItsEndAndIsForgottenAfterTheGrace() throws Exception {
        long until = Fixtures.T0.toEpochMilli() + 3; // muted for messages sent at T0+1, T0+2
        offline(mute("c1", 1, until));
        offline(message("c1", 2));
        offline(message("c1", 3)); // sentAt = until: the mute has ended
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        harness.setProcessingTime(until + HOUR);

        assertThat(out()).extracting(PushRequest::getPushId).containsExactly("bob-phone/c1/3");
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertNoMuteState();
    }

    @Test
    void replacingATimedMuteMovesItsTimer() throws Exception {
        long t0 = Fixtures.T0.toEpochMilli();
        offline(mute("c1", 1, t0 + 10 * HOUR));
        offline(mute("c1", 2, t0 + 20 * HOUR));
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        offline(mute("c1", 3, Long.MAX_VALUE));
        assertThat(harness.numProcessingTimeTimers()).isZero();
        offline(mute("c1", 4, 0L));

        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertNoMuteState();
    }

    @Test
    void aMuteOfAnotherUserIsIgnored() throws Exception {
        ConversationEvent other = mute("c1", 1, Long.MAX_VALUE);
        other.setPrivateToUserId("carol");
        offline(other);
        offline(message("c1", 2));

        assertThat(out()).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2); // the unread count and its guard only
    }

    @Test
    void messagesOlderThanTheMaxAgeAreNotPushed() throws Exception {
        harness.setProcessingTime(Fixtures.T0.toEpochMilli() + 25 * HOUR);
        offline(message("c1", 1));

        assertThat(out()).isEmpty();
    }

    @Test
    void aDeviceThatComesOnlineLeavesNoStateAndNoTimers() throws Exception {
        offline(message("c1", 1));
        offline(message("c2", 1));
        connects();

        assertThat(out()).hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aRestoreKeepsMutesCountsAndTimersAndAReplayRepeatsTheSamePushIds() throws Exception {
        long until = Fixtures.T0.toEpochMilli() + 10 * HOUR;
        offline(mute("c2", 1, until));
        offline(message("c1", 1));
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        offline(message("c1", 2)); // after the checkpoint: replayed after the restore
        List<PushRequest> firstRun = List.copyOf(out());
        harness.close();

        harness = newHarness();
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(NOW);
        inboxSeq = 1; // the replay may give other inbox seqs: the push id must not depend on them
        offline(message("c1", 2));
        offline(message("c2", 2)); // still muted

        assertThat(out()).singleElement().satisfies(r -> {
            assertThat(r.getPushId()).isEqualTo(firstRun.get(1).getPushId());
            assertThat(r.getUnreadCount()).isEqualTo(2);
        });
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        harness.setProcessingTime(until + HOUR);
        assertNoMuteState();
    }

    private void assertNoMuteState() throws Exception {
        // muted-until entries are the only state left in these scenarios besides unread counts
        long unread = harness.numKeyedStateEntries();
        connects(); // clears the unread counts
        assertThat(harness.numKeyedStateEntries()).as("state left besides the cleared unread counts (was %d)", unread)
                .isZero();
    }
}
