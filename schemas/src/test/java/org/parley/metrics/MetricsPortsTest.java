package org.parley.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class MetricsPortsTest {
    @Test
    void eachRoleIsTheBasePlusItsOffsetAndAnEdgeAddsItsId() {
        Settings s = Settings.of(Map.of("metrics.port", "30000"));
        assertThat(MetricsPorts.port(s, "apps")).contains(30000);
        assertThat(MetricsPorts.port(s, "sequencer")).contains(30001);
        assertThat(MetricsPorts.port(s, "presence")).contains(30002);
        assertThat(MetricsPorts.port(s, "projections")).contains(30003);
        assertThat(MetricsPorts.port(s, "fanout")).contains(30004);
        assertThat(MetricsPorts.port(s, "push")).contains(30005);
        assertThat(MetricsPorts.port(s, "edge")).contains(30010);
        assertThat(MetricsPorts.port(s.with(Map.of("edge.id", "3")), "edge")).contains(30013);
    }

    @Test
    void aRolesOwnPortWinsAndAnEdgeStillAddsItsId() {
        Settings s = Settings.of(Map.of("metrics.port", "30000", "metrics.push.port", "31000",
                "metrics.edge.port", "32000", "edge.id", "2"));
        assertThat(MetricsPorts.port(s, "push")).contains(31000);
        assertThat(MetricsPorts.port(s, "edge")).contains(32002);
        assertThat(MetricsPorts.port(s, "sequencer")).contains(30001);
    }

    @Test
    void zeroTurnsEndpointsOff() {
        assertThat(MetricsPorts.port(Settings.of(Map.of("metrics.port", "0")), "sequencer")).isEmpty();
        assertThat(MetricsPorts.port(Settings.of(Map.of("metrics.push.port", "0")), "push")).isEmpty();
        // a role with a port of its own is served even when the base is off
        assertThat(MetricsPorts.port(Settings.of(Map.of("metrics.port", "0", "metrics.push.port", "31000")), "push"))
                .contains(31000);
    }

    @Test
    void theDefaultIsOnLoopbackPorts() {
        assertThat(MetricsPorts.port(Settings.of(Map.of()), "apps")).contains(28050);
    }

    @Test
    void badPortsAndRolesAreRefusedWithTheSettingNamed() {
        assertThatThrownBy(() -> MetricsPorts.port(Settings.of(Map.of("metrics.port", "eighty")), "push"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("metrics.port").hasMessageContaining("eighty");
        assertThatThrownBy(() -> MetricsPorts.port(Settings.of(Map.of("metrics.edge.port", "-1")), "edge"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("metrics.edge.port");
        assertThatThrownBy(() -> MetricsPorts.port(Settings.of(Map.of("metrics.port", "65530")), "edge"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("above 65535");
        assertThatThrownBy(() -> MetricsPorts.port(Settings.of(Map.of()), "gateway"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway");
    }
}
