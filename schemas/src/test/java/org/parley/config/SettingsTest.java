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

    @Test
    void environmentOverConfigFileOverDefaultsAndAMissingNamedFileIsAnError(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Path conf = java.nio.file.Files.writeString(dir.resolve("a.conf"), "kafka.port=1111\ncql.port=2222\n");
        Settings s = Settings.load(Map.of("PARLEY_CONFIG", conf.toString(), "PARLEY_KAFKA_PORT", "3333",
                "PARLEY_CQL_PORT", " "), null, false);

        assertThat(s.get("kafka.port")).isEqualTo("3333");
        assertThat(s.get("cql.port")).isEqualTo("2222"); // a blank variable is not set
        assertThat(s.get("s3.port")).isEqualTo("29000");
        assertThat(s.configFile()).contains(conf.toAbsolutePath().normalize());
        assertThat(s.keys()).contains("kafka.port", "stack.layout");
        assertThatThrownBy(() -> Settings.load(Map.of("PARLEY_CONFIG", dir.resolve("missing.conf").toString()), null, true))
                .hasMessageContaining("PARLEY_CONFIG names a file that does not exist");
    }

    @Test
    void theFallbackConfigFileIsReadOnlyWithoutParleyConfig(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path fallback = java.nio.file.Files.writeString(dir.resolve("parley.conf"), "kafka.port=1111\n");
        assertThat(Settings.load(Map.of(), fallback, false).get("kafka.port")).isEqualTo("1111");
        assertThat(Settings.load(Map.of(), dir.resolve("none.conf"), false).get("kafka.port")).isEqualTo("29092");
    }

    @Test
    void edgeInstanceIListensOnEdgePortPlusI() {
        assertThat(Settings.of(Map.of("edge.port", "30000")).edgePort(2)).isEqualTo(30002);
    }
}
