package org.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

class MemberMarksTest {
    private static Receipt receipt(String conversation, ReceiptStatus status, String by, String to) {
        return Receipt.newBuilder().setConversationId(conversation).setSeq(7).setStatus(status).setByUserId(by)
                .setByDeviceId(by + "-d1").setToUserId(to).setAt(Instant.EPOCH).build();
    }

    @Test
    void aMembersDeliveredOrReadToAnotherMemberIsAMark() {
        assertThat(MemberMarks.isMark(receipt("dm:alice:bob", ReceiptStatus.DELIVERED, "bob", "alice"))).isTrue();
        assertThat(MemberMarks.isMark(receipt("dm:alice:bob", ReceiptStatus.READ, "bob", "alice"))).isTrue();
        assertThat(MemberMarks.isMark(receipt("g:abcdefgh", ReceiptStatus.DELIVERED, "bob", "alice"))).isTrue();
    }

    @Test
    void aReadersOwnReadAndTheGroupAggregatesAreNotMarks() {
        assertThat(MemberMarks.isMark(receipt("dm:alice:bob", ReceiptStatus.READ, "bob", "bob"))).isFalse();
        assertThat(MemberMarks.isMark(receipt("g:abcdefgh", ReceiptStatus.DELIVERED_TO_ALL, "*", "alice"))).isFalse();
        assertThat(MemberMarks.isMark(receipt("g:abcdefgh", ReceiptStatus.READ_BY_ALL, "*", "alice"))).isFalse();
    }

    @Test
    void onlyOneToOneMarksAreRelayedLive() {
        assertThat(MemberMarks.isLive(receipt("dm:alice:bob", ReceiptStatus.DELIVERED, "bob", "alice"))).isTrue();
        assertThat(MemberMarks.isLive(receipt("dm:alice:bob", ReceiptStatus.READ, "bob", "alice"))).isTrue();
        assertThat(MemberMarks.isLive(receipt("g:abcdefgh", ReceiptStatus.DELIVERED, "bob", "alice"))).isFalse();
        assertThat(MemberMarks.isLive(receipt("dm:alice:bob", ReceiptStatus.READ, "bob", "bob"))).isFalse();
    }
}
