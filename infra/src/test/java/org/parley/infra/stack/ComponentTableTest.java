package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComponentTableTest {
    @TempDir
    Path root;

    private ComponentTable table(Map<String, String> env) {
        return ComponentTable.of(StackSettings.load(root, env));
    }

    @Test
    void everyComponentHasModuleMainClassJvmOptionsAndReadiness() {
        for (String layout : new String[] {"split", "combined"}) {
            ComponentTable t = table(Map.of("PARLEY_STACK_LAYOUT", layout, "PARLEY_EDGE_INSTANCES", "2",
                    "PARLEY_EDGE_PORT", "28090"));
            assertThat(t.all()).isNotEmpty().allSatisfy(c -> {
                assertThat(c.module()).as(c.name()).isNotBlank();
                assertThat(c.mainClass()).as(c.name()).matches("[a-z][\\w.]*\\.[A-Z]\\w*");
                assertThat(t.settings().get(c.jvmKey(), null)).as(c.jvmKey()).isNotBlank();
                Component.Readiness r = c.readiness();
                assertThat(r.tcpPort() > 0 || !r.logLines().isEmpty() || r.httpPath() != null).as(c.name()).isTrue();
            });
            assertThat(t.services()).allSatisfy(c -> assertThat(c.ports()).as(c.name()).isNotEmpty());
        }
    }

    @Test
    void theLayoutDecidesTheApps() {
        assertThat(table(Map.of("PARLEY_STACK_LAYOUT", "split")).apps()).extracting(Component::name)
                .containsExactly("sequencer", "presence", "projections", "fanout", "push", "edge-0");
        ComponentTable combined = table(Map.of("PARLEY_STACK_LAYOUT", "combined", "PARLEY_EDGE_INSTANCES", "3",
                "PARLEY_EDGE_PORT", "28090"));
        assertThat(combined.apps()).extracting(Component::name).containsExactly("apps", "edge-1", "edge-2");
        assertThat(combined.otherLayoutApps()).extracting(Component::name).contains("sequencer", "edge-0");
        assertThat(combined.services()).extracting(Component::name).containsExactly("kafka", "cql", "s3", "registry");
        assertThat(combined.find("apps").orElseThrow().args()).containsExactly(ComponentTable.COMBINED_ROLES);
    }

    @Test
    void edgesTakeEdgePortPlusTheirNumber() {
        ComponentTable t = table(Map.of("PARLEY_STACK_LAYOUT", "split", "PARLEY_EDGE_INSTANCES", "3",
                "PARLEY_EDGE_PORT", "28090"));
        assertThat(t.find("edge-2").orElseThrow().ports()).startsWith(new Component.Port("edge.port+2", 28092));
        assertThat(t.find("edge-0").orElseThrow().mainPort()).contains(28090);
    }

    @Test
    void eachAppProcessHasItsMetricsPortUnlessTurnedOffAndAClashWithItIsFound() {
        ComponentTable split = table(Map.of("PARLEY_STACK_LAYOUT", "split", "PARLEY_EDGE_INSTANCES", "2"));
        assertThat(split.find("sequencer").orElseThrow().ports())
                .containsExactly(new Component.Port("metrics.port (sequencer)", 28051));
        assertThat(split.find("edge-1").orElseThrow().ports()).contains(new Component.Port("metrics.port (edge)", 28061));
        assertThat(table(Map.of()).find("apps").orElseThrow().ports())
                .contains(new Component.Port("metrics.port (apps)", 28050));
        assertThat(table(Map.of("PARLEY_METRICS_PORT", "0")).find("apps").orElseThrow().ports())
                .noneMatch(p -> p.setting().startsWith("metrics"));
        assertThat(table(Map.of("PARLEY_METRICS_PORT", "28080")).portConflict())
                .hasValueSatisfying(m -> assertThat(m).contains("28080").contains("metrics.port (apps)"));
    }

    @Test
    void aPortConfiguredTwiceIsFound() {
        // two edges on the default ports: edge-1 takes 28081 ... and flink.rest-port moved onto it
        ComponentTable t = table(Map.of("PARLEY_STACK_LAYOUT", "split", "PARLEY_EDGE_INSTANCES", "2",
                "PARLEY_FLINK_REST_PORT", "28081"));
        assertThat(t.portConflict()).contains("port 28081 is configured twice: fanout (flink.rest-port) and edge-1 "
                + "(edge.port+1); change one in parley.conf");

        assertThat(table(Map.of()).portConflict()).isEmpty();
        assertThat(table(Map.of("PARLEY_STACK_LAYOUT", "split")).portConflict()).isEmpty();
    }
}
