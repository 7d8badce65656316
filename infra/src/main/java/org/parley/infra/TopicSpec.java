package org.parley.infra;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.parley.config.Settings;
import org.parley.schemas.TopicCatalog.Layout;
import org.parley.schemas.TopicCatalog.Topic;

/**
 * How a catalog topic is created: partitions, replication and topic configs, derived from its {@link Layout} and the
 * settings {@code topic.partitions}, {@code topic.edge-partitions}, {@code topic.replication-factor},
 * {@code topic.min-insync-replicas}.
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    /** Per-edge topics carry replies and deliveries for connected devices only: an hour is plenty. */
    public static final long PER_EDGE_RETENTION_MS = 3_600_000L;

    public TopicSpec {
        configs = Collections.unmodifiableMap(new TreeMap<>(configs));
    }

    public static TopicSpec of(Topic topic, Settings s) {
        int replication = s.getInt("topic.replication-factor");
        int minIsr = s.getInt("topic.min-insync-replicas");
        if (replication < 1 || replication > Short.MAX_VALUE) {
            throw new IllegalArgumentException("topic.replication-factor must be >= 1, got " + replication);
        }
        if (minIsr < 1 || minIsr > replication) {
            throw new IllegalArgumentException("topic.min-insync-replicas must be between 1 and topic.replication-factor ("
                    + replication + "), got " + minIsr);
        }
        Map<String, String> configs = new TreeMap<>();
        // Invariant 1 (nothing acknowledged is lost): acks=all producers need min ISR, and no unclean elections.
        configs.put("min.insync.replicas", Integer.toString(minIsr));
        configs.put("unclean.leader.election.enable", "false");
        int partitions;
        switch (topic.layout()) {
            case KEYED_LOG -> {
                partitions = s.getInt("topic.partitions");
                // The log is the system of record: replay from the beginning must always be possible.
                configs.put("cleanup.policy", "delete");
                configs.put("retention.ms", "-1");
            }
            case PER_EDGE -> {
                partitions = s.getInt("topic.edge-partitions");
                configs.put("cleanup.policy", "delete");
                configs.put("retention.ms", Long.toString(PER_EDGE_RETENTION_MS));
            }
            case COMPACTED -> {
                partitions = s.getInt("topic.partitions");
                configs.put("cleanup.policy", "compact");
            }
            case KEYED_TRANSIENT -> {
                partitions = s.getInt("topic.partitions");
                configs.put("cleanup.policy", "delete");
                configs.put("retention.ms", Long.toString(s.getLong("topic.transient-retention-ms")));
            }
            case SHORT_LIVED -> {
                partitions = s.getInt("topic.partitions");
                configs.put("cleanup.policy", "delete");
                configs.put("retention.ms", Long.toString(s.getLong("topic.signals-retention-ms")));
            }
            default -> throw new IllegalStateException("unknown layout " + topic.layout());
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + topic.name() + ": partitions must be >= 1, got " + partitions);
        }
        return new TopicSpec(topic.name(), partitions, (short) replication, configs);
    }
}
