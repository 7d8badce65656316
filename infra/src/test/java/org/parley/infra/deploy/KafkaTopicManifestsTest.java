package org.parley.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.infra.TopicProvisioner;
import org.parley.infra.TopicSpec;

/**
 * deploy/k8s/data/topics.yaml is generated from the topic catalog ({@link TopicProvisioner#specs} over the cluster's
 * settings in parley-config). After adding a topic or changing a topic setting, regenerate it:
 * {@code ./mvnw -pl infra -am test -Dtest=KafkaTopicManifestsTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Ddeploy.regenerate=true}.
 */
class KafkaTopicManifestsTest {
    static final Path FILE = Manifests.root().resolve("data/topics.yaml");

    @Test
    void topicsYamlIsWhatTheCatalogGenerates() throws IOException {
        String generated = render(DeployDescriptorsTest.clusterSettings());
        if (Boolean.getBoolean("deploy.regenerate")) {
            Files.writeString(FILE, generated, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
                .as("%s is generated: run this test with -Ddeploy.regenerate=true", FILE)
                .isEqualTo(generated);
    }

    @Test
    void aNewCatalogTopicOrAnotherPartitionCountChangesTheFile() {
        Settings s = DeployDescriptorsTest.clusterSettings();
        String now = render(s);
        assertThat(render(s.with(Map.of("topic.partitions", "8192")))).isNotEqualTo(now);
        assertThat(render(s.with(Map.of("topic.signals", "typing")))).contains("name: typing").isNotEqualTo(now);
    }

    static String render(Settings s) {
        StringBuilder out = new StringBuilder("""
                # GENERATED from the topic catalog by KafkaTopicManifestsTest (schemas: TopicCatalog; partitions, replication and
                # configs as org.parley.infra.TopicSpec derives them from the settings in config/parley-config.yaml); do not edit:
                # regenerate with  ./mvnw -pl infra -am test -Dtest=KafkaTopicManifestsTest -Dsurefire.failIfNoSpecifiedTests=false -Ddeploy.regenerate=true
                # Managed by Strimzi's topic operator. Partition counts are never lowered and, for the keyed topics, never raised
                # either (that would move conversations between partitions and break their one order): size them up front.
                """);
        for (TopicSpec t : TopicProvisioner.specs(s)) {
            topic(out, t);
        }
        out.append("# The schema registry's storage (apps/registry.yaml): one partition each, kept forever. Not catalog topics.\n");
        Map<String, String> registry = Map.of("cleanup.policy", "delete", "retention.ms", "-1",
                "min.insync.replicas", s.get("topic.min-insync-replicas"), "unclean.leader.election.enable", "false");
        for (String name : DeployDescriptorsTest.REGISTRY_TOPICS) {
            topic(out, new TopicSpec(name, 1, (short) s.getInt("topic.replication-factor"), registry));
        }
        return out.toString();
    }

    private static void topic(StringBuilder out, TopicSpec t) {
        out.append("---\napiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata:\n  name: ").append(t.name())
                .append("\n  namespace: parley\n  labels:\n    strimzi.io/cluster: parley\nspec:\n  partitions: ")
                .append(t.partitions()).append("\n  replicas: ").append(t.replicationFactor()).append("\n  config:\n");
        for (Map.Entry<String, String> c : t.configs().entrySet()) {
            out.append("    ").append(c.getKey()).append(": \"").append(c.getValue()).append("\"\n");
        }
    }
}
