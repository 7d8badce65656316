package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class ProjectionWriterAppTest {
    @Test
    void projectsOnlyCommittedRecordsAndCommitsByHand() {
        Properties p = ProjectionWriterApp.consumerConfig(Settings.of(Map.of()));
        assertThat(p.get("isolation.level")).isEqualTo("read_committed");
        assertThat(p.get("enable.auto.commit")).isEqualTo(false);
        assertThat(p.get("auto.offset.reset")).isEqualTo("earliest");
    }

    @Test
    void aDeadWriterHoldsItsPartitionsForTheConfiguredSessionOnly() {
        // Kafka's default (45 s) kept a SIGKILLed writer's partitions unread that long; the setting decides.
        Properties p = ProjectionWriterApp.consumerConfig(Settings.of(Map.of("kafka.consumer.session-timeout-ms", "9000")));
        assertThat(p.get("session.timeout.ms")).isEqualTo(9000);
        assertThat(p.get("heartbeat.interval.ms")).isEqualTo(3000);
        assertThat(ProjectionWriterApp.consumerConfig(Settings.of(Map.of())).get("session.timeout.ms")).isEqualTo(10000);
    }

    @Test
    void bucketsBoundPartitions() {
        assertThat(Buckets.of(0)).isZero();
        assertThat(Buckets.of(999)).isZero();
        assertThat(Buckets.of(1000)).isEqualTo(1);
    }
}
