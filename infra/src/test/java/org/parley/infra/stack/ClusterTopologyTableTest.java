package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster topology's rows of the component table and the settings every process of it sees. */
class ClusterTopologyTableTest {
    @TempDir
    Path root;

    private StackSettings settings(Map<String, String> env) {
        return StackSettings.load(root, env);
    }

    private static final Map<String, String> CLUSTER = Map.of("PARLEY_STACK_TOPOLOGY", "cluster");

    @Test
    void theDefaultStaysTheSingleTopology() {
        StackSettings s = settings(Map.of());
        assertThat(s.topology()).isEqualTo(StackSettings.Topology.SINGLE);
        assertThat(ComponentTable.of(s).services()).extracting(Component::name)
                .containsExactly("kafka", "cql", "s3", "registry");
        assertThat(s.settings().kafkaBootstrap()).isEqualTo("127.0.0.1:29092");
        assertThat(s.get("topic.replication-factor")).isEqualTo("1");
        assertThat(s.get("cql.consistency")).isEqualTo("LOCAL_ONE");
    }

    @Test
    void theClusterHasANodeOrInstanceRowForEachCountedProcess() {
        ComponentTable t = ComponentTable.of(settings(CLUSTER));
        assertThat(t.services()).extracting(Component::name)
                .containsExactly("kafka-1", "kafka-2", "kafka-3", "cql-1", "cql-2", "cql-3", "s3", "registry");
        assertThat(t.apps()).extracting(Component::name).containsExactly("sequencer-1", "sequencer-2", "presence-1",
                "presence-2", "projections-1", "projections-2", "flink-jobmanager", "flink-taskmanager-1",
                "flink-taskmanager-2", "push-1", "push-2", "edge-0", "edge-1");
        assertThat(t.apps()).allSatisfy(c -> {
            assertThat(t.settings().get(c.jvmKey(), null)).as(c.jvmKey()).isNotBlank();
            assertThat(!c.readiness().logLines().isEmpty() || c.readiness().httpPath() != null).as(c.name()).isTrue();
        });
        assertThat(t.apps().stream().filter(ComponentTable::isFlink)).extracting(Component::mainClass)
                .containsExactly(ComponentTable.FLINK_JOBMANAGER_MAIN, ComponentTable.FLINK_TASKMANAGER_MAIN,
                        ComponentTable.FLINK_TASKMANAGER_MAIN);
        assertThat(t.find("flink-jobmanager").orElseThrow().readiness().httpPath()).isEqualTo("/overview");
        assertThat(t.find("sequencer-2").orElseThrow().readiness().logLines())
                .containsExactly(ComponentTable.readyLine("sequencer"));
        assertThat(t.settings().layout()).isEqualTo(StackSettings.Layout.SPLIT);
    }

    @Test
    void countsComeFromTheSettings() {
        Map<String, String> env = Map.of("PARLEY_STACK_TOPOLOGY", "cluster", "PARLEY_CLUSTER_KAFKA_BROKERS", "5",
                "PARLEY_CLUSTER_CQL_NODES", "2", "PARLEY_CLUSTER_CQL_REPLICATION_FACTOR", "2",
                "PARLEY_CLUSTER_SEQUENCERS", "3", "PARLEY_CLUSTER_PUSH", "1", "PARLEY_CLUSTER_EDGES", "3",
                "PARLEY_CLUSTER_FLINK_TASKMANAGERS", "3");
        ComponentTable t = ComponentTable.of(settings(env));
        assertThat(t.services().stream().filter(c -> c.module().equals("kafka"))).hasSize(5);
        assertThat(t.services().stream().filter(c -> c.module().equals("cassandra"))).hasSize(2);
        assertThat(t.apps()).extracting(Component::name).contains("sequencer-3", "push-1", "edge-2", "flink-taskmanager-3")
                .doesNotContain("push-2");
        assertThat(t.settings().settings().kafkaBootstrap().split(",")).hasSize(5);
    }

