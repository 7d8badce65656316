package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.config.Settings;
import org.parley.events.DeviceRecord;
import org.parley.infra.CqlSchemaApplier;
import org.parley.infra.CqlScript;
import org.parley.infra.MediaBucketProvisioner;
import org.parley.infra.ProvisionStack;
import org.parley.infra.SchemaRegistration;
import org.parley.infra.TopicDump;
import org.parley.infra.TopicProvisioner;
import org.parley.infra.TopicSpec;
import org.parley.projections.CqlSessionFactory;
import org.parley.registry.SchemaRegistryClient;
import org.parley.registry.SchemaRegistryException;
import org.parley.schemas.TopicCatalog;
import org.parley.schemas.TopicCatalog.Topic;
import org.parley.serde.AvroWireSerializer;
import picocli.CommandLine;

/** Proves, against the real local stack, that ./parley up left it provisioned as the settings say. */
class StackProvisioningIT {
    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.servicesOnly();

    private static final ObjectMapper JSON = new ObjectMapper();

    private Settings settings() {
        return STACK.settings();
    }

    private TopicCatalog catalog() {
        return TopicCatalog.from(settings());
    }

    @Test
    void everyCatalogTopicExistsWithItsPartitionsReplicationAndConfigs() throws Exception {
        try (Admin admin = Admin.create(TopicProvisioner.adminConfig(settings()))) {
            List<TopicSpec> specs = TopicProvisioner.specs(settings());
            Set<String> names = specs.stream().map(TopicSpec::name).collect(Collectors.toSet());
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
            List<ConfigResource> resources = names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();

            for (TopicSpec spec : specs) {
                TopicDescription d = described.get(spec.name());
                assertThat(d).as(spec.name()).isNotNull();
                assertThat(d.partitions()).as(spec.name() + " partitions").hasSize(spec.partitions());
                assertThat(d.partitions().get(0).replicas()).as(spec.name() + " replicas").hasSize(spec.replicationFactor());
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
                spec.configs().forEach((key, value) ->
                        assertThat(config.get(key).value()).as(spec.name() + " " + key).isEqualTo(value));
            }
            // The layouts as the catalog means them.
            for (Topic t : catalog().all()) {
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
                switch (t.layout()) {
                    case COMPACTED -> assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
                    case PER_EDGE -> {
                        assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
                        assertThat(described.get(t.name()).partitions()).hasSize(settings().getInt("topic.edge-partitions"));
                    }
                    case KEYED_LOG -> assertThat(described.get(t.name()).partitions())
                            .hasSize(settings().getInt("topic.partitions"));
                    case KEYED_TRANSIENT -> assertThat(config.get("retention.ms").value())
                            .isEqualTo(settings().get("topic.transient-retention-ms"));
                    case SHORT_LIVED -> assertThat(config.get("retention.ms").value())
                            .isEqualTo(settings().get("topic.signals-retention-ms"));
                }
                assertThat(config.get("unclean.leader.election.enable").value()).isEqualTo("false");
                assertThat(config.get("min.insync.replicas").value()).isEqualTo(settings().get("topic.min-insync-replicas"));
            }
        }
    }

    @Test
    void theReadModelTablesExist() {
        List<String> expectedTables = CqlScript.schemaStatements(settings()).stream()
                .map(CqlSchemaApplier.Target::of)
                .flatMap(java.util.Optional::stream)
                .filter(t -> t.kind().equals("TABLE"))
                .map(CqlSchemaApplier.Target::name)
                .toList();
        assertThat(expectedTables).isNotEmpty();
        try (CqlSession session = CqlSessionFactory.open(settings(), false)) {
            KeyspaceMetadata ks = session.getMetadata().getKeyspace(settings().get("cql.keyspace")).orElseThrow();
            assertThat(ks.getTables().keySet().stream().map(id -> id.asInternal()).toList())
                    .containsAll(expectedTables);
            assertThat(ks.getReplication()).containsEntry("replication_factor", settings().get("cql.replication-factor"));
            // The tables answer queries.
            assertThat(session.execute("SELECT count(*) FROM " + settings().get("cql.keyspace") + "."
                    + expectedTables.get(0)).one()).isNotNull();
        }
    }

