package org.parley.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.infra.TopicProvisioner;
import org.parley.infra.TopicSpec;
import org.parley.infra.deploy.Manifests.Doc;

/**
 * Keeps the production manifests (deploy/k8s) from drifting away from the code: every setting they set exists, the
 * topics are the catalog's with the provisioner's partitions and configs, the endpoints name the services the
 * operators create, and the numbers that must agree (parallelism, edges vs per-edge partitions) agree.
 */
class DeployDescriptorsTest {
    /** The schema registry's own storage topics (deploy/k8s/apps/registry.yaml), besides the catalog's. */
    static final List<String> REGISTRY_TOPICS = List.of("kafkasql-journal", "kafkasql-snapshots");

    @Test
    void everyManifestFileIsInAKustomizationAndEveryListedFileExists() {
        List<Path> expected = Manifests.allYamlFiles().stream()
                .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
                .filter(p -> !p.getFileName().toString().endsWith(".example.yaml"))
                .toList();

        assertThat(Manifests.files()).allMatch(p -> p.toFile().isFile(), "exists");
        assertThat(Manifests.files()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void everyParleyVariableIsASettingOfTheDefaults() {
        Map<String, String> known = envNames();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, String> e : parleyVariables().entrySet()) {
            if (!known.containsKey(e.getKey())) {
                unknown.add(e.getKey() + " (" + e.getValue() + ")");
            }
        }
        assertThat(unknown).as("PARLEY_ variables that are no key of parley-defaults.properties").isEmpty();
        assertThat(parleyVariables()).isNotEmpty();
    }

    @Test
    void theSettingsAreValidForTheCode() {
        Settings s = clusterSettings();
        // Each throws with the key's name if its value does not parse.
        assertThat(s.getInt("topic.partitions")).isPositive();
        assertThat(s.getInt("topic.edge-partitions")).isPositive();
        assertThat(s.getInt("streams.threads")).isPositive();
        assertThat(s.getInt("streams.standby-replicas")).isPositive();
        assertThat(s.getInt("flink.parallelism")).isPositive();
        assertThat(org.parley.infra.CqlScript.replication(s))
                .isEqualTo("{'class': 'NetworkTopologyStrategy', 'dc1': 3}");
        assertThat(TopicProvisioner.specs(s)).isNotEmpty();
    }

    @Test
    void theClusterRunsWithTheProductionSecuritySettings() {
        Settings s = clusterSettings();
        // docs/security.md: no address is exempt from the limits, codes leave through the gateway, no loopback pushes.
        assertThat(s.find("limits.address.exempt")).isEmpty();
        assertThat(s.find("identity.rate-limit-exempt-addresses")).isEmpty();
        assertThat(s.getBoolean("push.allow-loopback-http")).isFalse();
        assertThat(s.get("identity.sender")).isEqualTo("http");
        assertThat(s.get("edge.tls")).isEqualTo("pem");
        assertThat(s.get("bind.host")).isEqualTo("0.0.0.0");
        // Shared secrets come from parley-secrets, never from the ConfigMap (each pod would otherwise make its own).
        for (String secret : List.of("s3.secret-key", "push.vapid-private-key", "identity.code-hash-key",
                "identity.http-sender.authorization")) {
            assertThat(configMapKeys()).as(secret).doesNotContain(Settings.envName(secret));
            assertThat(secretExampleKeys()).as(secret).contains(Settings.envName(secret));
        }
    }

    @Test
    void theKafkaTopicsAreTheTopicCatalogWithTheProvisionersPartitionsAndConfigs() {
        Map<String, TopicSpec> expected = TopicProvisioner.specs(clusterSettings()).stream()
                .collect(Collectors.toMap(TopicSpec::name, Function.identity()));
        Map<String, TopicSpec> declared = new TreeMap<>();
        for (Doc d : Manifests.ofKind("KafkaTopic")) {
            JsonNode spec = d.node().path("spec");
            String name = spec.hasNonNull("topicName") ? spec.get("topicName").asText() : d.name();
            Map<String, String> config = new TreeMap<>();
            spec.path("config").fields().forEachRemaining(f -> config.put(f.getKey(), f.getValue().asText()));
            assertThat(declared.put(name, new TopicSpec(name, spec.path("partitions").asInt(),
                    (short) spec.path("replicas").asInt(), config))).as("topic %s declared twice", name).isNull();
            assertThat(d.node().path("metadata").path("labels").path("strimzi.io/cluster").asText())
                    .as("%s: cluster label", d.where()).isEqualTo(kafka().name());
        }
        for (String t : REGISTRY_TOPICS) {
            TopicSpec registry = declared.remove(t);
            assertThat(registry).as("registry topic %s", t).isNotNull();
            assertThat(registry.partitions()).as("%s keeps one order: one partition", t).isEqualTo(1);
            assertThat(registry.replicationFactor()).isEqualTo((short) 3);
            assertThat(registry.configs()).containsEntry("min.insync.replicas", "2")
                    .containsEntry("unclean.leader.election.enable", "false");
        }
        assertThat(declared.keySet()).as("KafkaTopics vs TopicCatalog").containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(declared).isEqualTo(new TreeMap<>(expected));
    }

    @Test
    void theRegistryUsesTheTopicsDeclaredForIt() {
        Map<String, String> env = env(container(deployment("registry")));
        assertThat(env).containsEntry("APICURIO_STORAGE_KIND", "kafkasql")
                .containsEntry("APICURIO_KAFKASQL_TOPIC", REGISTRY_TOPICS.get(0))
                .containsEntry("APICURIO_KAFKASQL_TOPIC_AUTO_CREATE", "false")
                .containsEntry("APICURIO_KAFKASQL_BOOTSTRAP_SERVERS", clusterSettings().kafkaBootstrap());
    }

    @Test
    void kafkaLosesNothingAcknowledged() {
        JsonNode config = kafka().node().path("spec").path("kafka").path("config");
        assertThat(config.path("default.replication.factor").asInt()).isEqualTo(3);
        assertThat(config.path("min.insync.replicas").asInt()).isEqualTo(2);
        assertThat(config.path("unclean.leader.election.enable").asBoolean(true)).isFalse();
        assertThat(config.path("auto.create.topics.enable").asBoolean(true)).isFalse();
        assertThat(config.path("transaction.state.log.min.isr").asInt()).isEqualTo(2);
        assertThat(config.path("offsets.topic.replication.factor").asInt()).isEqualTo(3);
        Settings s = clusterSettings();
        assertThat(s.getInt("topic.replication-factor")).isEqualTo(3);
        assertThat(s.getInt("topic.min-insync-replicas")).isEqualTo(2);
        assertThat(kafka().node().path("spec").path("kafka").path("rack").path("topologyKey").asText())
                .isEqualTo("topology.kubernetes.io/zone");
        int brokers = 0;
        int controllers = 0;
        for (Doc pool : Manifests.ofKind("KafkaNodePool")) {
            List<String> roles = new ArrayList<>();
            pool.node().path("spec").path("roles").forEach(r -> roles.add(r.asText()));
            int replicas = pool.node().path("spec").path("replicas").asInt();
            brokers += roles.contains("broker") ? replicas : 0;
            controllers += roles.contains("controller") ? replicas : 0;
        }
        assertThat(brokers).as("brokers: a multiple of the 3 zones").isGreaterThanOrEqualTo(3).matches(b -> b % 3 == 0);
        assertThat(controllers).as("KRaft controllers: an odd majority over 3 zones").isGreaterThanOrEqualTo(3)
                .matches(c -> c % 2 == 1);
    }

    @Test
    void theBrokersExportTheBeansOfTheLocalStacksBrokerEndpoint() throws Exception {
        JsonNode ref = kafka().node().path("spec").path("kafka").path("metricsConfig");
        assertThat(ref.path("type").asText()).isEqualTo("jmxPrometheusExporter");
        String map = ref.path("valueFrom").path("configMapKeyRef").path("name").asText();
        String key = ref.path("valueFrom").path("configMapKeyRef").path("key").asText();
        Doc configMap = Manifests.ofKind("ConfigMap").stream().filter(d -> d.name().equals(map)).findFirst().orElseThrow();
        com.fasterxml.jackson.databind.ObjectMapper yaml = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode deployed = yaml.readTree(configMap.node().path("data").path(key).asText());
        JsonNode local = yaml.readTree(java.nio.file.Files.readString(
                Manifests.root().getParent().getParent().resolve("infra/stack/jmx-exporter/kafka.yaml")));
        assertThat(deployed).isEqualTo(local);
        assertThat(deployed.path("includeObjectNames")).isNotEmpty();
    }

    @Test
    void theEndpointsNameTheServicesTheOperatorsCreate() {
        Settings s = clusterSettings();
        assertThat(host(s.kafkaBootstrap())).isEqualTo(kafka().name() + "-kafka-bootstrap.parley.svc");
        Doc scylla = Manifests.ofKind("ScyllaCluster").get(0);
        assertThat(host(s.cqlContactPoint())).isEqualTo(scylla.name() + "-client.parley.svc");
        assertThat(s.get("cql.datacenter")).isEqualTo(scylla.node().path("spec").path("datacenter").path("name").asText());
        assertThat(URI.create(s.s3Endpoint()).getHost()).isEqualTo("minio.parley.svc");
        List<String> buckets = new ArrayList<>();
        Manifests.ofKind("Tenant").get(0).node().path("spec").path("buckets").forEach(b -> buckets.add(b.path("name").asText()));
        assertThat(buckets).contains(s.get("s3.media-bucket"), "parley-flink");
        assertThat(URI.create(s.registryUrl()).getHost()).isEqualTo(service("registry").name() + ".parley.svc");
        assertThat(URI.create(s.registryUrl()).getPort())
                .isEqualTo(service("registry").node().path("spec").path("ports").get(0).path("port").asInt());
        assertThat(s.registryUrl()).endsWith("/apis/ccompat/v7");
    }

    @Test
    void scyllaHasOneRackPerZoneAndTheKeyspaceThreeReplicas() {
        JsonNode racks = Manifests.ofKind("ScyllaCluster").get(0).node().path("spec").path("datacenter").path("racks");
        assertThat(racks.size()).isEqualTo(3);
        assertThat(clusterSettings().getInt("cql.replication-factor")).isEqualTo(racks.size());
        List<String> zones = new ArrayList<>();
        racks.forEach(r -> zones.add(r.path("placement").path("nodeAffinity")
                .path("requiredDuringSchedulingIgnoredDuringExecution").path("nodeSelectorTerms").get(0)
                .path("matchExpressions").get(0).path("values").get(0).asText()));
        assertThat(zones).doesNotHaveDuplicates().hasSize(3);
    }

    @Test
    void theFanOutsParallelismIsTheSettingAndFitsItsSlots() {
        JsonNode spec = Manifests.ofKind("FlinkDeployment").get(0).node().path("spec");
        int parallelism = spec.path("job").path("parallelism").asInt();
        assertThat(parallelism).isEqualTo(clusterSettings().getInt("flink.parallelism"));
        int slots = spec.path("taskManager").path("replicas").asInt()
                * spec.path("flinkConfiguration").path("taskmanager.numberOfTaskSlots").asInt();
        assertThat(slots).isGreaterThanOrEqualTo(parallelism);
        assertThat(parallelism).isLessThanOrEqualTo(4096); // flink.max-parallelism (FanoutConfig's default)
        assertThat(spec.path("job").path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(spec.path("jobManager").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(spec.path("flinkConfiguration").path("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(spec.path("flinkConfiguration").path("execution.checkpointing.dir").asText()).startsWith("s3://");
    }

    @Test
    void theEdgesFitThePerEdgeTopicsAndTheStreamThreadsThePartitions() {
        Settings s = clusterSettings();
        Doc edge = Manifests.ofKind("StatefulSet").stream().filter(d -> d.name().equals("edge")).findFirst().orElseThrow();
        assertThat(edge.node().path("spec").path("replicas").asInt()).isLessThanOrEqualTo(s.getInt("topic.edge-partitions"));
        // The edge id is the pod's ordinal: unique, stable across restarts, 0..replicas-1.
        assertThat(env(container(edge))).containsKey("PARLEY_EDGE_ID");
        assertThat(container(edge).path("env").findValuesAsText("fieldPath"))
                .containsExactly("metadata.labels['apps.kubernetes.io/pod-index']");
        for (String app : List.of("sequencer", "presence")) {
            int replicas = deployment(app).node().path("spec").path("replicas").asInt();
            assertThat(replicas * s.getInt("streams.threads")).as("%s stream threads", app)
                    .isLessThanOrEqualTo(s.getInt("topic.partitions"));
        }
        for (String app : List.of("projections", "push")) {
            assertThat(deployment(app).node().path("spec").path("replicas").asInt()).as("%s consumers", app)
                    .isLessThanOrEqualTo(s.getInt("topic.partitions"));
        }
    }

    @Test
    void everyWorkloadSpreadsOverZonesAndHasADisruptionBudget() {
        List<Doc> workloads = new ArrayList<>(Manifests.ofKind("Deployment"));
        workloads.addAll(Manifests.ofKind("StatefulSet"));
        List<Doc> budgets = Manifests.ofKind("PodDisruptionBudget");
        assertThat(workloads).hasSizeGreaterThanOrEqualTo(7);
        for (Doc w : workloads) {
            JsonNode labels = w.node().path("spec").path("template").path("metadata").path("labels");
            assertThat(budgets).as("%s: a PodDisruptionBudget selects it", w.where()).anyMatch(b -> selects(b, labels));
            JsonNode spread = w.node().path("spec").path("template").path("spec").path("topologySpreadConstraints");
            assertThat(spread.findValuesAsText("topologyKey")).as("%s spreads over zones", w.where())
                    .contains("topology.kubernetes.io/zone");
            assertThat(labels.path("app.kubernetes.io/part-of").asText())
                    .as("%s: Kafka's listener admits part-of=parley pods only", w.where()).isEqualTo("parley");
        }
    }

    @Test
    void everyParleyPodReadsTheSettingsAndTheSecrets() {
        for (Doc d : podOwners()) {
            JsonNode c = "FlinkDeployment".equals(d.kind())
                    ? d.node().path("spec").path("podTemplate").path("spec").path("containers").get(0)
                    : container(d);
            if (c.path("image").asText().contains("apicurio")) {
                continue;
            }
            assertThat(c.path("envFrom").findValuesAsText("name")).as(d.where())
                    .contains("parley-config", "parley-secrets");
        }
    }

    // ---- helpers

    static boolean selects(Doc budget, JsonNode podLabels) {
        JsonNode match = budget.node().path("spec").path("selector").path("matchLabels");
        if (match.isEmpty()) {
            return false;
        }
        var it = match.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(podLabels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    static String host(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    static Doc kafka() {
        return Manifests.ofKind("Kafka").get(0);
    }

    static Doc deployment(String name) {
        return Manifests.ofKind("Deployment").stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    static Doc service(String name) {
        return Manifests.ofKind("Service").stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    static JsonNode container(Doc workload) {
        return workload.node().path("spec").path("template").path("spec").path("containers").get(0);
    }

    static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText(null)));
        return env;
    }

    /** Deployments, StatefulSets, Jobs and the FlinkDeployment: everything that runs a Parley process. */
    static List<Doc> podOwners() {
        List<Doc> out = new ArrayList<>();
        for (String kind : List.of("Deployment", "StatefulSet", "Job", "FlinkDeployment")) {
            out.addAll(Manifests.ofKind(kind));
        }
        return out;
    }

    /** PARLEY_* names the manifests set (ConfigMap, the example Secret, container env), with where. */
    static Map<String, String> parleyVariables() {
        Map<String, String> vars = new TreeMap<>();
        List<Doc> docs = new ArrayList<>(Manifests.docs());
        docs.addAll(Manifests.docs(Manifests.root().resolve("config/parley-secrets.example.yaml")));
        for (Doc d : docs) {
            for (String field : List.of("data", "stringData")) {
                if (d.kind().equals("ConfigMap") || d.kind().equals("Secret")) {
                    d.node().path(field).fieldNames().forEachRemaining(k -> {
                        if (k.startsWith("PARLEY_")) {
                            vars.put(k, d.where());
                        }
                    });
                }
            }
            for (JsonNode name : d.node().findValues("env")) {
                name.forEach(e -> {
                    String n = e.path("name").asText();
                    if (n.startsWith("PARLEY_")) {
                        vars.put(n, d.where());
                    }
                });
            }
        }
        return vars;
    }

    static List<String> configMapKeys() {
        List<String> keys = new ArrayList<>();
        Manifests.ofKind("ConfigMap").stream().filter(d -> d.name().equals("parley-config")).findFirst().orElseThrow()
                .node().path("data").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    static List<String> secretExampleKeys() {
        List<String> keys = new ArrayList<>();
        Manifests.docs(Manifests.root().resolve("config/parley-secrets.example.yaml")).get(0)
                .node().path("stringData").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** PARLEY_&lt;KEY&gt; of every key of parley-defaults.properties, to its key. */
    static Map<String, String> envNames() {
        Properties defaults = new Properties();
        try (InputStream in = Settings.class.getResourceAsStream("/parley-defaults.properties")) {
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> names = new HashMap<>();
        for (String key : defaults.stringPropertyNames()) {
            names.put(Settings.envName(key), key);
        }
        return names;
    }

    /** The settings every pod sees: parley-config's values over the defaults. */
    static Settings clusterSettings() {
        Map<String, String> names = envNames();
        Map<String, String> values = new HashMap<>();
        Doc config = Manifests.ofKind("ConfigMap").stream().filter(d -> d.name().equals("parley-config"))
                .findFirst().orElseThrow();
        config.node().path("data").fields().forEachRemaining(e -> {
            String key = names.get(e.getKey());
            assertThat(key).as("%s is a setting", e.getKey()).isNotNull();
            values.put(key, e.getValue().asText());
        });
        return Settings.of(values);
    }
}
