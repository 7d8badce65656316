package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class StackHealthTest {
    @Test
    void theCombinedLayoutHasOneProcessAndExtraEdgesTheirOwn() {
        Settings s = Settings.of(Map.of("stack.layout", "combined", "edge.instances", "2", "metrics.port", "30000"));
        List<StackHealth.Component> cs = StackHealth.components(s);
        assertThat(cs).extracting(StackHealth.Component::name).containsExactly("apps", "edge-1");
        assertThat(StackHealth.endpoint(s, cs.get(0))).contains(URI.create("http://127.0.0.1:30000/metrics"));
        assertThat(StackHealth.endpoint(s, cs.get(1))).contains(URI.create("http://127.0.0.1:30011/metrics"));
    }

    @Test
    void theSplitLayoutHasAProcessPerRoleAndEdge() {
        Settings s = Settings.of(Map.of("stack.layout", "split", "edge.instances", "2", "metrics.port", "30000",
                "metrics.push.port", "0"));
        List<StackHealth.Component> cs = StackHealth.components(s);
        assertThat(cs).extracting(StackHealth.Component::name)
                .containsExactly("sequencer", "presence", "projections", "fanout", "push", "edge-0", "edge-1");
        assertThat(StackHealth.endpoint(s, cs.get(0))).contains(URI.create("http://127.0.0.1:30001/metrics"));
        assertThat(StackHealth.endpoint(s, cs.get(4))).isEmpty(); // push's endpoint is off
        assertThat(StackHealth.endpoint(s, cs.get(6))).contains(URI.create("http://127.0.0.1:30011/metrics"));
    }

    @Test
    void theClusterTopologyHasAProcessPerInstanceOnTheInstancesMetricsPort() {
        Settings s = Settings.of(Map.of("stack.topology", "cluster", "stack.layout", "combined", "edge.instances", "2",
                "metrics.port", "30000"));
        List<StackHealth.Component> cs = StackHealth.components(s);
        assertThat(cs).extracting(StackHealth.Component::name).containsExactly("sequencer-1", "sequencer-2",
                "presence-1", "presence-2", "projections-1", "projections-2", "push-1", "push-2", "edge-0", "edge-1");
        assertThat(StackHealth.endpoint(s, cs.get(0))).contains(URI.create("http://127.0.0.1:30001/metrics"));
        assertThat(StackHealth.endpoint(s, cs.get(1))).contains(URI.create("http://127.0.0.1:30016/metrics"));
        assertThat(StackHealth.endpoint(s, cs.get(7))).contains(URI.create("http://127.0.0.1:30020/metrics"));
        assertThat(StackHealth.endpoint(s, cs.get(9))).contains(URI.create("http://127.0.0.1:30011/metrics"));
    }

    @Test
    void anUnknownLayoutIsRefused() {
        assertThatThrownBy(() -> StackHealth.components(Settings.of(Map.of("stack.layout", "spread"))))
                .hasMessageContaining("stack.layout").hasMessageContaining("spread");
    }

    @Test
    void aScrapeIsReadForUptimeAndRoles() {
        String body = "# TYPE process_uptime_seconds gauge\nprocess_uptime_seconds 123.5\n"
                + "parley_edge_connections{role=\"edge\"} 2.0\nkafka_consumer_x{client_id=\"c\",role=\"projections\"} 1\n";
        StackHealth.Probe p = StackHealth.parse("apps", "http://h/metrics", 200, body);
        assertThat(p.up()).isTrue();
        assertThat(p.uptimeSeconds()).isEqualTo(123.5);
        assertThat(p.roles()).containsExactly("edge", "projections");
        assertThat(StackHealth.parse("apps", "u", 503, "").up()).isFalse();
        assertThat(StackHealth.parse("apps", "u", 200, "<html>").status()).isEqualTo("not a Parley metrics endpoint");
    }

    @Test
    void theJsonReportHasComponentsGroupsAndHealth() throws Exception {
        StackHealth.Probe up = StackHealth.parse("apps", "http://h/metrics", 200, "process_uptime_seconds 5\n");
        StackHealth.Probe down = new StackHealth.Probe("edge-1", "http://h2/metrics", "down (ConnectException)", null,
                List.of());
        ConsumerLagReport.GroupLag g = ConsumerLagReport.compute("parley-projections", "Stable",
                Map.of(new TopicPartition("conversation-events", 0), 3L), Map.of(new TopicPartition("conversation-events", 0), 5L));
        JsonNode json = new ObjectMapper().readTree(StackHealth.toJson(List.of(up, down), List.of(g), null, false));
        assertThat(json.get("healthy").asBoolean()).isFalse();
        assertThat(json.get("components").get(0).get("up").asBoolean()).isTrue();
        assertThat(json.get("components").get(1).get("status").asText()).startsWith("down");
        assertThat(json.get("groups").get(0).get("group").asText()).isEqualTo("parley-projections");
        assertThat(json.get("groups").get(0).get("lag").asLong()).isEqualTo(2);
        assertThat(json.get("groups").get(0).get("partitions").get(0).get("end").asLong()).isEqualTo(5);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StackHealth.printTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(up, down), List.of(g), null);
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("apps").contains("up").contains("edge-1").contains("down")
                .containsPattern("parley-projections\\s+Stable\\s+2\\s+2\\s+1");
    }
}
