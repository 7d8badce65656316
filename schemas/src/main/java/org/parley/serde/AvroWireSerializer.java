package org.parley.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.parley.registry.SchemaRegistryClient;

/**
 * Writes a specific Avro record in the Confluent wire format under the topic's value subject
 * (TopicNameStrategy). The schema id is resolved once per topic and cached.
 */
public class AvroWireSerializer<T extends SpecificRecord> implements Serializer<T> {
    static {
        TrustedEventClasses.install();
    }

    private final SchemaRegistryClient registry;
    private final boolean autoRegister;
    private final Map<String, Integer> idByTopic = new ConcurrentHashMap<>();
    private final ThreadLocal<ByteArrayOutputStream> buffers = ThreadLocal.withInitial(() -> new ByteArrayOutputStream(256));
    private final Map<Class<?>, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();

    public AvroWireSerializer(SchemaRegistryClient registry, boolean autoRegister) {
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        int id = idByTopic.computeIfAbsent(topic, t -> autoRegister
                ? registry.register(t + "-value", record.getSchema())
                : registry.lookup(t + "-value", record.getSchema()));
        SpecificDatumWriter<T> writer = writers.computeIfAbsent(record.getClass(),
                c -> new SpecificDatumWriter<>(record.getSchema()));
        ByteArrayOutputStream out = buffers.get();
        out.reset();
        out.write(WireFormat.MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot serialize " + record.getClass().getSimpleName() + " for " + topic, e);
        }
        return out.toByteArray();
    }
}