    @Test
    void theMediaBucketExists() throws Exception {
        OkHttpClient http = new OkHttpClient();
        try {
            MinioClient s3 = MediaBucketProvisioner.client(settings(), http);
            assertThat(s3.bucketExists(BucketExistsArgs.builder().bucket(settings().get("s3.media-bucket")).build()))
                    .isTrue();
        } finally {
            MediaBucketProvisioner.shutdown(http);
        }
    }

    @Test
    void everyValueSubjectIsRegisteredWithBackwardCompatibility() {
        SchemaRegistryClient registry = new SchemaRegistryClient(STACK.registryUrl());
        for (Topic t : catalog().all()) {
            int id = registry.lookup(t.valueSubject(), t.valueSchema());
            assertThat(new SchemaRegistryClient(STACK.registryUrl()).schemaById(id)).as(t.valueSubject())
                    .isEqualTo(t.valueSchema());
            assertThat(registry.compatibility(t.valueSubject())).as(t.valueSubject())
                    .isEqualToIgnoringCase(SchemaRegistration.COMPATIBILITY);
        }
    }

    @Test
    void theRegistryRefusesIncompatibleChangesOfATopicSchema() {
        SchemaRegistryClient registry = new SchemaRegistryClient(STACK.registryUrl());
        Topic topic = catalog().conversationEvents();

        // A new field without a default: new readers cannot read the records already in the log.
        Schema requiredField = withField(topic.valueSchema(), "itRequired" + shortId(), JSON.getNodeFactory().textNode("string"), null);
        assertThatThrownBy(() -> registry.register(topic.valueSubject(), requiredField))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue());
        assertThat(registry.isCompatible(topic.valueSubject(), requiredField)).isFalse();

