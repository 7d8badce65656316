package org.parley.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.schemas.TopicCatalog;

class SettingsTest {
    @Test
    void defaultsBindToLoopback() {
        Settings s = Settings.of(Map.of());
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.kafkaBootstrap()).isEqualTo("127.0.0.1:29092");
        assertThat(s.registryUrl()).isEqualTo("http://127.0.0.1:29081/apis/ccompat/v7");
    }

    @Test
    void explicitValuesWinAndDeriveEndpoints() {
        Settings s = Settings.of(Map.of("kafka.port", "1234", "topic.actions", "a2"));
        assertThat(s.kafkaBootstrap()).isEqualTo("127.0.0.1:1234");
        assertThat(TopicCatalog.from(s).actions().name()).isEqualTo("a2");
        assertThat(TopicCatalog.from(s).actions().valueSubject()).isEqualTo("a2-value");
    }

    @Test
    void badIntegerNamesTheKey() {
        Settings s = Settings.of(Map.of("edge.port", "eighty"));
        assertThatThrownBy(() -> s.getInt("edge.port")).hasMessageContaining("edge.port");
    }

    @Test
    void envNameFollowsTheConvention() {
        assertThat(Settings.envName("topic.edge-partitions")).isEqualTo("PARLEY_TOPIC_EDGE_PARTITIONS");
    }
}
