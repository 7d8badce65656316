package org.parley.serde;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.parley.registry.SchemaRegistryClient;

/** A Kafka {@link Serde} for one specific record type in the Confluent wire format. */
public final class AvroWireSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroWireSerializer<T> serializer;
    private final AvroWireDeserializer<T> deserializer;

    public AvroWireSerde(SchemaRegistryClient registry, Schema schema, boolean autoRegister) {
        this.serializer = new AvroWireSerializer<>(registry, autoRegister);
        this.deserializer = new AvroWireDeserializer<>(registry, schema);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
