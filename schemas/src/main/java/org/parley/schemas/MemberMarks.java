package org.parley.schemas;

import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

/**
 * Which receipts are a member's mark (docs/adr/0014): one member's {@code DELIVERED} or {@code READ} told to another
 * member. A mark is state, not an inbox item: the fan-out does not deliver it, the projection writer keeps it in
 * {@code member_receipts}, and in a one-to-one chat every edge hands it to the other member's connected devices as
 * it is sequenced. Everything else a receipt can be (a reader's own {@code READ} syncing its devices, a group's
 * {@code DELIVERED_TO_ALL} / {@code READ_BY_ALL}) still goes through the inbox.
 */
public final class MemberMarks {
    private MemberMarks() {
    }

    /** One member's DELIVERED or READ, told to another member: state, never an inbox item. */
    public static boolean isMark(Receipt r) {
        String by = r.getByUserId();
        return (r.getStatus() == ReceiptStatus.DELIVERED || r.getStatus() == ReceiptStatus.READ)
                && by != null && !by.isEmpty() && !"*".equals(by) && !by.equals(r.getToUserId());
    }

    /** A mark in a one-to-one chat: relayed live by the edges to the other member's connected devices. */
    public static boolean isLive(Receipt r) {
        return isMark(r) && !Conversations.isGroup(r.getConversationId());
    }
}
