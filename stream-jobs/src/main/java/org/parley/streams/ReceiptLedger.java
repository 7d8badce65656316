package org.parley.streams;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.parley.events.ClientAction;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

/**
 * Message status per member and per group. Each member has two watermarks per conversation, delivered up to and read
 * up to: a device receives its inbox in order, so acknowledging seq s means every earlier event reached the user
 * (the device that sent a message never receives it, and does not need to). In a group, a message is "delivered to
 * all" / "read by all" when every other member's watermark passes it: the lowest watermark decides, except for the
 * lowest member's own messages, which the second lowest decides. Each sender is told once per advance, cumulatively
 * ("all your messages up to seq").
 *
 * <p>Finding the lowest two watermarks must not cost a read of every member's watermark per ack (a 256-member group
 * acks each message 255 times). So the ledger keeps, per group and mark, the members ordered by effective watermark in
 * memory: a raise moves one member, and the lowest two are the first two. The order is derived from the store (built
 * from the members' watermarks on first use, after a membership change, and whenever this task starts), so the
 * changelog holds one record per ack, as before. It is kept for the {@value #ORDERED_GROUPS} most recently used
 * (group, mark) pairs.
 */
final class ReceiptLedger {
    static final String STORE = "member-watermarks";
    /** Aggregate receipts are by no single member. */
    static final String ALL_MEMBERS = "*";

    /** (group, mark) pairs whose member order is kept in memory. */
    static final int ORDERED_GROUPS = 256;

    private record Position(long effective, String member) implements Comparable<Position> {
        @Override
        public int compareTo(Position o) {
            int c = Long.compare(effective, o.effective);
            return c != 0 ? c : member.compareTo(o.member);
        }
    }

