package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

/** Which receipts become per-member marks ({@code member_receipts}, docs/adr/0014). */
class MemberReceiptsTest {
    private static final String G = "g:book-club-1";
    private static final String DM = "dm:alice:bob";
    private static final Instant AT = Instant.parse("2026-12-06T10:00:00Z");

    private static Receipt receipt(String conv, ReceiptStatus status, long seq, String by, String to) {
        return Receipt.newBuilder().setConversationId(conv).setSeq(seq).setStatus(status).setByUserId(by)
                .setByDeviceId(by + "-phone").setToUserId(to).setAt(AT).build();
    }

    @Test
    void aGroupMembersDeliveredIsItsDeliveredMark() {
        assertThat(MemberReceipts.of(receipt(G, ReceiptStatus.DELIVERED, 7, "bob", "alice")))
                .contains(new MemberReceipts.Entry(G, "bob", MemberReceipts.Mark.DELIVERED, 7, AT));
    }

    @Test
    void inAGroupTheReadersOwnReadIsItsReadMark() {
        assertThat(MemberReceipts.of(receipt(G, ReceiptStatus.READ, 9, "carol", "carol")))
                .contains(new MemberReceipts.Entry(G, "carol", MemberReceipts.Mark.READ, 9, AT));
    }

    @Test
    void oneToOneTheOtherMembersMarksAreRowsAndTheReadersOwnReadIsNot() {
        // The marks no longer reach the sender through the inbox (docs/adr/0014): the row is what an offline device
        // and messageInfo read.
        assertThat(MemberReceipts.of(receipt(DM, ReceiptStatus.DELIVERED, 4, "bob", "alice")))
                .contains(new MemberReceipts.Entry(DM, "bob", MemberReceipts.Mark.DELIVERED, 4, AT));
        assertThat(MemberReceipts.of(receipt(DM, ReceiptStatus.READ, 4, "bob", "alice")))
                .contains(new MemberReceipts.Entry(DM, "bob", MemberReceipts.Mark.READ, 4, AT));
        // Bob's own READ only syncs his devices: with read receipts off it is the only READ, and must write no mark.
        assertThat(MemberReceipts.of(receipt(DM, ReceiptStatus.READ, 4, "bob", "bob"))).isEmpty();
    }

    @Test
    void aGroupReadToldToSomeoneElseIsNoMark() {
        // The sequencer sends none since ADR 0014; were one replayed from an older log, the reader's own READ counts.
        assertThat(MemberReceipts.of(receipt(G, ReceiptStatus.READ, 4, "bob", "alice"))).isEmpty();
    }

    @Test
    void aggregatesAreNoMembersMark() {
        assertThat(MemberReceipts.of(receipt(G, ReceiptStatus.DELIVERED_TO_ALL, 7, "*", "alice"))).isEmpty();
        assertThat(MemberReceipts.of(receipt(G, ReceiptStatus.READ_BY_ALL, 7, "*", "alice"))).isEmpty();
    }

    @Test
    void bucketsHold65536Seqs() {
        assertThat(MemberReceipts.bucket(1)).isZero();
        assertThat(MemberReceipts.bucket(65_535)).isZero();
        assertThat(MemberReceipts.bucket(65_536)).isEqualTo(1);
    }
}
