package org.parley.fanout.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.parley.events.PushRequest;
import org.parley.fanout.AvroTrust;
import org.parley.serde.AvroWireSerializer;

/** Writes {@link PushRequest}s in the Confluent wire format, key = device id (UTF-8), default partitioner. */
public class PushRequestRecordSerializer implements KafkaRecordSerializationSchema<PushRequest> {
    private static final long serialVersionUID = 1L;

    static {
        AvroTrust.ensure();
    }

    private final String topic;
    private final RegistryClientFactory registry;
    private final boolean autoRegister;
    private transient AvroWireSerializer<PushRequest> serializer;

    public PushRequestRecordSerializer(String topic, RegistryClientFactory registry, boolean autoRegister) {
        this.topic = topic;
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
    public ProducerRecord<byte[], byte[]> serialize(PushRequest request, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, request.getDeviceId().getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, request));
    }

    public String topic() {
        return topic;
    }
}
