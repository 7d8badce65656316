package org.parley.fanout.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.parley.serde.TrustedEventClasses;
import org.parley.serde.AvroWireSerializer;

/**
 * Writes records in the Confluent wire format, key = the record's device id (UTF-8), Kafka's default partitioner: all
 * records of one device land in one partition, in the order they were written ({@code device-items},
 * {@code push-requests}).
 */
public class DeviceKeyedRecordSerializer<T extends SpecificRecordBase> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    static {
        TrustedEventClasses.install();
    }

    private final String topic;
    private final KeySelector<T, String> deviceId;
    private final RegistryClientFactory registry;
    private final boolean autoRegister;
    private transient AvroWireSerializer<T> serializer;

    public DeviceKeyedRecordSerializer(String topic, KeySelector<T, String> deviceId, RegistryClientFactory registry,
            boolean autoRegister) {
        this.topic = topic;
        this.deviceId = deviceId;
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        open();
    }

    /** Opens without a Flink context (tests). */
    void open() {
        serializer = new AvroWireSerializer<>(registry.create(), autoRegister);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        String key;
        try {
            key = deviceId.getKey(record);
        } catch (Exception e) {
            throw new IllegalStateException("no device id in " + record, e);
        }
        return new ProducerRecord<>(topic, null, null, key.getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, record));
    }

    public String topic() {
        return topic;
    }
}
