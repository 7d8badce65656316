package org.parley.edge.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.projections.MemberReceipts;

class RecentMarksTest {
    private static final String DM = "dm:alice:bob";
    private static final Instant AT = Instant.parse("2026-12-07T08:00:00Z");
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final RecentMarks recent = new RecentMarks(10_000, now::get);

    private static Receipt mark(ReceiptStatus status, long seq) {
        return Receipt.newBuilder().setConversationId(DM).setSeq(seq).setStatus(status).setByUserId("bob")
                .setByDeviceId("bob-phone").setToUserId("alice").setAt(AT.plusSeconds(seq)).build();
    }

    @Test
    void aMarkNotProjectedYetCompletesTheStoredStatus() {
        recent.record(mark(ReceiptStatus.DELIVERED, 5));

        Map<String, MemberReceipts.Status> status = recent.merge(DM, 4, List.of("bob"), Map.of());

        assertThat(status).containsEntry("bob", new MemberReceipts.Status("bob", AT.plusSeconds(5), null));
        assertThat(recent.merge(DM, 6, List.of("bob"), Map.of())).as("a later message is not covered").isEmpty();
    }

    @Test
    void aStoredTimeWinsAndReadImpliesDelivered() {
        recent.record(mark(ReceiptStatus.READ, 5));
        MemberReceipts.Status stored = new MemberReceipts.Status("bob", AT, null);

        assertThat(recent.merge(DM, 3, List.of("bob"), Map.of("bob", stored)))
                .containsEntry("bob", new MemberReceipts.Status("bob", AT, AT.plusSeconds(5)));
        assertThat(recent.merge(DM, 3, List.of("bob"), Map.of()))
                .containsEntry("bob", new MemberReceipts.Status("bob", AT.plusSeconds(5), AT.plusSeconds(5)));
    }

    @Test
    void marksOnlyRise() {
        recent.record(mark(ReceiptStatus.DELIVERED, 7));
        recent.record(mark(ReceiptStatus.DELIVERED, 6)); // a replayed, older one

        assertThat(recent.merge(DM, 7, List.of("bob"), Map.of()).get("bob").deliveredAt()).isEqualTo(AT.plusSeconds(7));
    }

    @Test
    void entriesOlderThanTheWindowAreDropped() {
        recent.record(mark(ReceiptStatus.DELIVERED, 1));
        now.addAndGet(10_001);

        assertThat(recent.merge(DM, 1, List.of("bob"), Map.of())).isEmpty();
        assertThat(recent.size()).isZero();
    }
}
