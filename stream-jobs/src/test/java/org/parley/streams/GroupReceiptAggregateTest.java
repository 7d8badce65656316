package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.GroupMember;
import org.parley.events.GroupSnapshot;
import org.parley.events.GroupState;
import org.parley.events.MessageRef;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

/**
 * The group aggregates (delivered to all, read by all) against a brute-force oracle, and their cost per ack: the
 * ordered watermark index must find the lowest two members without reading every member's watermark.
 */
class GroupReceiptAggregateTest {
    private static final String G = "g:aggregate";
    private final SequencerFixture f = new SequencerFixture();

    @AfterEach
    void close() {
        f.close();
    }

    /**
     * Random traffic in a 12-member group (messages from random members, members joining and leaving, delivered and
     * read acks in random cumulative steps): after every action, the last aggregate each sender was told equals the
     * highest of its messages that every other member (who was a member when it was sent) has.
     */
    @Test
    void aggregatesMatchABruteForceOracleUnderRandomTraffic() {
        Random random = new Random(20261206);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            members.add("u" + i);
        }
        f.accepted(f.createGroup(G, "u0", "Aggregates", members.subList(1, members.size()).toArray(String[]::new)));
        Map<String, Long> joinedAt = new HashMap<>();
        members.forEach(m -> joinedAt.put(m, 1L));
        List<String> outsiders = new ArrayList<>(List.of("x1", "x2", "x3"));
        Map<Long, String> senderOf = new TreeMap<>();
        Map<String, Long> delivered = new HashMap<>();
        Map<String, Long> read = new HashMap<>();
        Map<String, Long> toldDelivered = new HashMap<>();
        Map<String, Long> toldRead = new HashMap<>();
        long head = 1;
        for (int step = 0; step < 600; step++) {
            int dice = random.nextInt(100);
            if (dice < 30) {
                String sender = members.get(random.nextInt(members.size()));
                head = f.accepted(f.message(G, sender, "m" + step));
                senderOf.put(head, sender);
            } else if (dice < 33 && !outsiders.isEmpty()) {
                String joiner = outsiders.remove(0);
                head = f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "u0", joiner));
                members.add(joiner);
                joinedAt.put(joiner, head);
            } else if (dice < 35 && members.size() > 3) {
                String leaver = members.get(1 + random.nextInt(members.size() - 1));
                head = f.accepted(f.subjects(ActionType.REMOVE_MEMBER, G, "u0", leaver));
                members.remove(leaver);
                delivered.remove(leaver);
                read.remove(leaver);
            } else {
                String member = members.get(random.nextInt(members.size()));
                boolean isRead = random.nextInt(4) == 0;
                long from = Math.max(isRead ? read.getOrDefault(member, 0L) : delivered.getOrDefault(member, 0L),
                        joinedAt.get(member) - 1);
                if (from >= head) {
                    continue;
                }
                long upTo = from + 1 + random.nextInt((int) (head - from));
                if (isRead) {
                    f.pipe(f.onTarget(ActionType.READ_RECEIPT, G, member, upTo));
                    read.put(member, upTo);
                    delivered.merge(member, upTo, Math::max);
                } else {
                    String to = senderOf.getOrDefault(upTo, "u0");
                    f.pipe(f.onTarget(ActionType.DELIVERY_RECEIPT, G, member, upTo).setTargetUserId(to));
                    delivered.merge(member, upTo, Math::max);
                }
            }
            for (Receipt r : f.receipts.readValuesToList()) {
                if (r.getStatus() == ReceiptStatus.DELIVERED_TO_ALL) {
                    toldDelivered.merge(r.getToUserId(), r.getSeq(), Math::max);
                } else if (r.getStatus() == ReceiptStatus.READ_BY_ALL) {
                    toldRead.merge(r.getToUserId(), r.getSeq(), Math::max);
                }
            }
            for (String sender : members) {
                assertThat(toldDelivered.getOrDefault(sender, 0L)).as("delivered to all, to %s at step %d", sender, step)
                        .isEqualTo(expected(sender, members, joinedAt, delivered, senderOf));
                assertThat(toldRead.getOrDefault(sender, 0L)).as("read by all, to %s at step %d", sender, step)
                        .isEqualTo(expected(sender, members, joinedAt, read, senderOf));
            }
        }
    }

    /** The highest message of {@code sender} that every other current member holds (0: none). */
    private static long expected(String sender, List<String> members, Map<String, Long> joinedAt,
                                 Map<String, Long> marks, Map<Long, String> senderOf) {
        long best = 0;
        for (Map.Entry<Long, String> m : senderOf.entrySet()) {
            if (!m.getValue().equals(sender)) {
                continue;
            }
            long seq = m.getKey();
            boolean all = members.stream().filter(o -> !o.equals(sender))
                    .allMatch(o -> Math.max(marks.getOrDefault(o, 0L), joinedAt.get(o) - 1) >= seq);
            if (all) {
                best = seq;
            }
        }
        return best;
    }

    /** One ack in a 500-member group reads a handful of keys, not one watermark per member. */
    @Test
    void anAckInALargeGroupDoesNotReadEveryMembersWatermark() {
        AtomicInteger reads = new AtomicInteger();
        KeyValueStore<String, Long> marks = sortedStore(reads);
        MessageTargets targets = new MessageTargets(sortedStore(new AtomicInteger()));
        ReceiptLedger ledger = new ReceiptLedger(marks, targets);
        Map<String, GroupMember> members = new TreeMap<>();
        for (int i = 0; i < 500; i++) {
            members.put(String.format("m%03d", i), new GroupMember(i == 0, 1L));
        }
        GroupState state = new GroupState(GroupSnapshot.newBuilder().setName("big").setCreatedBy("m000")
                .setAdminUserIds(List.of("m000")).build(), members);
        ConversationAccess c = ConversationAccess.of(G, state).orElseThrow();
        ledger.membersChanged(c, Instant.EPOCH);
        for (long seq = 2; seq <= 4; seq++) {
            targets.remember(G, seq, new MessageRef("m000", 0L, false, null));
            ledger.sent(G, "m000", seq);
        }

        List<Integer> perAck = new ArrayList<>();
        List<Receipt> out = new ArrayList<>();
        for (String member : members.keySet()) {
            if (member.equals("m000")) {
                continue;
            }
            reads.set(0);
            out.addAll(ledger.delivered(c, ack(member, 4), 4, "m000"));
            perAck.add(reads.get());
        }
        assertThat(perAck).allSatisfy(n -> assertThat(n).isLessThan(20));
        assertThat(out).filteredOn(r -> r.getStatus() == ReceiptStatus.DELIVERED_TO_ALL)
                .singleElement().satisfies(r -> assertThat(r.getSeq()).isEqualTo(4L));
    }

    private static ClientAction ack(String member, long seq) {
        return ClientAction.newBuilder().setActionId("a-" + member).setType(ActionType.DELIVERY_RECEIPT)
                .setConversationId(G).setSenderUserId(member).setSenderDeviceId(member + "-phone")
                .setTargetSeq(seq).setTargetUserId("m000").setEdgeId(0).setPayload(java.nio.ByteBuffer.allocate(0))
                .setReceivedAt(Instant.EPOCH).build();
    }

    /** A sorted in-memory store that counts reads (get, and each entry an iterator yields). */
    @SuppressWarnings("unchecked")
    private static <V> KeyValueStore<String, V> sortedStore(AtomicInteger reads) {
        NavigableMap<String, V> map = new TreeMap<>();
        return (KeyValueStore<String, V>) Proxy.newProxyInstance(GroupReceiptAggregateTest.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "get" -> {
                        reads.incrementAndGet();
                        yield map.get((String) args[0]);
                    }
                    case "put" -> map.put((String) args[0], (V) args[1]);
                    case "delete" -> map.remove((String) args[0]);
                    case "range" -> iterator(map.subMap((String) args[0], true, (String) args[1], true), reads);
                    case "prefixScan" -> iterator(map.subMap((String) args[0], true, args[0] + "\uffff", false), reads);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static <V> KeyValueIterator<String, V> iterator(Map<String, V> view, AtomicInteger reads) {
        Iterator<Map.Entry<String, V>> it = new ArrayList<>(view.entrySet()).iterator();
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<String, V> next() {
                reads.incrementAndGet();
                Map.Entry<String, V> e = it.next();
                return KeyValue.pair(e.getKey(), e.getValue());
            }

            @Override
            public void close() {
            }

            @Override
            public String peekNextKey() {
                throw new UnsupportedOperationException();
            }
        };
    }
}
