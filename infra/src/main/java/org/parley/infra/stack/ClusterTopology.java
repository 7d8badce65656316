package org.parley.infra.stack;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.config.Settings;

/**
 * The rules of the cluster topology ({@code stack.topology=cluster}): how many nodes and instances, each node's ports
 * (derived from the single topology's ports and a step, so the cluster stays inside the range its parley.conf gives),
 * and the settings every process of the cluster sees instead of the single stack's (bootstrap list, contact points,
 * replication, consistency, standby replicas, edge count). docs/operations.md, "The cluster topology".
 */
public final class ClusterTopology {
    private ClusterTopology() {
    }

    /** A Kafka node of the cluster: node id 1..N, its broker and controller ports. */
    public record KafkaNode(int id, int port, int controllerPort) {
        public String name() {
            return "kafka-" + id;
        }
    }

    /** A CQL node of the cluster: 1..N, its native, storage and JMX ports, and its token. */
    public record CqlNode(int id, int port, int storagePort, int jmxPort, String initialToken) {
        public String name() {
            return "cql-" + id;
        }
    }

    static int count(Settings s, String key, int min) {
        int n;
        try {
            n = s.getInt(key);
        } catch (IllegalStateException e) {
            throw new StackException(e.getMessage());
        }
        if (n < min) {
            throw new StackException(key + " must be at least " + min + ", got " + n);
        }
        return n;
    }

    public static List<KafkaNode> kafkaNodes(Settings s) {
        int n = count(s, "cluster.kafka-brokers", 1);
        int step = count(s, "cluster.kafka-port-step", 2);
        int port = s.getInt("kafka.port");
        int controller = s.getInt("kafka.controller-port");
        List<KafkaNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new KafkaNode(i + 1, port + i * step, controller + i * step));
        }
        return out;
    }

    public static List<CqlNode> cqlNodes(Settings s) {
        int n = count(s, "cluster.cql-nodes", 1);
        int step = count(s, "cluster.cql-port-step", 1);
        List<CqlNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new CqlNode(i + 1, s.getInt("cql.port") + i * step, s.getInt("cql.storage-port") + i * step,
                    s.getInt("cql.jmx-port") + i * step, initialToken(i, n)));
        }
        return out;
    }

    /** Evenly spaced Murmur3 tokens (num_tokens 1): node i of n owns -2^63 + i * 2^64 / n. */
    static String initialToken(int i, int n) {
        BigInteger range = BigInteger.TWO.pow(64);
        return range.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n))
                .subtract(BigInteger.TWO.pow(63)).toString();
    }

    /** The instances of an app role in the cluster (edges: cluster.edges). */
    public static int instances(Settings s, String role) {
        return switch (role) {
            case "sequencer" -> count(s, "cluster.sequencers", 1);
            case "presence" -> count(s, "cluster.presence", 1);
            case "projections" -> count(s, "cluster.projections", 1);
            case "push" -> count(s, "cluster.push", 1);
            case "edge" -> count(s, "cluster.edges", 1);
            default -> 1;
        };
    }

    /** host:port,host:port,... of the Kafka nodes. */
    public static String kafkaBootstrap(Settings s) {
        return String.join(",", kafkaNodes(s).stream().map(k -> s.host() + ":" + k.port()).toList());
    }

    /** host:port,host:port,... of the CQL nodes' native ports. */
    public static String cqlContactPoints(Settings s) {
        return String.join(",", cqlNodes(s).stream().map(c -> s.host() + ":" + c.port()).toList());
    }

    /**
     * What the cluster changes in every process's settings: the endpoints of all nodes, the replication and min ISR of
     * the topics, the keyspace's replication, the consistency level, the standby replicas, the edge count. Refuses a
     * replication above the number of nodes.
     */
    public static Map<String, String> overrides(Settings s) {
        int brokers = kafkaNodes(s).size();
        int rf = count(s, "cluster.topic-replication-factor", 1);
        int minIsr = count(s, "cluster.topic-min-insync-replicas", 1);
        if (rf > brokers) {
            throw new StackException("cluster.topic-replication-factor (" + rf + ") is above cluster.kafka-brokers ("
                    + brokers + ")");
        }
        if (minIsr > rf) {
            throw new StackException("cluster.topic-min-insync-replicas (" + minIsr
                    + ") is above cluster.topic-replication-factor (" + rf + ")");
        }
        int nodes = cqlNodes(s).size();
        int cqlRf = count(s, "cluster.cql-replication-factor", 1);
        if (cqlRf > nodes) {
            throw new StackException("cluster.cql-replication-factor (" + cqlRf + ") is above cluster.cql-nodes ("
                    + nodes + ")");
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("kafka.bootstrap", kafkaBootstrap(s));
        o.put("topic.replication-factor", String.valueOf(rf));
        o.put("topic.min-insync-replicas", String.valueOf(minIsr));
        o.put("cql.contact-point", cqlContactPoints(s));
        o.put("cql.replication-factor", String.valueOf(cqlRf));
        o.put("cql.consistency", s.get("cluster.cql-consistency"));
        o.put("streams.standby-replicas", String.valueOf(count(s, "cluster.streams-standby-replicas", 0)));
        o.put("edge.instances", String.valueOf(instances(s, "edge")));
        return o;
    }

    /** The Flink JobManager's RPC port: flink.blob-port + 1. */
    public static int flinkJobManagerRpcPort(Settings s) {
        return s.getInt("flink.blob-port") + 1;
    }

    /** A TaskManager of the Flink session cluster: 1..N, its RPC and data ports. */
    public record FlinkTaskManager(int id, int rpcPort, int dataPort) {
        public String name() {
            return "flink-taskmanager-" + id;
        }
    }

    public static List<FlinkTaskManager> flinkTaskManagers(Settings s) {
        int n = count(s, "cluster.flink-taskmanagers", 1);
        int blob = s.getInt("flink.blob-port");
        List<FlinkTaskManager> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(new FlinkTaskManager(i, blob + 2 * i, blob + 2 * i + 1));
        }
        return out;
    }
}
