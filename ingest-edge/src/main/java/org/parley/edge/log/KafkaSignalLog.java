package org.parley.edge.log;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.parley.config.Settings;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.TypingSignal;
import org.parley.events.UserSettings;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerializer;

/**
 * Signals on their own producer (same settings as the action log: linger 0, acks=all), so a burst of typing never
 * queues behind, or in front of, message sends.
 */
public class KafkaSignalLog implements SignalLog, org.parley.edge.log.KeyLog, AutoCloseable {
    private final Vertx vertx;
    private final TopicCatalog topics;
    private final KafkaProducer<String, SpecificRecord> producer;

    public KafkaSignalLog(Vertx vertx, Settings settings, SchemaRegistryClient registry) {
        this.vertx = vertx;
        this.topics = TopicCatalog.from(settings);
        this.producer = new KafkaProducer<>(KafkaActionLog.producerConfig(settings), new StringSerializer(),
                new AvroWireSerializer<>(registry, false));
        org.parley.edge.metrics.EdgeMetrics.bindKafka(producer);
        // Metadata now, so that the first typing frame never blocks an event loop on it.
        for (TopicCatalog.Topic t : new TopicCatalog.Topic[] {topics.signals(), topics.edgeHeartbeats(), topics.userSettings(),
                topics.keyDirectory()}) {
            producer.partitionsFor(t.name());
        }
    }

    @Override
    public Future<Void> typing(TypingSignal signal) {
        return send(topics.signals().name(), signal.getConversationId(), signal);
    }

    @Override
    public Future<Void> heartbeat(EdgeHeartbeat beat) {
        return send(topics.edgeHeartbeats().name(), String.valueOf(beat.getEdgeId()), beat);
    }

    @Override
    public Future<Void> settings(UserSettings settings) {
        return send(topics.userSettings().name(), settings.getUserId(), settings);
    }

    /** Key directory facts share this producer (acks=all, idempotent): rare, small, never on the message path. */
    @Override
    public Future<Void> append(org.parley.events.KeyDirectoryFact fact) {
        return send(topics.keyDirectory().name(), fact.getDeviceId(), fact);
    }

    private Future<Void> send(String topic, String key, SpecificRecord value) {
        return KafkaActionLog.send(vertx, producer, topic, key, value);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
