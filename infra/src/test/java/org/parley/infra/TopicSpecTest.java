package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.schemas.TopicCatalog;
import org.parley.schemas.TopicCatalog.Layout;

class TopicSpecTest {
    private final Settings settings = Settings.of(Map.of(
            "topic.partitions", "6",
            "topic.edge-partitions", "16",
            "topic.replication-factor", "3",
            "topic.min-insync-replicas", "2"));
    private final TopicCatalog catalog = TopicCatalog.from(settings);

    @Test
    void keyedLogIsKeptForeverWithTheConfiguredPartitions() {
        TopicSpec spec = TopicSpec.of(catalog.conversationEvents(), settings);
        assertThat(spec.name()).isEqualTo("conversation-events");
        assertThat(spec.partitions()).isEqualTo(6);
        assertThat(spec.replicationFactor()).isEqualTo((short) 3);
        assertThat(spec.configs()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "min.insync.replicas", "2",
                "unclean.leader.election.enable", "false",
                "cleanup.policy", "delete",
                "retention.ms", "-1"));
    }

    @Test
    void perEdgeTopicsHaveEdgePartitionsAndOneHourRetention() {
        TopicSpec spec = TopicSpec.of(catalog.edgeDeliveries(), settings);
        assertThat(spec.partitions()).isEqualTo(16);
        assertThat(spec.configs()).containsEntry("retention.ms", "3600000").containsEntry("cleanup.policy", "delete");
    }

    @Test
    void compactedTopicsAreCompactedWithoutTimeRetention() {
        TopicSpec spec = TopicSpec.of(catalog.devices(), settings);
        assertThat(spec.partitions()).isEqualTo(6);
        assertThat(spec.configs()).containsEntry("cleanup.policy", "compact").doesNotContainKey("retention.ms");
    }

    @Test
    void everyCatalogTopicGetsTheDurabilityConfigs() {
        List<TopicSpec> specs = TopicProvisioner.specs(settings);
        assertThat(specs).hasSize(catalog.all().size());
        assertThat(specs).allSatisfy(s -> assertThat(s.configs())
                .containsEntry("min.insync.replicas", "2")
                .containsEntry("unclean.leader.election.enable", "false"));
        for (TopicCatalog.Topic t : catalog.all()) {
            TopicSpec s = TopicSpec.of(t, settings);
            assertThat(s.partitions()).isEqualTo(t.layout() == Layout.PER_EDGE ? 16 : 6);
        }
    }

    @Test
    void minIsrAboveReplicationIsRefused() {
        Settings bad = settings.with(Map.of("topic.min-insync-replicas", "4"));
        assertThatThrownBy(() -> TopicSpec.of(catalog.actions(), bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topic.min-insync-replicas");
    }

    @Test
    void localDefaultsAreOneReplica() {
        Settings defaults = Settings.of(Map.of());
        TopicSpec spec = TopicSpec.of(TopicCatalog.from(defaults).actions(), defaults);
        assertThat(spec.replicationFactor()).isEqualTo((short) 1);
        assertThat(spec.configs()).containsEntry("min.insync.replicas", "1");
    }
}
