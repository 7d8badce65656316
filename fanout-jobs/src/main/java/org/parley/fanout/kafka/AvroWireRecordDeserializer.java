package org.parley.fanout.kafka;

import java.io.IOException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.parley.serde.TrustedEventClasses;
import org.parley.serde.AvroWireDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the Confluent wire format (magic 0, schema id, Avro binary) of a Kafka record value into a specific record,
 * through {@link AvroWireDeserializer}. The registry client is created in {@link #open}.
 *
 * <p>Tombstones (null values on the compacted topics) are skipped. A value that is not a decodable record of the
 * expected type (bad magic byte, corrupt Avro) is logged with its coordinates, counted in {@code undecodableRecords}
 * and skipped: one poison record must not stop delivery for everybody. A registry that cannot be reached is not a
 * decode error: that exception fails the task, which restarts from the last checkpoint.
 */
public class AvroWireRecordDeserializer<T extends SpecificRecordBase> implements KafkaRecordDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AvroWireRecordDeserializer.class);

    static {
        TrustedEventClasses.install();
    }

    private final Class<T> type;
    private final RegistryClientFactory registry;
    private transient AvroWireDeserializer<T> deserializer;
    private transient Counter undecodable;

    public AvroWireRecordDeserializer(Class<T> type, RegistryClientFactory registry) {
        this.type = type;
        this.registry = registry;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        open(context.getMetricGroup().counter("undecodableRecords"));
    }

    /** Opens without a Flink context (tests). */
    void open(Counter undecodableCounter) {
        this.undecodable = undecodableCounter;
        this.deserializer = new AvroWireDeserializer<>(registry.create(), specificSchema(type));
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) throws IOException {
        T value = decode(record);
        if (value != null) {
            out.collect(value);
        }
    }

    /** The record's value, placed; null for a tombstone or a value that does not decode (logged and counted). */
    T decode(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        T value;
        try {
            value = deserializer.deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            undecodable.inc();
            LOG.error("skipping undecodable record {}-{}@{} ({} bytes): {}", record.topic(), record.partition(),
                    record.offset(), record.value().length, e.toString());
            return null;
        }
        return value == null ? null : placed(value, record);
    }

    /** Lets a subclass note where in the log the value was read (receipts: {@link ReceiptLogDeserializer}). */
    protected T placed(T value, ConsumerRecord<byte[], byte[]> record) {
        return value;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return new AvroTypeInfo<>(type);
    }

    private static org.apache.avro.Schema specificSchema(Class<? extends SpecificRecordBase> type) {
        return org.apache.avro.specific.SpecificData.get().getSchema(type);
    }
}
