package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackSettingsTest {
    @TempDir
    Path root;

    @Test
    void environmentWinsOverTheConfigFileWhichWinsOverTheDefaults() throws Exception {
        Files.writeString(root.resolve("parley.conf"), "kafka.port=1111\ncql.port = 2222 \n");
        StackSettings s = StackSettings.load(root, Map.of("PARLEY_KAFKA_PORT", "3333"));

        assertThat(s.get("kafka.port")).isEqualTo("3333");                 // environment
        assertThat(s.get("cql.port")).isEqualTo("2222");                   // ./parley.conf, trimmed
        assertThat(s.get("s3.port")).isEqualTo("29000");                   // defaults
        assertThat(s.configSource()).contains(root.resolve("parley.conf").toAbsolutePath().normalize());
    }

    @Test
    void parleyConfigNamesTheFileInsteadOfParleyConf() throws Exception {
        Files.writeString(root.resolve("parley.conf"), "kafka.port=1111\n");
        Path other = Files.writeString(root.resolve("other.conf"), "kafka.port=4444\n");

        assertThat(StackSettings.load(root, Map.of("PARLEY_CONFIG", other.toString())).get("kafka.port")).isEqualTo("4444");
    }

    @Test
    void aMissingParleyConfigFileIsAnErrorNotTheDefaults() {
        assertThatThrownBy(() -> StackSettings.load(root, Map.of("PARLEY_CONFIG", root.resolve("nope.conf").toString())))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("PARLEY_CONFIG names a file that does not exist");
    }

    @Test
    void aBlankEnvironmentVariableCountsAsNotSet() throws Exception {
        Files.writeString(root.resolve("parley.conf"), "kafka.port=1111\n");

        assertThat(StackSettings.load(root, Map.of("PARLEY_KAFKA_PORT", "")).get("kafka.port")).isEqualTo("1111");
    }

    @Test
    void systemPropertiesDoNotReachTheSupervisor() {
        System.setProperty("parley.kafka.port", "5555");
        try {
            assertThat(StackSettings.load(root, Map.of()).get("kafka.port")).isEqualTo("29092");
        } finally {
            System.clearProperty("parley.kafka.port");
        }
    }

    @Test
    void stackKeysHaveDefaultsAndAreChecked() {
        StackSettings s = StackSettings.load(root, Map.of());
        assertThat(s.layout()).isEqualTo(StackSettings.Layout.COMBINED);
        assertThat(s.readyTimeout().toSeconds()).isEqualTo(180);
        assertThat(s.stopTimeout().toSeconds()).isEqualTo(20);

        assertThatThrownBy(() -> StackSettings.load(root, Map.of("PARLEY_STACK_LAYOUT", "mixed")))
                .hasMessage("stack.layout must be combined or split, not 'mixed'");
        assertThatThrownBy(() -> StackSettings.load(root, Map.of("PARLEY_EDGE_INSTANCES", "0")))
                .hasMessage("edge.instances must be at least 1");
    }

    @Test
    void theDataFolderIsRelativeToTheRootAndAbsoluteInTheEffectiveSettings() {
        StackSettings s = StackSettings.load(root, Map.of("PARLEY_EDGE_PORT", "30000"));

        assertThat(s.dataDir()).isEqualTo(root.toAbsolutePath().normalize().resolve(".parley"));
        assertThat(s.run()).isEqualTo(s.dataDir().resolve("run"));
        assertThat(s.effective()).containsEntry("data.dir", s.dataDir().toString()).containsEntry("edge.port", "30000")
                .containsKey("stack.layout");
    }

    @Test
    void edgeInstanceIListensOnEdgePortPlusI() {
        StackSettings s = StackSettings.load(root, Map.of("PARLEY_EDGE_PORT", "30000"));
        assertThat(s.edgePort(0)).isEqualTo(30000);
        assertThat(s.edgePort(3)).isEqualTo(30003);
        assertThat(s.settings().edgePort(3)).isEqualTo(30003);
    }
}