    private final KeyValueStore<String, Long> marks;
    private final MessageTargets targets;
    private final Map<String, java.util.TreeSet<Position>> ordered =
            new java.util.LinkedHashMap<>(ORDERED_GROUPS, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, java.util.TreeSet<Position>> eldest) {
                    return size() > ORDERED_GROUPS;
                }
            };

    ReceiptLedger(KeyValueStore<String, Long> marks, MessageTargets targets) {
        this.marks = marks;
        this.targets = targets;
    }

    enum Mark {
        DELIVERED("d"), READ("r");
        final String suffix;

        Mark(String suffix) {
            this.suffix = suffix;
        }
    }

    long mark(String conversationId, String userId, Mark m) {
        return value(key(conversationId, userId, m.suffix));
    }

    /** @return whether the watermark moved */
    private boolean raise(ConversationAccess c, String userId, Mark m, long seq) {
        String conv = c.conversationId();
        long before = mark(conv, userId, m);
        if (seq <= before) {
            return false;
        }
        marks.put(key(conv, userId, m.suffix), seq);
        java.util.TreeSet<Position> order = ordered.get(conv + '\u0000' + m.suffix);
        if (order != null && isAggregated(c) && c.isMember(userId)) {
            // The member sits at its effective watermark under the old mark: move it.
            long joined = c.joinedAt(userId) - 1;
            order.remove(new Position(Math.max(before, joined), userId));
            order.add(new Position(Math.max(seq, joined), userId));
        }
        return true;
    }

    /** The group's members ordered by effective watermark for one mark: kept, or built from their watermarks. */
    private java.util.TreeSet<Position> order(ConversationAccess c, Mark m) {
        String key = c.conversationId() + '\u0000' + m.suffix;
        java.util.TreeSet<Position> order = ordered.get(key);
        if (order == null) {
            order = new java.util.TreeSet<>();
            for (String member : c.members()) {
                order.add(new Position(Math.max(mark(c.conversationId(), member, m), c.joinedAt(member) - 1), member));
            }
            ordered.put(key, order);
        }
        return order;
    }

    /** Remembers the sender's latest message: its own messages are judged by the other members only. */
    void sent(String conversationId, String senderUserId, long seq) {
        marks.put(key(conversationId, senderUserId, "s"), seq);
    }

    /** A device of the acting user holds message {@code seq} from {@code toUserId}. */
    List<Receipt> delivered(ConversationAccess c, ClientAction a, long seq, String toUserId) {
        List<Receipt> out = new ArrayList<>();
        if (raise(c, a.getSenderUserId(), Mark.DELIVERED, seq) && !toUserId.equals(a.getSenderUserId())) {
            out.add(receipt(a.getConversationId(), seq, ReceiptStatus.DELIVERED, a.getSenderUserId(),
                    a.getSenderDeviceId(), toUserId, a.getReceivedAt()));
        }
        // Only delivered marks moved: "read by all" cannot have changed, and each aggregate scans every member.
        if (isAggregated(c)) {
            advance(c, Mark.DELIVERED, ReceiptStatus.DELIVERED_TO_ALL, a.getReceivedAt(), out);
        }
        return out;
    }

    /**
     * The acting user read up to {@code seq}. Its own devices are always told (read state syncs across them); in a
     * one-to-one chat the other member is told unless either side turned read receipts off; in a group the senders of
     * what it read are told only READ_BY_ALL (the reader's own READ is its per-member mark for the read model).
     */
    List<Receipt> read(ConversationAccess c, ClientAction a, long seq, java.util.function.Predicate<String> sharesReadReceipts) {
        String reader = a.getSenderUserId();
        if (!raise(c, reader, Mark.READ, seq)) {
            return List.of();
        }
        raise(c, reader, Mark.DELIVERED, seq);
        List<Receipt> out = new ArrayList<>();
        out.add(receipt(c.conversationId(), seq, ReceiptStatus.READ, reader, a.getSenderDeviceId(), reader, a.getReceivedAt()));
        if (c.isGroup()) {
            // No per-sender READ: in a group a member's read mark is state, kept by the read model from the reader's
            // own READ above and served on request (message_info, docs/adr/0014); senders are told READ_BY_ALL.
            out.addAll(aggregates(c, a.getReceivedAt()));
        } else {
            for (String other : c.members()) {
                if (!other.equals(reader) && sharesReadReceipts.test(reader) && sharesReadReceipts.test(other)) {
                    out.add(receipt(c.conversationId(), seq, ReceiptStatus.READ, reader, a.getSenderDeviceId(), other,
                            a.getReceivedAt()));
                }
            }
        }
        return out;
    }

    /** Membership changed: the lowest watermark may have moved (a laggard left). */
    List<Receipt> membersChanged(ConversationAccess c, Instant at) {
        // Members came or went (and their join seqs with them): the order is built again on next use.
        ordered.remove(c.conversationId() + '\u0000' + Mark.DELIVERED.suffix);
        ordered.remove(c.conversationId() + '\u0000' + Mark.READ.suffix);
        return aggregates(c, at);
    }

    private static boolean isAggregated(ConversationAccess c) {
        return c.isGroup() && c.members().size() >= 2;
    }

    private List<Receipt> aggregates(ConversationAccess c, Instant at) {
        if (!isAggregated(c)) {
            return List.of();
        }
        List<Receipt> out = new ArrayList<>();
        advance(c, Mark.DELIVERED, ReceiptStatus.DELIVERED_TO_ALL, at, out);
        advance(c, Mark.READ, ReceiptStatus.READ_BY_ALL, at, out);
        return out;
    }

    /**
     * Moves one aggregate forward. Every message up to the lowest watermark (L1) is had by all; the lowest member's
     * own messages up to the second lowest (L2). The global frontier remembers L1, so each message is scanned once as
     * the frontier passes it; per-sender frontiers keep each sender from being told twice.
     */
    private void advance(ConversationAccess c, Mark m, ReceiptStatus status, Instant at, List<Receipt> out) {
        String conv = c.conversationId();
        // The lowest two effective watermarks (a member never receives what came before it joined: it counts as
        // having it).
        java.util.Iterator<Position> lowestFirst = order(c, m).iterator();
        String lowest = null;
        long l1 = Long.MAX_VALUE;
        long l2 = Long.MAX_VALUE;
        if (lowestFirst.hasNext()) {
            Position first = lowestFirst.next();
            l1 = first.effective();
            lowest = first.member();
        }
        if (lowestFirst.hasNext()) {
            l2 = lowestFirst.next().effective();
        }
        String frontierKey = key(conv, "", m.suffix);
        long frontier = value(frontierKey);
        java.util.Map<String, Long> toTell = new java.util.LinkedHashMap<>();
        if (l1 > frontier) {
            targets.lastSeqBySender(conv, frontier, l1).forEach(toTell::put);
            marks.put(frontierKey, l1);
        }
        // The laggard's own messages: only when it has sent something the others all hold and it was not told of.
        long lowestTold = value(key(conv, lowest, "a" + m.suffix));
        long lowestLastSent = value(key(conv, lowest, "s"));
        long from = Math.max(Math.max(frontier, l1), lowestTold);
        if (lowestLastSent > from && l2 > from) {
            Long last = targets.lastSeqBySender(conv, from, Math.min(l2, lowestLastSent)).get(lowest);
            if (last != null) {
                toTell.merge(lowest, last, Math::max);
            }
        }
        for (java.util.Map.Entry<String, Long> e : toTell.entrySet()) {
            String toldKey = key(conv, e.getKey(), "a" + m.suffix);
            if (e.getValue() > value(toldKey)) {
                marks.put(toldKey, e.getValue());
                out.add(receipt(conv, e.getValue(), status, ALL_MEMBERS, ALL_MEMBERS, e.getKey(), at));
            }
        }
    }

    private static String key(String conversationId, String userId, String what) {
        return conversationId + '\u0000' + userId + '\u0000' + what;
    }

    private long value(String key) {
        Long v = marks.get(key);
        return v == null ? 0 : v;
    }

    static Receipt receipt(String conversationId, long seq, ReceiptStatus status, String by, String byDevice, String to,
                           Instant at) {
        return Receipt.newBuilder().setConversationId(conversationId).setSeq(seq).setStatus(status).setByUserId(by)
                .setByDeviceId(byDevice).setToUserId(to).setAt(at).build();
    }
}
