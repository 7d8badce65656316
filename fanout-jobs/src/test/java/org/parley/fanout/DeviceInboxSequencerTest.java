package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.fanout.Fixtures.close;
import static org.parley.fanout.Fixtures.event;
import static org.parley.fanout.Fixtures.eventItem;
import static org.parley.fanout.Fixtures.open;
import static org.parley.fanout.Fixtures.receipt;
import static org.parley.fanout.Fixtures.receiptItem;

import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceSession;
import org.parley.events.Receipt;

class DeviceInboxSequencerTest {
    private KeyedTwoInputStreamOperatorTestHarness<String, DeviceItem, DeviceSession, DeviceDelivery> harness;

    static KeyedTwoInputStreamOperatorTestHarness<String, DeviceItem, DeviceSession, DeviceDelivery> newHarness()
            throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<String, DeviceItem, DeviceSession, DeviceDelivery> h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(new DeviceInboxSequencer()),
                        new KeySelectors.DeviceItemDevice(), new KeySelectors.DeviceSessionDevice(), Types.STRING);
        Fixtures.disableGenericTypes(h.getExecutionConfig());
        return h;
    }

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        harness.close();
    }

    private void deliver(String user, String device, long conversationSeq) throws Exception {
        harness.processElement1(eventItem(user, device, event("c1", conversationSeq, "zed", "zed-1", user)), 0L);
    }

    private List<DeviceDelivery> out() {
        return harness.extractOutputValues();
    }

    private List<DeviceDelivery> outFor(String device) {
        return out().stream().filter(d -> d.getDeviceId().equals(device)).toList();
    }

    @Test
    void inboxSeqsAreContiguousPerDeviceAndIndependentAcrossDevices() throws Exception {
        deliver("bob", "bob-phone", 1);
        deliver("bob", "bob-laptop", 1);
        deliver("bob", "bob-phone", 2);
        harness.processElement1(receiptItem("bob", "bob-phone", receipt("c1", 1, "carol", "carol-1", "bob")), 0L);
        deliver("bob", "bob-laptop", 2);
        deliver("bob", "bob-phone", 3);

        assertThat(outFor("bob-phone")).extracting(DeviceDelivery::getInboxSeq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(outFor("bob-phone")).extracting(DeviceDelivery::getKind)
                .containsExactly(DeliveryKind.EVENT, DeliveryKind.EVENT, DeliveryKind.RECEIPT, DeliveryKind.EVENT);
        assertThat(outFor("bob-laptop")).extracting(DeviceDelivery::getInboxSeq).containsExactly(1L, 2L);
        assertThat(out()).allSatisfy(d -> {
            assertThat(d.getUserId()).isEqualTo("bob");
            assertThat(d.getSessionId()).isNull();
            assertThat(d.getEdgeId()).isNull();
            assertThat(d.getMarkerInboxSeq()).isNull();
        });
        DeviceDelivery receiptDelivery = outFor("bob-phone").get(2);
        assertThat(receiptDelivery.getReceipt().getSeq()).isEqualTo(1L);
        assertThat(receiptDelivery.getEvent()).isNull();
        assertThat(outFor("bob-phone").get(3).getEvent().getEventId()).isEqualTo("c1/3");
    }

    @Test
    void aSessionOpenEmitsAMarkerWithTheLastSeqAndRoutesWhatFollows() throws Exception {
        deliver("bob", "bob-phone", 1);
        deliver("bob", "bob-phone", 2);
        harness.processElement2(open("bob", "bob-phone", "s1", 3), 0L);
        deliver("bob", "bob-phone", 3);
        deliver("bob", "bob-laptop", 3); // another device, not connected

        List<DeviceDelivery> phone = outFor("bob-phone");
        assertThat(phone).hasSize(4);
        assertThat(phone.subList(0, 2)).allSatisfy(d -> {
            assertThat(d.getSessionId()).isNull();
            assertThat(d.getEdgeId()).isNull();
        });
        DeviceDelivery marker = phone.get(2);
        assertThat(marker.getKind()).isEqualTo(DeliveryKind.SYNC_MARKER);
        assertThat(marker.getInboxSeq()).isZero();
        assertThat(marker.getMarkerInboxSeq()).isEqualTo(2L);
        assertThat(marker.getSessionId()).isEqualTo("s1");
        assertThat(marker.getEdgeId()).isEqualTo(3);
        assertThat(marker.getUserId()).isEqualTo("bob");
        assertThat(marker.getEvent()).isNull();
        assertThat(marker.getReceipt()).isNull();
        DeviceDelivery live = phone.get(3);
        assertThat(live.getInboxSeq()).isEqualTo(3L);
        assertThat(live.getSessionId()).isEqualTo("s1");
        assertThat(live.getEdgeId()).isEqualTo(3);
        assertThat(outFor("bob-laptop")).singleElement().satisfies(d -> {
            assertThat(d.getInboxSeq()).isEqualTo(1L);
            assertThat(d.getEdgeId()).isNull();
        });
    }

    @Test
    void aMarkerForADeviceWithAnEmptyInboxCarriesZero() throws Exception {
        harness.processElement2(open("bob", "bob-phone", "s1", 0), 0L);

        assertThat(out()).singleElement().satisfies(m -> {
            assertThat(m.getKind()).isEqualTo(DeliveryKind.SYNC_MARKER);
            assertThat(m.getMarkerInboxSeq()).isZero();
            assertThat(m.getEdgeId()).isZero();
        });
    }

    @Test
    void aStaleCloseIsIgnoredAndTheMatchingCloseUnroutes() throws Exception {
        harness.processElement2(open("bob", "bob-phone", "s1", 1), 0L);
        harness.processElement2(open("bob", "bob-phone", "s2", 2), 0L); // reconnected to another edge
        harness.processElement2(close("bob", "bob-phone", "s1"), 0L);   // the old edge's late close
        deliver("bob", "bob-phone", 1);
        harness.processElement2(close("bob", "bob-phone", "s2"), 0L);
        deliver("bob", "bob-phone", 2);

        List<DeviceDelivery> phone = outFor("bob-phone").stream()
                .filter(d -> d.getKind() != DeliveryKind.SESSION_REPLACED).toList();
        assertThat(phone).extracting(DeviceDelivery::getKind).containsExactly(DeliveryKind.SYNC_MARKER,
                DeliveryKind.SYNC_MARKER, DeliveryKind.EVENT, DeliveryKind.EVENT);
        assertThat(phone.get(1).getSessionId()).isEqualTo("s2");
        assertThat(phone.get(1).getEdgeId()).isEqualTo(2);
        assertThat(phone.get(2).getInboxSeq()).isEqualTo(1L);
        assertThat(phone.get(2).getSessionId()).isEqualTo("s2"); // still routed after the stale close
        assertThat(phone.get(2).getEdgeId()).isEqualTo(2);
        assertThat(phone.get(3).getInboxSeq()).isEqualTo(2L);
        assertThat(phone.get(3).getSessionId()).isNull();        // unrouted after the matching close
        assertThat(phone.get(3).getEdgeId()).isNull();
    }

    @Test
    void aNewerSessionTellsTheOldSessionsEdgeToCloseIt() throws Exception {
        harness.processElement2(open("bob", "bob-phone", "s1", 0), 0L);
        deliver("bob", "bob-phone", 1);
        harness.processElement2(open("bob", "bob-phone", "s2", 1), 0L); // the device connected to edge 1

        List<DeviceDelivery> phone = outFor("bob-phone");
        assertThat(phone).extracting(DeviceDelivery::getKind).containsExactly(DeliveryKind.SYNC_MARKER,
                DeliveryKind.EVENT, DeliveryKind.SESSION_REPLACED, DeliveryKind.SYNC_MARKER);
        DeviceDelivery replaced = phone.get(2);
        assertThat(replaced.getSessionId()).isEqualTo("s1");
        assertThat(replaced.getEdgeId()).as("to the old session's edge").isEqualTo(0);
        assertThat(replaced.getInboxSeq()).isZero();
        assertThat(replaced.getUserId()).isEqualTo("bob");
        assertThat(new FanoutTopology.IsInboxEntry().filter(replaced)).as("never an inbox entry").isFalse();
        assertThat(new FanoutTopology.IsRoutedToEdge().filter(replaced)).isTrue();
        assertThat(phone.get(3).getMarkerInboxSeq()).as("the inbox seqs are untouched").isEqualTo(1L);
    }

    @Test
    void noReplacedNoticeAfterACloseOrForTheSameSessionAgain() throws Exception {
        harness.processElement2(open("bob", "bob-phone", "s1", 0), 0L);
        harness.processElement2(close("bob", "bob-phone", "s1"), 0L);
        harness.processElement2(open("bob", "bob-phone", "s2", 1), 0L);
        harness.processElement2(open("bob", "bob-phone", "s2", 1), 0L); // a replayed announcement
        harness.processElement2(open("bob", "bob-laptop", "s3", 1), 0L); // another device: its own session

        assertThat(out()).extracting(DeviceDelivery::getKind).doesNotContain(DeliveryKind.SESSION_REPLACED);
    }

    @Test
    void aCloseOfANeverSeenSessionChangesNothing() throws Exception {
        harness.processElement2(close("bob", "bob-phone", "s0"), 0L);
        deliver("bob", "bob-phone", 1);

        assertThat(out()).singleElement().satisfies(d -> {
            assertThat(d.getInboxSeq()).isEqualTo(1L);
            assertThat(d.getEdgeId()).isNull();
        });
    }

    @Test
    void snapshotAndRestoreContinueTheSeqWithoutRepeatAndKeepTheSession() throws Exception {
        deliver("bob", "bob-phone", 1);
        deliver("bob", "bob-phone", 2);
        deliver("bob", "bob-laptop", 1);
        harness.processElement2(open("bob", "bob-laptop", "s9", 5), 0L);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        deliver("bob", "bob-phone", 3);
        deliver("bob", "bob-laptop", 2);
        harness.processElement2(open("bob", "bob-phone", "s10", 6), 0L);

        assertThat(outFor("bob-phone")).hasSize(2);
        DeviceDelivery phone3 = outFor("bob-phone").get(0);
        assertThat(phone3.getInboxSeq()).isEqualTo(3L);
        assertThat(phone3.getEdgeId()).isNull();
        DeviceDelivery phoneMarker = outFor("bob-phone").get(1);
        assertThat(phoneMarker.getMarkerInboxSeq()).isEqualTo(3L);
        assertThat(outFor("bob-laptop")).singleElement().satisfies(d -> {
            assertThat(d.getInboxSeq()).isEqualTo(2L);
            assertThat(d.getSessionId()).isEqualTo("s9"); // the session survived the restore
            assertThat(d.getEdgeId()).isEqualTo(5);
        });
    }

    private void deliverIn(String conversation, long conversationSeq) throws Exception {
        harness.processElement1(eventItem("bob", "bob-phone", event(conversation, conversationSeq, "zed", "zed-1", "bob")),
                0L);
    }

    private static Receipt logged(Receipt r, long offset) {
        r.setLogOffset(offset);
        return r;
    }

    /** inbox seq -> event id or "receipt@offset", in output order. */
    private List<String> inbox(List<DeviceDelivery> deliveries) {
        return deliveries.stream().filter(new FanoutTopology.IsInboxEntry()::filter)
                .map(d -> d.getInboxSeq() + "=" + (d.getEvent() != null ? d.getEvent().getEventId()
                        : "receipt@" + d.getReceipt().getLogOffset()))
                .toList();
    }

    @Test
    void anItemAtOrBelowItsConversationsDeliveredPositionIsAReplayAndIsDropped() throws Exception {
        deliverIn("c1", 1);
        deliverIn("c2", 1);
        deliverIn("c1", 2);
        // The first half wrote these again after a restore, in another interleaving.
        deliverIn("c2", 1);
        deliverIn("c1", 1);
        deliverIn("c1", 2);
        deliverIn("c1", 3);
        deliverIn("c2", 2);

        assertThat(inbox(out())).containsExactly("1=c1/1", "2=c2/1", "3=c1/2", "4=c1/3", "5=c2/2");
    }

    @Test
    void receiptsAreDroppedByTheirOffsetInTheReceiptsLogAndUnpositionedOnesNever() throws Exception {
        Receipt r10 = logged(receipt("c1", 1, "carol", "carol-1", "bob"), 10);
        Receipt r11 = logged(receipt("c1", 2, "carol", "carol-1", "bob"), 11);
        harness.processElement1(receiptItem("bob", "bob-phone", r10), 0L);
        deliverIn("c1", 7); // events and receipts of one conversation are separate streams: 7 does not hide offset 11
        harness.processElement1(receiptItem("bob", "bob-phone", r11), 0L);
        harness.processElement1(receiptItem("bob", "bob-phone", r10), 0L); // replayed
        Receipt unplaced = receipt("c1", 3, "carol", "carol-1", "bob");
        harness.processElement1(receiptItem("bob", "bob-phone", unplaced), 0L);
        harness.processElement1(receiptItem("bob", "bob-phone", unplaced), 0L);

        assertThat(inbox(out())).containsExactly("1=receipt@10", "2=c1/7", "3=receipt@11", "4=receipt@null",
                "5=receipt@null");
    }

    /**
     * The property ADR 0006 needs: a crash after a checkpoint replays the user-items log from the checkpointed
     * position (the same records in the same order) followed by what the first half writes again; the restored
     * sequencer must give every item the inbox seq it had before the crash, and nothing twice.
     */
    @Test
    void aRestoreReplayingTheLogAndTheRewrittenItemsAssignsEveryInboxSeqAsBefore() throws Exception {
        List<DeviceItem> log = List.of(
                eventItem("bob", "bob-phone", event("c1", 1, "zed", "zed-1", "bob")),
                eventItem("bob", "bob-phone", event("c2", 1, "amy", "amy-1", "bob")),
                receiptItem("bob", "bob-phone", logged(receipt("c3", 4, "carol", "carol-1", "bob"), 40)),
                eventItem("bob", "bob-phone", event("c1", 2, "zed", "zed-1", "bob")),
                eventItem("bob", "bob-phone", event("c2", 2, "amy", "amy-1", "bob")),
                eventItem("bob", "bob-phone", event("c1", 3, "zed", "zed-1", "bob")));
        for (DeviceItem item : log.subList(0, 2)) {
            harness.processElement1(item, 0L);
        }
        OperatorSubtaskState checkpoint = harness.snapshot(1L, 1L);
        for (DeviceItem item : log.subList(2, log.size())) {
            harness.processElement1(item, 0L);
        }
        List<String> beforeCrash = inbox(out());
        harness.close();

        harness = newHarness();
        harness.initializeState(checkpoint);
        harness.open();
        for (DeviceItem item : log.subList(2, log.size())) { // the log from the checkpointed offset
            harness.processElement1(item, 0L);
        }
        // The first half, restored from the same checkpoint, writes its items since then again, interleaved anew.
        harness.processElement1(log.get(4), 0L);
        harness.processElement1(log.get(3), 0L);
        harness.processElement1(log.get(5), 0L);
        harness.processElement1(log.get(2), 0L);
        harness.processElement1(eventItem("bob", "bob-phone", event("c2", 3, "amy", "amy-1", "bob")), 0L);

        List<String> afterRestore = inbox(out());
        assertThat(beforeCrash).containsExactly("1=c1/1", "2=c2/1", "3=receipt@40", "4=c1/2", "5=c2/2", "6=c1/3");
        assertThat(afterRestore).containsExactlyElementsOf(
                Stream.concat(beforeCrash.subList(2, 6).stream(), Stream.of("7=c2/3"))
                        .toList());
    }
}
