package org.parley.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.parley.infra.deploy.Manifests.Doc;

/**
 * Validates every manifest of deploy/k8s with published tools, never by eye (docs/deploy.md, "What is validated"):
 * <ul>
 *   <li>Kubernetes' own kinds: read strictly into fabric8's kubernetes-model classes (Maven Central), which are
 *       generated from the Kubernetes OpenAPI specification: every field must exist where it stands, with its type.</li>
 *   <li>Custom resources of the operators that publish their CRDs on Maven Central: validated against the CRD's
 *       openAPIV3Schema with a JSON Schema validator (networknt), strictly ({@link CrdSchemas}).</li>
 *   <li>The others (ScyllaCluster, MinIO Tenant): their shape only ({@link ShapeChecks}); their CRDs are not published
 *       in any registry this build can reach.</li>
 * </ul>
 * Each validator also gets a broken copy of a real manifest and must refuse it: the tests can fail.
 */
class ManifestValidationTest {

    @Test
    void everyManifestIsCoveredByAValidator() {
        List<String> uncovered = new ArrayList<>();
        for (Doc d : Manifests.docs()) {
            if (!Validators.core().knows(d.node()) && Validators.crdSchema(d.node()).isEmpty()
                    && !Validators.strimzi().knows(d.node()) && !ShapeChecks.covers(d.node())) {
                uncovered.add(d.where() + " " + KubernetesModelValidator.key(d.node()));
            }
        }
        assertThat(uncovered).isEmpty();
    }

