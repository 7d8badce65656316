package org.parley.fanout;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;
import org.parley.schemas.Envelopes;
import org.parley.serde.TrustedEventClasses;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.Receipt;
import org.parley.schemas.MemberMarks;

/**
 * The first fan-out step: who must hear about a record, at user granularity.
 *
 * <ul>
 *   <li>A {@link ConversationEvent} goes to every member at its seq ({@code memberUserIds}, duplicates ignored;
 *       the copy that goes on to the devices has an empty member list),
 *       the sender included so that the sender's <em>other</em> devices see what was sent; the sending device
 *       itself is excluded ({@link MemberItem#excludeDeviceId}), except for {@code MUTE_CHANGED}: every device of
 *       the user, the muting one included, keeps the mute for its push decision ({@link PushDecision}).</li>
 *   <li>A {@link Receipt} goes to {@code toUserId} only (the sender of the acknowledged message). If the
 *       acknowledging device belongs to that same user (a user's own device reading a message the user sent from
 *       another device), that device is excluded: it already knows. A member's mark (one member's DELIVERED or READ
 *       told to another member, {@link MemberMarks#isMark}) goes nowhere: it is state, kept by the read model,
 *       relayed live by the edges in a one-to-one chat and served on request ({@code messageInfo}); a group's
 *       senders hear the aggregates (DELIVERED_TO_ALL, READ_BY_ALL) and a reader's own devices its READ
 *       (docs/adr/0014).</li>
 * </ul>
 *
 * Stateless, so it runs chained to its Kafka source with no network hop. Two functions, one per input type.
 */
public final class MemberExpansion {
    private MemberExpansion() {
    }

    /** {@link ConversationEvent} → one {@link MemberItem} per member user. */
    public static final class OfEvent implements FlatMapFunction<ConversationEvent, MemberItem> {
        private static final long serialVersionUID = 1L;

        static {
            TrustedEventClasses.install();
        }

        @Override
        public void flatMap(ConversationEvent event, Collector<MemberItem> out) {
            List<String> members = event.getMemberUserIds();
            if (members == null || members.isEmpty()) {
                return;
            }
            Set<String> seen = new LinkedHashSet<>(members);
            // Devices never need the member list, and it is what makes a large group's per-device records big: a
            // 1024-member list is ~15 KB, copied into every device's item, delivery and inbox row.
            ConversationEvent forDevices = ConversationEvent.newBuilder(event).setMemberUserIds(List.of()).build();
            for (String userId : seen) {
                if (userId == null) {
                    continue;
                }
                // A mute is per-user state that every device keys its push decision on, the muting device included.
                String exclude = userId.equals(event.getSenderUserId()) && event.getType() != EventType.MUTE_CHANGED
                        ? event.getSenderDeviceId() : null;
                // Only this member's envelopes: the item is one record of user-items per member (ADR 0006).
                out.collect(MemberItem.ofEvent(userId, exclude, Envelopes.forUser(forDevices, userId)));
            }
        }
    }

    /** {@link Receipt} → one {@link MemberItem} for {@code toUserId}. */
    public static final class OfReceipt implements FlatMapFunction<Receipt, MemberItem> {
        private static final long serialVersionUID = 1L;

        static {
            TrustedEventClasses.install();
        }

        @Override
        public void flatMap(Receipt receipt, Collector<MemberItem> out) {
            String to = receipt.getToUserId();
            if (to == null || to.isEmpty() || MemberMarks.isMark(receipt)) {
                return;
            }
            String exclude = to.equals(receipt.getByUserId()) ? receipt.getByDeviceId() : null;
            out.collect(MemberItem.ofReceipt(to, exclude, receipt));
        }
    }
}
