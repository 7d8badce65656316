package org.parley.fanout.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.parley.serde.TrustedEventClasses;
import org.parley.events.DeviceDelivery;
import org.parley.registry.SchemaRegistryClient;
import org.parley.serde.AvroWireSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link DeviceDelivery} records in the Confluent wire format, key = device id (UTF-8).
 *
 * <ul>
 *   <li>{@link Routing#BY_DEVICE} ({@code deliveries}, the inbox log): Kafka's default partitioner hashes the key,
 *       so each device's inbox is one ordered partition.</li>
 *   <li>{@link Routing#BY_EDGE} ({@code edge-deliveries}): the partition is the delivery's {@code edgeId}, so each
 *       edge instance consumes exactly its own partition. A delivery without an edge, or naming an edge with no
 *       partition (a misconfigured {@code topic.edge-partitions}), is dropped, logged and counted in
 *       {@code unroutableDeliveries}: it is still in the inbox, and the device syncs it on its next reconnect.</li>
 * </ul>
 */
public class DeliveryRecordSerializer implements KafkaRecordSerializationSchema<DeviceDelivery> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecordSerializer.class);

    static {
        TrustedEventClasses.install();
    }

    /** How the Kafka partition is chosen. */
    public enum Routing {
        BY_DEVICE,
        BY_EDGE
    }

    private final String topic;
    private final Routing routing;
    private final RegistryClientFactory registry;
    private final boolean autoRegister;

    private transient AvroWireSerializer<DeviceDelivery> serializer;
    private transient Counter unroutable;

    public DeliveryRecordSerializer(String topic, Routing routing, RegistryClientFactory registry,
            boolean autoRegister) {
        this.topic = topic;
        this.routing = routing;
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        open(context.getMetricGroup().counter("unroutableDeliveries"));
    }

    /** Opens without a Flink context (tests). */
    void open(Counter unroutableCounter) {
        SchemaRegistryClient client = registry.create();
        this.serializer = new AvroWireSerializer<>(client, autoRegister);
        this.unroutable = unroutableCounter == null ? new SimpleCounter() : unroutableCounter;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeviceDelivery delivery, KafkaSinkContext context,
            Long timestamp) {
        byte[] key = delivery.getDeviceId().getBytes(StandardCharsets.UTF_8);
        Integer partition = null;
        if (routing == Routing.BY_EDGE) {
            Integer edgeId = delivery.getEdgeId();
            // Kafka partitions are numbered 0..n-1.
            int partitionCount = context.getPartitionsForTopic(topic).length;
            if (edgeId == null || edgeId < 0 || edgeId >= partitionCount) {
                unroutable.inc();
                if (unroutable.getCount() % 1000 == 1) { // the first, then every 1000th: no log flood
                    LOG.warn("dropping delivery for device {} (inbox seq {}, {}) to {}: edge {} has no partition "
                                    + "(the topic has {}); {} dropped so far", delivery.getDeviceId(),
                            delivery.getInboxSeq(), delivery.getKind(), topic, edgeId, partitionCount,
                            unroutable.getCount());
                }
                return null;
            }
            partition = edgeId;
        }
        byte[] value = serializer.serialize(topic, delivery);
        // Timestamp null: the producer stamps the send time, which is what delivery-latency figures need.
        return new ProducerRecord<>(topic, partition, null, key, value);
    }

    public String topic() {
        return topic;
    }

    public Routing routing() {
        return routing;
    }
}
