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
 * Writes records in the Confluent wire format, key = what the key selector picks (UTF-8: the device id of
 * {@code push-requests}, the user id of {@code user-items}), Kafka's default partitioner: all records of one key land
 * in one partition, in the order they were written.
 */
public class KeyedRecordSerializer<T extends SpecificRecordBase> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    static {
        TrustedEventClasses.install();
    }

    private final String topic;
    private final KeySelector<T, String> key;
    private final RegistryClientFactory registry;
    private final boolean autoRegister;
    private transient AvroWireSerializer<T> serializer;

    public KeyedRecordSerializer(String topic, KeySelector<T, String> key, RegistryClientFactory registry,
            boolean autoRegister) {
        this.topic = topic;
        this.key = key;
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
        String k;
        try {
            k = key.getKey(record);
        } catch (Exception e) {
            throw new IllegalStateException("no key in " + record, e);
        }
        return new ProducerRecord<>(topic, null, null, k.getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, record));
    }

    public String topic() {
        return topic;
    }
}
