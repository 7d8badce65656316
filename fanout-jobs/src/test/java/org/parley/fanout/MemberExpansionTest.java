package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.fanout.Fixtures.event;
import static org.parley.fanout.Fixtures.receipt;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

class MemberExpansionTest {

    @Test
    void anEventGoesToEveryMemberOnceAndExcludesOnlyTheSendingDevice() {
        ConversationEvent e = event("c1", 7, "alice", "alice-phone", "alice", "bob", "carol", "bob");

        List<MemberItem> out = collect(c -> new MemberExpansion.OfEvent().flatMap(e, c));

        assertThat(out).extracting(i -> i.userId).containsExactly("alice", "bob", "carol");
        assertThat(out).allSatisfy(i -> {
            assertThat(i.position).as("an event's position is its seq").isEqualTo(7L);
            assertThat(i.event).as("the event without its member list")
                    .isEqualTo(ConversationEvent.newBuilder(e).setMemberUserIds(List.of()).build());
            assertThat(i.receipt).isNull();
        });
        // The sender's own user gets it (for her other devices), minus the device that sent it.
        assertThat(out.get(0).excludeDeviceId).isEqualTo("alice-phone");
        assertThat(out.get(0).event).as("one copy for all members").isSameAs(out.get(1).event);
        assertThat(e.getMemberUserIds()).as("the input is not changed").hasSize(4);
        assertThat(out.get(1).excludeDeviceId).isNull();
        assertThat(out.get(2).excludeDeviceId).isNull();
    }

    @Test
    void aMuteGoesToEveryDeviceOfTheMutingUserTheMutingDeviceIncluded() {
        ConversationEvent e = event("c1", 8, "bob", "bob-phone", "bob");
        e.setType(org.parley.events.EventType.MUTE_CHANGED);
        e.setPrivateToUserId("bob");
        e.setMuteUntil(Long.MAX_VALUE);

        assertThat(collect(c -> new MemberExpansion.OfEvent().flatMap(e, c))).singleElement().satisfies(i -> {
            assertThat(i.userId).isEqualTo("bob");
            assertThat(i.excludeDeviceId).isNull();
        });
    }

    @Test
    void anEventWithoutMembersGoesNowhere() {
        ConversationEvent e = event("c1", 1, "alice", "alice-phone");

        assertThat(collect(c -> new MemberExpansion.OfEvent().flatMap(e, c))).isEmpty();
    }

    @Test
    void aReceiptGoesOnlyToTheMessagesSender() {
        Receipt r = Fixtures.toAll("g:books-club", 7, "alice");

        List<MemberItem> out = collect(c -> new MemberExpansion.OfReceipt().flatMap(r, c));

        assertThat(out).singleElement().satisfies(i -> {
            assertThat(i.userId).isEqualTo("alice");
            assertThat(i.receipt).isSameAs(r);
            assertThat(i.event).isNull();
            assertThat(i.excludeDeviceId).isNull();
        });
    }

    @Test
    void aMembersMarksAreStateAndGoNowhereInGroupsAndOneToOneChats() {
        for (String conversation : List.of("g:books-club", "dm:alice:bob")) {
            for (ReceiptStatus status : List.of(ReceiptStatus.DELIVERED, ReceiptStatus.READ)) {
                Receipt r = receipt(conversation, 7, "bob", "bob-phone", "alice");
                r.setStatus(status);
                assertThat(collect(c -> new MemberExpansion.OfReceipt().flatMap(r, c)))
                        .as("%s by a member of %s", status, conversation).isEmpty();
            }
        }
    }

    @Test
    void aGroupsAggregatesAndAReadersOwnReadStillReachDevices() {
        Receipt all = receipt("g:books-club", 7, "*", "*", "alice");
        all.setStatus(ReceiptStatus.DELIVERED_TO_ALL);
        Receipt readAll = receipt("g:books-club", 7, "*", "*", "alice");
        readAll.setStatus(ReceiptStatus.READ_BY_ALL);
        Receipt ownRead = receipt("g:books-club", 9, "bob", "bob-phone", "bob");

        assertThat(collect(c -> {
            MemberExpansion.OfReceipt f = new MemberExpansion.OfReceipt();
            f.flatMap(all, c);
            f.flatMap(readAll, c);
            f.flatMap(ownRead, c);
        })).extracting(i -> i.receipt.getStatus() + "->" + i.userId + " except " + i.excludeDeviceId)
                .containsExactly("DELIVERED_TO_ALL->alice except null", "READ_BY_ALL->alice except null",
                        "READ->bob except bob-phone");
    }

