package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.parley.config.Settings;
import org.parley.config.Startup;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;

/** The projection writer process. Several may run with the same group id; partitions spread among them. */
public final class ProjectionWriterApp {
    private ProjectionWriterApp() {
    }

    public static Properties consumerConfig(Settings s) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, s.get("projections.group-id"));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The sequencer writes transactionally: never project an aborted event.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, s.getInt("kafka.consumer.fetch-max-wait-ms"));
        p.putAll(s.consumerGroupSession());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /**
     * The writer of every projection table, writing through {@code session} (its keyspace is the one written: the
     * replay passes a session on another keyspace and a consumer of another group).
     */
    public static ProjectionWriter writer(Settings settings, CqlSession session, KafkaConsumer<String, byte[]> consumer,
                                          Runnable onAssigned) {
        // The writer's tables write through a session that batches each poll's writes per replica (docs/performance.md).
        ReplicaBatchingSession batching = new ReplicaBatchingSession(session,
                settings.getInt("projections.cql-batch-max-statements"),
                settings.getLong("projections.cql-batch-max-bytes"));
        return writer(settings, batching, consumer, onAssigned).withBatching(batching);
    }

    private static ProjectionWriter writer(Settings settings, ReplicaBatchingSession session,
                                           KafkaConsumer<String, byte[]> consumer, Runnable onAssigned) {
        ConversationHistory history = new ConversationHistory(session);
        return new ProjectionWriter(consumer, TopicCatalog.from(settings),
                new SchemaRegistryClient(settings.registryUrl()),
                history, new EventProjector(history, new GroupDirectory(session), new UserConversations(session),
                        new GroupDepartures(session), new MediaReferences(session), new MessageEnvelopes(session))
                        .withMemberReceipts(new MemberReceipts(session)).withSearch(new MessageSearch(session)),
                new UserSettingsDirectory(session), new DeviceInbox(session), new DeviceDirectory(session),
                onAssigned, new PresenceTable(session), settings.getLong("projections.commit-interval-ms"))
                .withKeys(new org.parley.projections.keys.KeyDirectory(session,
                        (int) java.util.concurrent.TimeUnit.DAYS.toSeconds(settings.getInt("keys.claim-record-ttl-days"))));
    }

    public static void main(String[] args) {
        Startup.orExit(ProjectionWriterApp::start);
    }

    private static void start() throws InterruptedException {
        // This module is also a library of the edge: its logging config has its own name so it never shadows the edge's.
        System.setProperty("logback.configurationFile", "logback-projections.xml");
        Settings settings = Settings.load();
        org.parley.metrics.ProcessMetrics.serve(settings, "projections");
        CqlSession session = CqlSessionFactory.open(settings, true, "projections");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig(settings));
        org.parley.metrics.ProcessMetrics.bindKafka(consumer, "projections");
        ProjectionWriter writer = writer(settings, session, consumer,
                () -> System.out.println("PARLEY READY projections"));
        Thread loop = new Thread(writer, "projection-writer");
        // The media sweeper runs here on a timer (docs/media.md, "Lifecycle"): no process of its own.
        org.parley.projections.media.MediaSweeperTask sweeper =
                org.parley.projections.media.MediaSweeperTask.start(settings, session);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (sweeper != null) {
                sweeper.close();
            }
            writer.stop();
            try {
                loop.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            session.close();
        }, "projections-shutdown"));
        loop.setUncaughtExceptionHandler((t, e) -> {
            e.printStackTrace();
            System.exit(1);
        });
        loop.start();
        loop.join();
    }
}