    @Test
    void kubernetesKindsMatchTheKubernetesApiModel() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Doc d : Manifests.docs()) {
            if (Validators.core().knows(d.node())) {
                checked++;
                Validators.core().problem(d.node()).ifPresent(p -> problems.add(d.where() + ": " + p));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(25);
    }

    @Test
    void theKubernetesModelRefusesAnUnknownFieldAWrongTypeAndAMisplacedField() {
        ObjectNode edge = (ObjectNode) doc("StatefulSet", "edge").deepCopy();
        ObjectNode unknown = edge.deepCopy();
        ((ObjectNode) unknown.path("spec")).put("replica", 3);
        assertThat(Validators.core().problem(unknown)).get().asString().contains("replica");

        ObjectNode wrongType = edge.deepCopy();
        ((ObjectNode) wrongType.path("spec")).put("replicas", "200");
        assertThat(Validators.core().problem(wrongType)).isPresent();

        ObjectNode misplaced = edge.deepCopy();
        ((ObjectNode) misplaced.path("spec").path("template").path("spec").path("containers").get(0))
                .putObject("topologySpreadConstraints");
        assertThat(Validators.core().problem(misplaced)).get().asString().contains("topologySpreadConstraints");

        ObjectNode numberForString = doc("ConfigMap", "parley-config").deepCopy();
        ((ObjectNode) numberForString.path("data")).put("PARLEY_TOPIC_PARTITIONS", 4096);
        assertThat(Validators.core().problem(numberForString)).isPresent();

        assertThat(Validators.core().problem(edge)).isEmpty();
    }

    @Test
    void customResourcesMatchTheirOperatorsPublishedSchemas() {
        List<String> problems = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (Doc d : Manifests.docs()) {
            Optional<List<String>> errors = Validators.crdSchema(d.node());
            if (errors.isPresent()) {
                checked.add(d.kind());
                errors.get().forEach(e -> problems.add(d.where() + ": " + e));
            }
            if (Validators.strimzi().knows(d.node())) {
                checked.add(d.kind());
                Validators.strimzi().problem(d.node()).ifPresent(p -> problems.add(d.where() + ": " + p));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).contains("FlinkDeployment", "Kafka", "KafkaNodePool", "KafkaTopic");
    }

    @Test
    void theFlinkDeploymentSchemaRefusesAnUnknownFieldAndAWrongEnum() {
        ObjectNode fanout = doc("FlinkDeployment", "fanout").deepCopy();
        assertThat(Validators.crdSchema(fanout)).get().asList().isEmpty();

        ObjectNode unknown = fanout.deepCopy();
        ((ObjectNode) unknown.path("spec").path("job")).put("upgradeMod", "savepoint");
        assertThat(Validators.crdSchema(unknown)).get().asList().isNotEmpty();

        ObjectNode badEnum = fanout.deepCopy();
        ((ObjectNode) badEnum.path("spec").path("job")).put("upgradeMode", "checkpoint");
        assertThat(Validators.crdSchema(badEnum)).get().asList().isNotEmpty();

        ObjectNode badPod = fanout.deepCopy();
        ((ObjectNode) badPod.path("spec").path("podTemplate").path("spec").path("containers").get(0))
                .put("envFrm", "x");
        assertThat(Validators.crdSchema(badPod)).get().asList().isNotEmpty();
    }

    @Test
    void theStrimziModelRefusesAnUnknownFieldAndAWrongType() {
        ObjectNode kafka = doc("Kafka", "parley").deepCopy();
        assertThat(Validators.strimzi().problem(kafka)).isEmpty();

        ObjectNode unknown = kafka.deepCopy();
        ((ObjectNode) unknown.path("spec").path("kafka")).putObject("racks");
        assertThat(Validators.strimzi().problem(unknown)).get().asString().contains("racks");

        ObjectNode topic = doc("KafkaTopic", "actions").deepCopy();
        assertThat(Validators.strimzi().problem(topic)).isEmpty();
        ((ObjectNode) topic.path("spec")).put("partitions", "many");
        assertThat(Validators.strimzi().problem(topic)).isPresent();
    }

    @Test
    void scyllaAndMinioHaveTheShapeTheirOperatorsRead() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Doc d : Manifests.docs()) {
            if (ShapeChecks.covers(d.node())) {
                checked++;
                ShapeChecks.problems(d.node()).forEach(p -> problems.add(d.where() + ": " + p));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isEqualTo(2);

        ObjectNode scylla = doc("ScyllaCluster", "parley-db").deepCopy();
        ((ObjectNode) scylla.path("spec").path("datacenter").path("racks").get(0)).remove("members");
        assertThat(ShapeChecks.problems(scylla)).isNotEmpty();
        ObjectNode tenant = doc("Tenant", "parley-media").deepCopy();
        ((ObjectNode) tenant.path("spec").path("pools").get(0)).put("servers", "18");
        assertThat(ShapeChecks.problems(tenant)).isNotEmpty();
    }

    @Test
    void everyResourceQuantityParsesAndNoRequestExceedsItsLimit() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Doc d : Manifests.docs()) {
            for (JsonNode resources : d.node().findValues("resources")) {
                for (String kind : List.of("requests", "limits")) {
                    var it = resources.path(kind).fields();
                    while (it.hasNext()) {
                        var e = it.next();
                        checked++;
                        try {
                            Quantity.getAmountInBytes(new Quantity(e.getValue().asText()));
                        } catch (RuntimeException bad) {
                            problems.add(d.where() + ": " + kind + "." + e.getKey() + " '" + e.getValue().asText()
                                    + "' is no Kubernetes quantity");
                        }
                        JsonNode limit = resources.path("limits").path(e.getKey());
                        if (kind.equals("requests") && limit.isValueNode()
                                && Quantity.getAmountInBytes(new Quantity(limit.asText()))
                                .compareTo(Quantity.getAmountInBytes(new Quantity(e.getValue().asText()))) < 0) {
                            problems.add(d.where() + ": request " + e.getKey() + " above its limit");
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThan(20);
        assertThatThrownBy(() -> Quantity.getAmountInBytes(new Quantity("60 GB"))).isInstanceOf(RuntimeException.class);
    }

    static JsonNode doc(String kind, String name) {
        return Manifests.ofKind(kind).stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow().node();
    }
}
