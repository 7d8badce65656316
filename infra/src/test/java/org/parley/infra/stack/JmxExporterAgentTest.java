package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JmxExporterAgentTest {
    @TempDir
    Path root;

    private StackSettings settings() {
        return StackSettings.load(root, Map.of());
    }

    @Test
    void theAgentServesTheServersChosenBeansOnItsMetricsPortOnTheBindHost() throws Exception {
        StackSettings s = settings();
        Path lib = Files.createDirectories(s.lib().resolve("jmx-exporter"));
        Files.createFile(lib.resolve("jmx_prometheus_javaagent-1.0.1.jar"));
        Path yaml = Files.createDirectories(s.stackFiles().resolve("jmx-exporter")).resolve("kafka.yaml");
        Files.writeString(yaml, "rules: []\n");

        assertThat(JmxExporterAgent.argument(s, "kafka", 28056)).isEqualTo("-javaagent:"
                + lib.resolve("jmx_prometheus_javaagent-1.0.1.jar") + "=127.0.0.1:28056:" + yaml);
    }

    @Test
    void aMissingAgentOrConfigurationIsAClearError() throws Exception {
        StackSettings s = settings();
        Files.createDirectories(s.lib().resolve("jmx-exporter"));
        assertThatThrownBy(() -> JmxExporterAgent.argument(s, "kafka", 28056)).isInstanceOf(StackException.class)
                .hasMessageContaining("no JMX exporter agent");
        Files.createFile(s.lib().resolve("jmx-exporter").resolve("jmx_prometheus_javaagent-1.0.1.jar"));
        assertThatThrownBy(() -> JmxExporterAgent.argument(s, "cassandra", 28057)).isInstanceOf(StackException.class)
                .hasMessageContaining("cassandra.yaml");
    }

    @Test
    void theBrokerAndCassandraHaveMetricsPortsAndTheRepositoryShipsTheirConfigurations() {
        ComponentTable t = ComponentTable.of(settings());
        assertThat(t.services()).filteredOn(c -> c.name().equals("kafka") || c.name().equals("cql"))
                .hasSize(2).allSatisfy(c -> assertThat(c.ports()).as(c.name())
                        .anySatisfy(p -> assertThat(p.setting()).startsWith("metrics.port")));
        ComponentTable cluster = ComponentTable.of(StackSettings.load(root, Map.of("PARLEY_STACK_TOPOLOGY", "cluster")));
        java.util.List<Integer> nodePorts = cluster.services().stream()
                .filter(c -> c.name().startsWith("kafka-") || c.name().startsWith("cql-"))
                .flatMap(c -> c.ports().stream()).filter(p -> p.setting().startsWith("metrics.port")).map(Component.Port::port)
                .toList();
        assertThat(nodePorts).as("each broker and CQL node of the cluster its own").hasSize(6).doesNotHaveDuplicates();
        assertThat(cluster.all()).flatExtracting(Component::ports).extracting(Component.Port::port)
                .as("no port of the cluster twice").doesNotHaveDuplicates();
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("infra/stack/jmx-exporter");
        assertThat(shipped.resolve("kafka.yaml")).isRegularFile();
        assertThat(shipped.resolve("cassandra.yaml")).isRegularFile();
        assertThat(StackLibraries.LIBRARIES).extracting(StackLibraries.Library::name).contains("jmx-exporter");
    }
}
