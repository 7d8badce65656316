package org.parley.infra;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.parley.config.Settings;
import org.parley.schemas.TopicCatalog;

/**
 * Creates every catalog topic that is missing, with its {@link TopicSpec}; brings the configs of existing topics in
 * line. Never changes an existing topic's partition count (that would move keys between partitions and break
 * per-conversation order): it reports the difference instead.
 */
public final class TopicProvisioner {
    private final Settings settings;

    public TopicProvisioner(Settings settings) {
        this.settings = settings;
    }

    public static Properties adminConfig(Settings settings) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "parley-provisioner");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
        return p;
    }

    public static List<TopicSpec> specs(Settings settings) {
        return TopicCatalog.from(settings).all().stream().map(t -> TopicSpec.of(t, settings)).toList();
    }

    public List<String> provision() throws InterruptedException, ExecutionException {
        List<TopicSpec> specs = specs(settings);
        List<String> report = new ArrayList<>();
        try (Admin admin = Admin.create(adminConfig(settings))) {
            Set<String> existing = admin.listTopics().names().get();
            for (TopicSpec spec : specs) {
                if (!existing.contains(spec.name())) {
                    try {
                        admin.createTopics(List.of(new NewTopic(spec.name(), spec.partitions(), spec.replicationFactor())
                                .configs(spec.configs()))).all().get();
                        report.add("created " + describe(spec));
                        continue;
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                }
                report.addAll(reconcile(admin, spec));
            }
        }
        return report;
    }

    private List<String> reconcile(Admin admin, TopicSpec spec) throws InterruptedException, ExecutionException {
        List<String> report = new ArrayList<>();
        TopicDescription d = admin.describeTopics(List.of(spec.name())).allTopicNames().get().get(spec.name());
        int partitions = d.partitions().size();
        int replication = d.partitions().get(0).replicas().size();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        List<AlterConfigOp> changes = new ArrayList<>();
        for (Map.Entry<String, String> e : spec.configs().entrySet()) {
            ConfigEntry current = config.get(e.getKey());
            if (current == null || !e.getValue().equals(current.value())) {
                changes.add(new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET));
            }
        }
        if (changes.isEmpty()) {
            report.add("found   " + describe(spec));
        } else {
            admin.incrementalAlterConfigs(Map.of(resource, changes)).all().get();
            report.add("updated " + describe(spec) + ": set " + changes.stream()
                    .map(c -> c.configEntry().name() + "=" + c.configEntry().value()).collect(Collectors.joining(", ")));
        }
        if (partitions != spec.partitions()) {
            report.add("WARNING: topic " + spec.name() + " has " + partitions + " partitions, settings say "
                    + spec.partitions() + "; left unchanged (re-partitioning moves keys). Use ./parley up --clean for a fresh log.");
        }
        if (replication != spec.replicationFactor()) {
            report.add("WARNING: topic " + spec.name() + " has replication factor " + replication + ", settings say "
                    + spec.replicationFactor() + "; left unchanged.");
        }
        return report;
    }

    static String describe(TopicSpec spec) {
        return "topic " + spec.name() + " (" + spec.partitions() + " partitions, rf " + spec.replicationFactor() + ", "
                + configsText(spec.configs().entrySet()) + ")";
    }

    private static String configsText(Collection<Map.Entry<String, String>> configs) {
        return configs.stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
