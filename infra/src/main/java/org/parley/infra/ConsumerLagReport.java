package org.parley.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Lag per consumer group, from the broker: each group's committed offsets against the partitions' ends (the last
 * stable offset: a read_committed reader never reads past it, and a transaction's markers are not lag). Groups that
 * only commit (the fan-out's Kafka sources, on checkpoints) are listed like the others.
 */
public final class ConsumerLagReport {
    /** One partition of a group. */
    public record PartitionLag(String topic, int partition, long committed, long end) {
        /** Records not yet consumed; never negative (a committed offset past the end means nothing is behind). */
        public long lag() {
            return Math.max(0, end - committed);
        }
    }

    /** One group: its partitions' lag, their sum and their largest. */
    public record GroupLag(String group, String state, List<PartitionLag> partitions) {
        public long total() {
            return partitions.stream().mapToLong(PartitionLag::lag).sum();
        }

        public long max() {
            return partitions.stream().mapToLong(PartitionLag::lag).max().orElse(0);
        }
    }

    private ConsumerLagReport() {
    }

    /**
     * A group's lag from its committed offsets and the partitions' end offsets. A committed partition whose end is
     * unknown is refused: the report would otherwise show it as caught up.
     */
    public static GroupLag compute(String group, String state, Map<TopicPartition, Long> committed,
                                   Map<TopicPartition, Long> ends) {
        List<PartitionLag> out = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> c : committed.entrySet()) {
            Long end = ends.get(c.getKey());
            if (end == null) {
                throw new IllegalArgumentException("no end offset for " + c.getKey() + " committed by group " + group);
            }
            if (c.getValue() < 0) {
                throw new IllegalArgumentException("negative committed offset " + c.getValue() + " for " + c.getKey()
                        + " of group " + group);
            }
            out.add(new PartitionLag(c.getKey().topic(), c.getKey().partition(), c.getValue(), end));
        }
        out.sort(Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
        return new GroupLag(group, state, List.copyOf(out));
    }

    /** Every consumer group's lag (share and streams-protocol groups are not consumer groups), by group id. */
    public static List<GroupLag> fetch(Admin admin, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long ms = timeout.toMillis();
        List<GroupLag> groups = new ArrayList<>();
        List<GroupListing> listings = new ArrayList<>(admin.listGroups().all().get(ms, TimeUnit.MILLISECONDS));
        listings.sort(Comparator.comparing(GroupListing::groupId));
        for (GroupListing g : listings) {
            GroupType type = g.type().orElse(GroupType.CLASSIC);
            if (type != GroupType.CLASSIC && type != GroupType.CONSUMER) {
                continue;
            }
            if (type == GroupType.CLASSIC && !g.protocol().isEmpty() && !g.protocol().equals("consumer")) {
                continue; // e.g. a Connect cluster's group
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(g.groupId())
                    .partitionsToOffsetAndMetadata().get(ms, TimeUnit.MILLISECONDS);
            Map<TopicPartition, Long> committed = new HashMap<>();
            offsets.forEach((tp, o) -> {
                if (o != null) {
                    committed.put(tp, o.offset());
                }
            });
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            if (!latest.isEmpty()) {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(latest,
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(ms, TimeUnit.MILLISECONDS);
                r.forEach((tp, info) -> ends.put(tp, info.offset()));
            }
            String state = g.groupState().map(Object::toString).orElse("?");
            groups.add(compute(g.groupId(), state, committed, ends));
        }
        return groups;
    }
}
