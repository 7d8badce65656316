package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.fanout.Fixtures.device;
import static org.parley.fanout.Fixtures.event;
import static org.parley.fanout.Fixtures.receipt;
import static org.parley.fanout.Fixtures.revoked;

import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.events.DeviceItem;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.events.Receipt;

class UserDeviceDirectoryTest {
    private KeyedTwoInputStreamOperatorTestHarness<String, MemberItem, DeviceRecord, DeviceItem> harness;

    static KeyedTwoInputStreamOperatorTestHarness<String, MemberItem, DeviceRecord, DeviceItem> newHarness()
            throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<String, MemberItem, DeviceRecord, DeviceItem> h =
                new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new UserDeviceDirectory()),
                        new KeySelectors.MemberItemUser(), new KeySelectors.DeviceRecordUser(), Types.STRING);
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
            harness.processElement1(MemberItem.ofEvent(user, exclude, e), 0L);
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
        harness.processElement2(device("alice", "alice-phone"), 0L);
        harness.processElement2(device("alice", "alice-laptop"), 0L);
        harness.processElement2(device("bob", "bob-phone"), 0L);
        harness.processElement2(device("bob", "bob-tablet"), 0L);
        harness.processElement2(device("carol", "carol-phone"), 0L); // not a member

        expand(event("c1", 1, "alice", "alice-phone", "alice", "bob"));

        assertThat(deliveredTo()).containsExactlyInAnyOrder("alice-laptop:c1/1", "bob-phone:c1/1", "bob-tablet:c1/1");
        assertThat(harness.extractOutputValues()).allSatisfy(d -> {
            assertThat(d.getUserId()).isEqualTo(d.getDeviceId().substring(0, d.getDeviceId().indexOf('-')));
            assertThat(d.getReceipt()).isNull();
        });
    }

    @Test
    void aRevokedDeviceGetsNothing() throws Exception {
        harness.processElement2(device("bob", "bob-phone"), 0L);
        harness.processElement2(device("bob", "bob-old"), 0L);
        harness.processElement2(revoked("bob", "bob-old"), 0L);

        expand(event("c1", 1, "alice", "alice-phone", "alice", "bob"));

        assertThat(deliveredTo()).containsExactly("bob-phone:c1/1");
    }

    @Test
    void aDeviceRegisteredLaterGetsOnlyLaterItems() throws Exception {
        harness.processElement2(device("bob", "bob-phone"), 0L);
        expand(event("c1", 1, "alice", "alice-phone", "bob"));
        harness.processElement2(device("bob", "bob-laptop"), 0L);
        expand(event("c1", 2, "alice", "alice-phone", "bob"));

        assertThat(deliveredTo()).containsExactlyInAnyOrder("bob-phone:c1/1", "bob-phone:c1/2", "bob-laptop:c1/2");
    }

    @Test
    void aReceiptGoesToAllDevicesOfItsRecipientOnly() throws Exception {
        harness.processElement2(device("alice", "alice-phone"), 0L);
        harness.processElement2(device("alice", "alice-laptop"), 0L);
        harness.processElement2(device("bob", "bob-phone"), 0L);
        Receipt r = Fixtures.toAll("g:books-club", 1, "alice");

        new MemberExpansion.OfReceipt().flatMap(r, new org.apache.flink.util.Collector<>() {
            @Override
            public void collect(MemberItem item) {
                try {
                    harness.processElement1(item, 0L);
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
    void theDirectorySurvivesSnapshotAndRestore() throws Exception {
        harness.processElement2(device("bob", "bob-phone"), 0L);
        harness.processElement2(device("bob", "bob-laptop"), 0L);
        harness.processElement2(revoked("bob", "bob-laptop"), 0L);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        expand(event("c1", 5, "alice", "alice-phone", "bob"));

        assertThat(deliveredTo()).containsExactly("bob-phone:c1/5");
    }
}
