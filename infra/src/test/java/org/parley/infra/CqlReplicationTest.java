package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

/** The keyspace's replication (cql.replication-strategy): SimpleStrategy locally, racks honoured in production. */
class CqlReplicationTest {

    @Test
    void simpleStrategyByDefault() {
        String first = CqlScript.schemaStatements(Settings.of(Map.of("cql.keyspace", "ks"))).get(0);

        assertThat(first).isEqualTo("CREATE KEYSPACE IF NOT EXISTS ks WITH replication = "
                + "{'class': 'SimpleStrategy', 'replication_factor': 1}");
    }

    @Test
    void networkTopologyStrategyPutsTheReplicasInTheConfiguredDatacenter() {
        Settings production = Settings.of(Map.of("cql.keyspace", "parley",
                "cql.replication-strategy", "NetworkTopologyStrategy", "cql.replication-factor", "3",
                "cql.datacenter", "dc1"));

        assertThat(CqlScript.schemaStatements(production).get(0)).isEqualTo("CREATE KEYSPACE IF NOT EXISTS parley "
                + "WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
    }

    @Test
    void refusesAnUnknownStrategyABadFactorAndADatacenterNameThatWouldBreakTheStatement() {
        assertThatThrownBy(() -> CqlScript.replication(Settings.of(Map.of("cql.replication-strategy", "Everywhere"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cql.replication-strategy must be SimpleStrategy or NetworkTopologyStrategy");
        assertThatThrownBy(() -> CqlScript.replication(Settings.of(Map.of("cql.replication-factor", "0"))))
                .hasMessageContaining("cql.replication-factor must be >= 1");
        assertThatThrownBy(() -> CqlScript.replication(Settings.of(Map.of(
                "cql.replication-strategy", "NetworkTopologyStrategy", "cql.datacenter", "dc1': 3, 'x"))))
                .hasMessageContaining("cql.datacenter must be a datacenter name");
    }
}
