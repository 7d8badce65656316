package org.parley.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.infra.deploy.Manifests.Doc;

/**
 * Validates deploy/k8s's Strimzi resources against the CRDs of the Strimzi release they target, made by Strimzi's
 * own CRD generator from its API model (both from Maven Central, deploy/validate/strimzi-crd-generator/pom.xml): the
 * same schemas Strimzi publishes, with their bounds (minimums, patterns, enums, required fields), which reading into
 * the model classes ({@link ManifestValidationTest}) cannot check. Strimzi 1.x is built for Java 21, so the generator
 * runs in a Java 21+ found on the machine ({@code JAVA21_HOME}, else {@code /usr/lib/jvm/*}); without one this test
 * is skipped and says so (the model check still runs).
 */
class StrimziCrdSchemaTest {
    static final List<String> MODEL_CLASSES = List.of("io.strimzi.api.kafka.model.kafka.Kafka",
            "io.strimzi.api.kafka.model.nodepool.KafkaNodePool", "io.strimzi.api.kafka.model.topic.KafkaTopic");
    static final Path OUT = Path.of("target", "crds-generated", "strimzi").toAbsolutePath();
    static Map<String, JsonSchema> schemas;

    @BeforeAll
    static void generate() throws Exception {
        Optional<Path> java = java21();
        Assumptions.assumeTrue(java.isPresent(),
                "no Java 21 or newer (JAVA21_HOME, /usr/lib/jvm): Strimzi's CRD generator cannot run");
        Path repo = Manifests.root().getParent().getParent();
        Files.createDirectories(OUT);
        Path cp = OUT.resolve("classpath.txt");
        run(repo, List.of(repo.resolve("mvnw").toString(), "-q", "-B", "-f",
                "deploy/validate/strimzi-crd-generator/pom.xml", "dependency:build-classpath",
                "-Dmdep.outputFile=" + cp));
        List<String> command = new ArrayList<>(List.of(java.get().toString(), "-cp",
                Files.readString(cp, StandardCharsets.UTF_8).trim(), "io.strimzi.crdgenerator.CrdGenerator", "--yaml",
                "--crd-api-version", "v1", "--api-versions", "v1", "--storage-version", "v1"));
        for (String c : MODEL_CLASSES) {
            command.add(c + "=" + OUT.resolve(c.substring(c.lastIndexOf('.') + 1) + ".yaml"));
        }
        run(repo, command);
        Map<String, JsonNode> converted = new HashMap<>();
        for (String c : MODEL_CLASSES) {
            for (JsonNode crd : Manifests.read(OUT.resolve(c.substring(c.lastIndexOf('.') + 1) + ".yaml"))) {
                CrdSchemas.add(crd, converted);
            }
        }
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
        schemas = new HashMap<>();
        converted.forEach((k, v) -> schemas.put(k, factory.getSchema(v)));
    }

    @Test
    void theStrimziResourcesMatchStrimzisCrds() {
        List<String> problems = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (Doc d : Manifests.docs()) {
            if (d.apiVersion().startsWith("kafka.strimzi.io/")) {
                checked.add(d.kind());
                errors(d.node()).forEach(e -> problems.add(d.where() + ": " + e));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).contains("Kafka", "KafkaNodePool", "KafkaTopic");
    }

    @Test
    void theCrdsCatchWhatTheModelCannot() {
        ObjectNode topic = ManifestValidationTest.doc("KafkaTopic", "actions").deepCopy();
        assertThat(errors(topic)).isEmpty();
        ((ObjectNode) topic.path("spec")).put("partitions", 0);
        assertThat(errors(topic)).isNotEmpty(); // minimum 1: the model class takes any int
        ObjectNode pool = ManifestValidationTest.doc("KafkaNodePool", "brokers").deepCopy();
        ((ObjectNode) pool.path("spec").path("storage")).put("type", "jbd");
        assertThat(errors(pool)).isNotEmpty();
        ObjectNode kafka = ManifestValidationTest.doc("Kafka", "parley").deepCopy();
        ((ObjectNode) kafka.path("spec").path("kafka").path("listeners").get(0)).remove("type");
        assertThat(errors(kafka)).isNotEmpty(); // required
    }

    static List<String> errors(JsonNode manifest) {
        JsonSchema schema = schemas.get(manifest.path("apiVersion").asText() + "/" + manifest.path("kind").asText());
        assertThat(schema).as("a CRD for %s", KubernetesModelValidator.key(manifest)).isNotNull();
        return schema.validate(manifest).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    private static void run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path log = OUT.resolve("generator.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command.get(0) + " (log " + log + ")");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("exit " + p.exitValue() + ": " + String.join(" ", command.subList(0,
                    Math.min(4, command.size()))) + " ...; log " + log + ":\n" + Files.readString(log));
        }
    }

    /** A Java 21 or newer: JAVA21_HOME, else the newest under /usr/lib/jvm. */
    static Optional<Path> java21() throws IOException {
        String home = System.getenv("JAVA21_HOME");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "java"))) {
            return Optional.of(Path.of(home, "bin", "java"));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(jvms)) {
            return s.filter(j -> Files.isExecutable(j.resolve("bin/java")))
                    .filter(j -> feature(j) >= 21)
                    .max((a, b) -> Integer.compare(feature(a), feature(b)))
                    .map(j -> j.resolve("bin/java"));
        }
    }

    /** The feature release of a JDK folder, from its {@code release} file (JAVA_VERSION="25.0.1"); 0 if unknown. */
    static int feature(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
