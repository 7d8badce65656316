package org.parley.edge.log;

import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows one partition from its end on a thread of its own (the edge's own partition of a per-edge topic):
 * what was routed here before this edge started belongs to sessions that no longer exist. A record that cannot be
 * decoded is logged and skipped; it never stops the tail.
 */
public class PartitionTail<T> extends TopicTail<T> {
    public PartitionTail(Properties consumerConfig, String topic, int partition, Deserializer<T> values,
                         Consumer<T> handler) {
        super(consumerConfig, topic, partition, values, handler);
    }
}