        // A type change of an existing field (seq: long -> string).
        Schema typeChange = withFieldType(topic.valueSchema(), "seq", "string");
        assertThatThrownBy(() -> registry.register(topic.valueSubject(), typeChange))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue());

        // Nothing changed: the code's schema is still the subject's latest and is still found.
        assertThat(registry.isCompatible(topic.valueSubject(), topic.valueSchema())).isTrue();
        registry.lookup(topic.valueSubject(), topic.valueSchema());
    }

    @Test
    void theRegistryAcceptsACompatibleChangeOnAScratchSubject() throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(STACK.registryUrl());
        String subject = "it-scratch-" + shortId() + "-value";
        try {
            Schema v1 = new Schema.Parser().parse("""
                    {"type": "record", "name": "Scratch", "namespace": "org.parley.it",
                     "fields": [{"name": "a", "type": "string"}]}""");
            int id1 = registry.register(subject, v1);
            registry.setCompatibility(subject, SchemaRegistration.COMPATIBILITY);

            Schema v2 = withField(v1, "b", JSON.getNodeFactory().textNode("string"), JSON.getNodeFactory().textNode("none"));
            assertThat(registry.isCompatible(subject, v2)).isTrue();
            int id2 = registry.register(subject, v2);
            assertThat(id2).isNotEqualTo(id1);
            assertThat(registry.schemaById(id2).getField("b")).isNotNull();

            Schema v3 = withField(v2, "c", JSON.getNodeFactory().textNode("long"), null);
            assertThatThrownBy(() -> registry.register(subject, v3))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue());
        } finally {
            deleteSubject(subject);
        }
    }

    @Test
    void wireFormatRecordsCarryTheRegistryIdAndDumpAsJson() throws Exception {
        String topic = "it-scratch-" + shortId();
        SchemaRegistryClient registry = new SchemaRegistryClient(STACK.registryUrl());
        try (Admin admin = Admin.create(TopicProvisioner.adminConfig(settings()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            try {
                DeviceRecord device = DeviceRecord.newBuilder()
                        .setDeviceId("device-" + shortId())
                        .setUserId("user-" + shortId())
                        .setTokenHash("00ff")
                        .setRegisteredAt(Instant.ofEpochMilli(1_700_000_000_000L))
                        .setRevoked(false)
                        .build();
                byte[] bytes;
                try (AvroWireSerializer<DeviceRecord> serializer = new AvroWireSerializer<>(registry, true)) {
                    bytes = serializer.serialize(topic, device);
                }
                int registeredId = registry.lookup(topic + "-value", DeviceRecord.getClassSchema());
                assertThat(bytes[0]).isEqualTo((byte) 0);
                assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registeredId);

                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig())) {
                    producer.send(new ProducerRecord<>(topic, device.getDeviceId(), bytes)).get();
                    producer.send(new ProducerRecord<>(topic, "garbage", new byte[] {7, 7, 7, 7, 7, 7})).get();
                }

                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int exit = new CommandLine(new TopicDump(settings(), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))).execute(topic);
                assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
                List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
                assertThat(lines).hasSize(2);

                JsonNode first = JSON.readTree(lines.get(0));
                assertThat(first.get("topic").asText()).isEqualTo(topic);
                assertThat(first.get("partition").asInt()).isZero();
                assertThat(first.get("offset").asLong()).isZero();
                assertThat(first.get("key").asText()).isEqualTo(device.getDeviceId());
                assertThat(first.get("value").get("deviceId").asText()).isEqualTo(device.getDeviceId());
                assertThat(first.get("value").get("registeredAt").asLong()).isEqualTo(1_700_000_000_000L);
                assertThat(first.get("value").get("revoked").asBoolean()).isFalse();

                JsonNode second = JSON.readTree(lines.get(1));
                assertThat(second.get("value").isNull()).isTrue();
                assertThat(second.get("error").asText()).contains("magic");
                assertThat(second.get("valueHex").asText()).isEqualTo("070707070707");

                // --from-offset and --max
                out.reset();
                exit = new CommandLine(new TopicDump(settings(), new PrintStream(out, true, StandardCharsets.UTF_8),
                        System.err)).execute(topic, "--from-offset", "1", "--max", "5");
                assertThat(exit).isZero();
                assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).singleElement()
                        .satisfies(l -> assertThat(JSON.readTree(l).get("offset").asLong()).isEqualTo(1L));
            } finally {
                admin.deleteTopics(List.of(topic)).all().get();
                deleteSubject(topic + "-value");
            }
        }
    }

    @Test
    void provisioningAgainFindsEverythingAndCreatesNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean ok = ProvisionStack.run(settings(), new PrintStream(out, true, StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(ok).as(report).isTrue();
        assertThat(report).contains("PROVISIONED").doesNotContain("created ").doesNotContain("FAILED");
        assertThat(report.lines().filter(l -> l.startsWith("topics: found")).count()).isEqualTo(catalog().all().size());
    }

    // ---- helpers

    private Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, STACK.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** The schema with one more field (no default when defaultValue is null). */
    private static Schema withField(Schema schema, String name, JsonNode type, JsonNode defaultValue) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
            ObjectNode field = ((ArrayNode) json.get("fields")).addObject().put("name", name);
            field.set("type", type);
            if (defaultValue != null) {
                field.set("default", defaultValue);
            }
            return new Schema.Parser().parse(json.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The schema with one field's type replaced by a primitive type. */
    private static Schema withFieldType(Schema schema, String field, String primitive) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
            for (JsonNode f : json.get("fields")) {
                if (f.get("name").asText().equals(field)) {
                    ((ObjectNode) f).put("type", primitive);
                    ((ObjectNode) f).remove("default");
                }
            }
            return new Schema.Parser().parse(json.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Best effort: scratch subjects should not pile up in the local registry. */
    private static void deleteSubject(String subject) {
        try {
            HttpClient http = HttpClient.newHttpClient();
            for (String suffix : List.of("", "?permanent=true")) {
                http.send(HttpRequest.newBuilder(URI.create(STACK.registryUrl() + "/subjects/" + subject + suffix))
                        .DELETE().build(), HttpResponse.BodyHandlers.discarding());
            }
        } catch (Exception ignored) {
            // scratch data only
        }
    }
}