    @Test
    void aReceiptFromTheSendersOwnOtherDeviceExcludesThatDevice() {
        Receipt r = receipt("c1", 7, "alice", "alice-laptop", "alice");

        assertThat(collect(c -> new MemberExpansion.OfReceipt().flatMap(r, c)))
                .singleElement().extracting(i -> i.excludeDeviceId).isEqualTo("alice-laptop");
    }

    @Test
    void eachMemberGetsOnlyTheKeyDistributionEnvelopesOfItsOwnDevices() {
        ConversationEvent e = event("g:club", 3, "alice", "a1", "alice", "bob", "carol");
        e.setEnvelopes(List.of(envelope("a2", "alice"), envelope("b1", "bob"), envelope("b2", "bob"),
                envelope("c1", "carol")));

        assertThat(collect(c -> new MemberExpansion.OfEvent().flatMap(e, c)))
                .extracting(i -> i.userId + ":" + i.event.getEnvelopes().stream()
                        .map(DeviceEnvelope::getDeviceId).toList())
                .containsExactly("alice:[a2]", "bob:[b1, b2]", "carol:[c1]");
    }

    private static DeviceEnvelope envelope(String device, String user) {
        return DeviceEnvelope.newBuilder().setDeviceId(device).setUserId(user).setType(EnvelopeType.MESSAGE)
                .setBody(java.nio.ByteBuffer.wrap(device.getBytes())).build();
    }

    @Test
    void runsInAnOperatorHarness() throws Exception {
        try (OneInputStreamOperatorTestHarness<ConversationEvent, MemberItem> harness =
                new OneInputStreamOperatorTestHarness<>(new StreamFlatMap<>(new MemberExpansion.OfEvent()))) {
            Fixtures.disableGenericTypes(harness.getExecutionConfig());
            harness.open();
            harness.processElement(event("c1", 1, "alice", "a1", "alice", "bob"), 10L);
            harness.processElement(event("c2", 1, "bob", "b1", "bob", "carol", "dave"), 11L);

            assertThat(harness.extractOutputValues()).extracting(i -> i.event.getEventId() + "->" + i.userId)
                    .containsExactly("c1/1->alice", "c1/1->bob", "c2/1->bob", "c2/1->carol", "c2/1->dave");
            // Stateless and not keyed: it has no timer service at all, hence no timers to leak.
        }
    }

    private interface Body {
        void run(Collector<MemberItem> c) throws Exception;
    }

    private static List<MemberItem> collect(Body body) {
        List<MemberItem> out = new ArrayList<>();
        try {
            body.run(new Collector<>() {
                @Override
                public void collect(MemberItem record) {
                    out.add(record);
                }

                @Override
                public void close() {
                }
            });
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return out;
    }

    @Test
    void aReceiptsPositionIsItsOffsetInTheReceiptsLogAndEachDeviceItemKeepsIt() {
        Receipt placed = Fixtures.toAll("g:books-club", 7, "alice");
        placed.setLogOffset(42L);
        Receipt unplaced = Fixtures.toAll("g:books-club", 8, "alice");

        MemberItem item = collect(c -> new MemberExpansion.OfReceipt().flatMap(placed, c)).get(0);
        assertThat(item.position).isEqualTo(42L);
        assertThat(item.forDevice("alice-phone")).satisfies(d -> {
            assertThat(d.getDeviceId()).isEqualTo("alice-phone");
            assertThat(d.getUserId()).isEqualTo("alice");
            assertThat(d.getPosition()).isEqualTo(42L);
            assertThat(d.getReceipt()).isSameAs(placed);
            assertThat(d.getEvent()).isNull();
        });
        assertThat(collect(c -> new MemberExpansion.OfReceipt().flatMap(unplaced, c)).get(0).position)
                .as("no offset: never taken for a replay").isEqualTo(Long.MIN_VALUE);
    }
}
