package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.fanout.Fixtures.device;
import static org.parley.fanout.Fixtures.event;
import static org.parley.fanout.Fixtures.receipt;
import static org.parley.fanout.Fixtures.revoked;

import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.events.DeviceItem;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.events.Receipt;

class UserDeviceDirectoryTest {
    private KeyedOneInputStreamOperatorTestHarness<String, MemberItem, DeviceItem> harness;

    static KeyedOneInputStreamOperatorTestHarness<String, MemberItem, DeviceItem> newHarness() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, MemberItem, DeviceItem> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new UserDeviceDirectory()),
                        new KeySelectors.MemberItemUser(), Types.STRING);
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

    private void expand(ConversationEvent e) throws Exception {
        for (String user : e.getMemberUserIds()) {
            String exclude = user.equals(e.getSenderUserId()) ? e.getSenderDeviceId() : null;
            harness.processElement(MemberItem.ofEvent(user, exclude, e), 0L);
        }
    }

    private List<String> deliveredTo() {
        return harness.extractOutputValues().stream()
                .map(d -> d.getDeviceId() + ":"
                        + (d.getEvent() != null ? d.getEvent().getEventId() : "receipt " + d.getReceipt().getSeq()))
                .toList();
    }

    @Test
    void everyDeviceOfEveryMemberGetsTheEventButTheSendingDevice() throws Exception {
        harness.processElement(MemberItem.ofDevice(device("alice", "alice-phone")), 0L);
        harness.processElement(MemberItem.ofDevice(device("alice", "alice-laptop")), 0L);
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-tablet")), 0L);
        harness.processElement(MemberItem.ofDevice(device("carol", "carol-phone")), 0L); // not a member

        expand(event("c1", 1, "alice", "alice-phone", "alice", "bob"));

        assertThat(deliveredTo()).containsExactlyInAnyOrder("alice-laptop:c1/1", "bob-phone:c1/1", "bob-tablet:c1/1");
        assertThat(harness.extractOutputValues()).allSatisfy(d -> {
            assertThat(d.getUserId()).isEqualTo(d.getDeviceId().substring(0, d.getDeviceId().indexOf('-')));
            assertThat(d.getReceipt()).isNull();
        });
    }

    @Test
    void aRevokedDeviceGetsNothingEvenWhenItsRegistrationComesAgain() throws Exception {
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-old")), 0L);
        harness.processElement(MemberItem.ofDevice(revoked("bob", "bob-old")), 0L);
        // After a restore the stateless first half writes device records again, behind the originals.
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-old")), 0L);

        expand(event("c1", 1, "alice", "alice-phone", "alice", "bob"));

        assertThat(deliveredTo()).containsExactly("bob-phone:c1/1");
    }

    @Test
    void aDeviceRegisteredLaterGetsOnlyLaterItems() throws Exception {
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        expand(event("c1", 1, "alice", "alice-phone", "bob"));
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-laptop")), 0L);
        expand(event("c1", 2, "alice", "alice-phone", "bob"));

        assertThat(deliveredTo()).containsExactlyInAnyOrder("bob-phone:c1/1", "bob-phone:c1/2", "bob-laptop:c1/2");
    }

    @Test
    void aReceiptGoesToAllDevicesOfItsRecipientOnly() throws Exception {
        harness.processElement(MemberItem.ofDevice(device("alice", "alice-phone")), 0L);
        harness.processElement(MemberItem.ofDevice(device("alice", "alice-laptop")), 0L);
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        Receipt r = Fixtures.toAll("g:books-club", 1, "alice");

        new MemberExpansion.OfReceipt().flatMap(r, new org.apache.flink.util.Collector<>() {
            @Override
            public void collect(MemberItem item) {
                try {
                    harness.processElement(item, 0L);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void close() {
            }
        });

        assertThat(deliveredTo()).containsExactlyInAnyOrder("alice-phone:receipt 1", "alice-laptop:receipt 1");
        assertThat(harness.extractOutputValues()).allSatisfy(d -> assertThat(d.getReceipt()).isEqualTo(r));
    }

    @Test
    void aUserWithoutDevicesGetsNothingAndNoStateIsCreatedForIt() throws Exception {
        expand(event("c1", 1, "alice", "alice-phone", "bob"));

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aDeviceChangeIsDeliveredToNoDevice() throws Exception {
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-laptop")), 0L);

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void afterARestoreADeviceRegisteredSinceTheSnapshotGetsWhatFollowsItsRegistrationInTheLog() throws Exception {
        // The state of a checkpoint taken before bob linked his laptop; the log read again from there holds the
        // laptop's registration ahead of the items written after it, so the laptop gets them again, whatever the
        // timing of the replay (what the two-input directory got wrong: FanoutCrashIT, ADR 0006).
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        OperatorSubtaskState beforeTheLaptop = harness.snapshot(1L, 1L);
        List<MemberItem> log = List.of(MemberItem.ofDevice(device("bob", "bob-laptop")),
                MemberItem.ofEvent("bob", null, event("c1", 1, "alice", "alice-phone", "bob")),
                MemberItem.ofEvent("bob", "bob-phone", Fixtures.event("c2", 4, "bob", "bob-phone", "bob", "carol")));
        for (MemberItem m : log) {
            harness.processElement(m, 0L);
        }
        List<String> firstRun = deliveredTo();
        harness.close();

        harness = newHarness();
        harness.initializeState(beforeTheLaptop);
        harness.open();
        for (MemberItem m : log) {
            harness.processElement(m, 0L);
        }

        assertThat(firstRun).containsExactlyInAnyOrder("bob-phone:c1/1", "bob-laptop:c1/1", "bob-laptop:c2/4");
        assertThat(deliveredTo()).containsExactlyInAnyOrderElementsOf(firstRun);
    }

    @Test
    void theDirectorySurvivesSnapshotAndRestore() throws Exception {
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-phone")), 0L);
        harness.processElement(MemberItem.ofDevice(device("bob", "bob-laptop")), 0L);
        harness.processElement(MemberItem.ofDevice(revoked("bob", "bob-laptop")), 0L);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        expand(event("c1", 5, "alice", "alice-phone", "bob"));

        assertThat(deliveredTo()).containsExactly("bob-phone:c1/5");
    }
}