    @Test
    void everyPortIsDerivedFromTheConfiguredOnesAndNoneClashes() {
        StackSettings s = settings(CLUSTER);
        ComponentTable t = ComponentTable.of(s);
        assertThat(t.portConflict()).isEmpty();
        Set<Integer> seen = new HashSet<>();
        t.all().forEach(c -> c.ports().forEach(p -> assertThat(seen.add(p.port())).as(c.name() + " " + p).isTrue()));
        // Each node's last port is its JMX exporter's /metrics (metrics.port + 40 + i, + 45 + i).
        assertThat(t.find("kafka-1").orElseThrow().ports()).extracting(Component.Port::port)
                .containsExactly(29092, 29093, 28091);
        assertThat(t.find("kafka-3").orElseThrow().ports()).extracting(Component.Port::port)
                .containsExactly(29096, 29097, 28093);
        assertThat(t.find("cql-2").orElseThrow().ports()).extracting(Component.Port::port)
                .containsExactly(29043, 29071, 29200, 28097);
        assertThat(t.find("flink-jobmanager").orElseThrow().ports()).extracting(Component.Port::port)
                .containsExactly(28071, 28072, 28073);
        assertThat(t.find("flink-taskmanager-2").orElseThrow().ports()).extracting(Component.Port::port)
                .containsExactly(28076, 28077);
        assertThat(t.find("sequencer-1").orElseThrow().ports()).extracting(Component.Port::port).containsExactly(28051);
        assertThat(t.find("sequencer-2").orElseThrow().ports()).extracting(Component.Port::port).containsExactly(28066);
        assertThat(t.env(t.find("sequencer-2").orElseThrow())).containsEntry("PARLEY_METRICS_SEQUENCER_PORT", "28066")
                .containsEntry("PARLEY_STREAMS_STATE_DIR", s.data().resolve("streams-sequencer-2").toString());
        assertThat(t.env(t.find("presence-1").orElseThrow()).get("PARLEY_STREAMS_STATE_DIR"))
                .isNotEqualTo(t.env(t.find("presence-2").orElseThrow()).get("PARLEY_STREAMS_STATE_DIR"));

        // shifted with the worktree's base ports: the cluster moves with them
        ComponentTable shifted = ComponentTable.of(settings(Map.of("PARLEY_STACK_TOPOLOGY", "cluster",
                "PARLEY_KAFKA_PORT", "29392", "PARLEY_KAFKA_CONTROLLER_PORT", "29393")));
        assertThat(shifted.find("kafka-2").orElseThrow().mainPort()).contains(29394);

        // a step that makes node 2's broker port node 1's controller port is found before anything starts
        assertThat(ComponentTable.of(settings(Map.of("PARLEY_STACK_TOPOLOGY", "cluster",
                "PARLEY_CLUSTER_KAFKA_PORT_STEP", "2", "PARLEY_KAFKA_CONTROLLER_PORT", "29094"))).portConflict())
                .hasValueSatisfying(m -> assertThat(m).contains("29094"));
    }

    @Test
    void everyProcessOfTheClusterSeesAllNodesAndTheClusterReplication() {
        StackSettings s = settings(CLUSTER);
        Map<String, String> effective = s.effective();
        assertThat(effective).containsEntry("kafka.bootstrap", "127.0.0.1:29092,127.0.0.1:29094,127.0.0.1:29096")
                .containsEntry("cql.contact-point", "127.0.0.1:29042,127.0.0.1:29043,127.0.0.1:29044")
                .containsEntry("topic.replication-factor", "3").containsEntry("topic.min-insync-replicas", "2")
                .containsEntry("cql.replication-factor", "3").containsEntry("cql.consistency", "QUORUM")
                .containsEntry("streams.standby-replicas", "1").containsEntry("edge.instances", "2")
                .containsEntry("stack.topology", "cluster");
    }

    @Test
    void aReplicationTheNodesCannotHoldIsRefused() {
        assertThatThrownBy(() -> settings(Map.of("PARLEY_STACK_TOPOLOGY", "cluster", "PARLEY_CLUSTER_KAFKA_BROKERS", "2")))
                .hasMessageContaining("cluster.topic-replication-factor (3) is above cluster.kafka-brokers (2)");
        assertThatThrownBy(() -> settings(Map.of("PARLEY_STACK_TOPOLOGY", "cluster",
                "PARLEY_CLUSTER_TOPIC_MIN_INSYNC_REPLICAS", "4")))
                .hasMessageContaining("cluster.topic-min-insync-replicas (4) is above");
        assertThatThrownBy(() -> settings(Map.of("PARLEY_STACK_TOPOLOGY", "cluster", "PARLEY_CLUSTER_CQL_NODES", "2")))
                .hasMessageContaining("cluster.cql-replication-factor (3) is above cluster.cql-nodes (2)");
        assertThatThrownBy(() -> settings(Map.of("PARLEY_STACK_TOPOLOGY", "ring")))
                .hasMessageContaining("stack.topology must be single or cluster, not 'ring'");
        assertThatThrownBy(() -> ComponentTable.of(settings(Map.of("PARLEY_STACK_TOPOLOGY", "cluster",
                "PARLEY_CLUSTER_SEQUENCERS", "0"))))
                .hasMessageContaining("cluster.sequencers must be at least 1, got 0");
    }

    @Test
    void cqlTokensAreEvenlySpacedOverTheMurmur3Ring() {
        List<String> tokens = List.of(ClusterTopology.initialToken(0, 3), ClusterTopology.initialToken(1, 3),
                ClusterTopology.initialToken(2, 3));
        assertThat(tokens.get(0)).isEqualTo(BigInteger.TWO.pow(63).negate().toString());
        BigInteger gap1 = new BigInteger(tokens.get(1)).subtract(new BigInteger(tokens.get(0)));
        BigInteger gap2 = new BigInteger(tokens.get(2)).subtract(new BigInteger(tokens.get(1)));
        assertThat(gap1.subtract(gap2).abs()).isLessThanOrEqualTo(BigInteger.ONE);
        assertThat(new BigInteger(tokens.get(2))).isLessThan(BigInteger.TWO.pow(63));
    }

    @Test
    void aStaleProcessOfTheOtherTopologyIsTakenForAServiceByItsName() {
        assertThat(List.of("kafka", "kafka-2", "cql", "cql-3", "s3", "registry"))
                .allMatch(StackSupervisor::isServiceName);
        assertThat(List.of("sequencer-2", "edge-1", "fanout", "kafkaesque", "push-1"))
                .noneMatch(StackSupervisor::isServiceName);
    }
}
