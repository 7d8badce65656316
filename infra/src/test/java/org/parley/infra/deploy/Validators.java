package org.parley.infra.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The validators of {@link ManifestValidationTest}, built once. */
final class Validators {
    /** Where the build unpacks the operators' published CRDs (infra/pom.xml, execution unpack-crds). */
    static final Path CRDS = Path.of("target", "crds");

    private static KubernetesModelValidator core;
    private static KubernetesModelValidator strimzi;
    private static Map<String, JsonSchema> crdSchemas;

    private Validators() {
    }

    /** Kubernetes' own kinds, fabric8 kubernetes-model (generated from the Kubernetes OpenAPI specification). */
    static synchronized KubernetesModelValidator core() {
        if (core == null) {
            core = new KubernetesModelValidator(Map.ofEntries(
                    Map.entry("v1/Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
                    Map.entry("v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
                    Map.entry("v1/Secret", io.fabric8.kubernetes.api.model.Secret.class),
                    Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
                    Map.entry("v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
                    Map.entry("apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
                    Map.entry("apps/v1/StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
                    Map.entry("batch/v1/Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class),
                    Map.entry("policy/v1/PodDisruptionBudget",
                            io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
                    Map.entry("rbac.authorization.k8s.io/v1/Role", io.fabric8.kubernetes.api.model.rbac.Role.class),
                    Map.entry("rbac.authorization.k8s.io/v1/RoleBinding",
                            io.fabric8.kubernetes.api.model.rbac.RoleBinding.class)));
        }
        return core;
    }

    /** Strimzi's custom resources, read into Strimzi's own API model (io.strimzi:api, the classes its operator reads). */
    static synchronized KubernetesModelValidator strimzi() {
        if (strimzi == null) {
            strimzi = new KubernetesModelValidator(Map.of(
                    "kafka.strimzi.io/v1/Kafka", io.strimzi.api.kafka.model.kafka.Kafka.class,
                    "kafka.strimzi.io/v1/KafkaNodePool", io.strimzi.api.kafka.model.nodepool.KafkaNodePool.class,
                    "kafka.strimzi.io/v1/KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class));
        }
        return strimzi;
    }

    /** Errors of a manifest against its CRD's schema; empty Optional if no published CRD defines its kind. */
    static Optional<List<String>> crdSchema(JsonNode manifest) {
        String apiVersion = manifest.path("apiVersion").asText();
        String key = apiVersion + "/" + manifest.path("kind").asText();
        JsonSchema schema = crdSchemas().get(key);
        if (schema == null) {
            return Optional.empty();
        }
        return Optional.of(schema.validate(manifest).stream().map(ValidationMessage::getMessage).sorted().toList());
    }

    static synchronized Map<String, JsonSchema> crdSchemas() {
        if (crdSchemas == null) {
            Map<String, JsonNode> converted = new HashMap<>();
            try (Stream<Path> files = Files.walk(CRDS)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).toList()) {
                    for (JsonNode doc : Manifests.read(f)) {
                        if (doc.path("kind").asText().equals("CustomResourceDefinition")) {
                            CrdSchemas.add(doc, converted);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("the operators' CRDs are unpacked into " + CRDS.toAbsolutePath()
                        + " by the build (mvn generate-test-resources)", e);
            }
            // The newest Flink operator API Maven Central serves here is 1.10.0, whose flinkVersion enum ends at v1_20;
            // Flink 2.2 needs an operator of 1.13 or later, whose CRD adds v2_0, v2_1 and v2_2 and is otherwise a
            // superset. That one enum is extended; every other field is checked against 1.10.0's schema.
            JsonNode flink = converted.get("flink.apache.org/v1beta1/FlinkDeployment");
            if (flink != null) {
                ((ArrayNode) flink.path("properties").path("spec").path("properties").path("flinkVersion").path("enum"))
                        .add("v2_0").add("v2_1").add("v2_2");
            }
            JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
            Map<String, JsonSchema> schemas = new HashMap<>();
            converted.forEach((k, v) -> schemas.put(k, factory.getSchema(v)));
            crdSchemas = schemas;
        }
        return crdSchemas;
    }
}
