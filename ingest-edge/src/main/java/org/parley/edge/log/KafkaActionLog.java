package org.parley.edge.log;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.parley.config.Settings;
import org.parley.events.ClientAction;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.UserSettings;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerializer;

/** The Kafka-backed action log: idempotent producer, acks=all, no batching delay (linger 0). */
public class KafkaActionLog implements ActionLog, AutoCloseable {
    private final Vertx vertx;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final TopicCatalog topics;

    public KafkaActionLog(Vertx vertx, Settings settings, SchemaRegistryClient registry) {
        this.vertx = vertx;
        this.topics = TopicCatalog.from(settings);
        this.producer = new KafkaProducer<>(producerConfig(settings), new StringSerializer(),
                new AvroWireSerializer<>(registry, false));
        org.parley.edge.metrics.EdgeMetrics.bindKafka(producer);
        warmUp(java.time.Duration.ofMillis(settings.getLong("edge.startup-timeout-ms")));
    }

    /** Fetches metadata now so that the first client send never blocks an event loop on it; a busy broker may take a while. */
    private void warmUp(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (TopicCatalog.Topic t : new TopicCatalog.Topic[] {topics.actions(), topics.devices(), topics.deviceSessions()}) {
            while (true) {
                try {
                    producer.partitionsFor(t.name());
                    break;
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no metadata for topic " + t.name() + " within " + timeout, e);
                    }
                }
            }
        }
    }

    public static Properties producerConfig(Settings s) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, s.getInt("edge.producer-linger-ms"));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        // The edge's bounds keep every record under this (WebSocketLimits checks it at start).
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, s.getInt("kafka.max-message-bytes"));
        return p;
    }

    @Override
    public Future<Void> append(ClientAction action) {
        return send(topics.actions().name(), action.getConversationId(), action);
    }

    @Override
    public Future<Void> register(DeviceRecord device) {
        return send(topics.devices().name(), device.getDeviceId(), device);
    }

    @Override
    public Future<Void> announce(DeviceSession session) {
        return send(topics.deviceSessions().name(), session.getDeviceId(), session);
    }

    @Override
    public Future<Void> publishSettings(UserSettings settings) {
        return send(topics.userSettings().name(), settings.getUserId(), settings);
    }

    private Future<Void> send(String topic, String key, SpecificRecord value) {
        return send(vertx, producer, topic, key, value);
    }

    /** Sends one record; the future completes on the caller's context once the broker acknowledged it. */
    static Future<Void> send(Vertx vertx, KafkaProducer<String, SpecificRecord> producer, String topic, String key,
                             SpecificRecord value) {
        Context context = vertx.getOrCreateContext();
        Promise<Void> promise = Promise.promise();
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (meta, err) -> context.runOnContext(v -> {
                if (err == null) {
                    promise.complete();
                } else {
                    promise.fail(err);
                }
            }));
        } catch (RuntimeException e) {
            promise.fail(e);
        }
        return promise.future();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
