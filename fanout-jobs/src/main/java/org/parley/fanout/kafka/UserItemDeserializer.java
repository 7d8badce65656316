package org.parley.fanout.kafka;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.parley.events.UserItem;
import org.parley.fanout.MemberItem;

/** Reads {@code user-items} back: each {@link UserItem} as the {@link MemberItem} it was written from. */
public class UserItemDeserializer implements KafkaRecordDeserializationSchema<MemberItem> {
    private static final long serialVersionUID = 1L;

    private final AvroWireRecordDeserializer<UserItem> records;

    public UserItemDeserializer(RegistryClientFactory registry) {
        this.records = new AvroWireRecordDeserializer<>(UserItem.class, registry);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        records.open(context);
    }

    /** Opens without a Flink context (tests). */
    void open(Counter undecodable) {
        records.open(undecodable);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<MemberItem> out) {
        UserItem item = records.decode(record);
        if (item != null) {
            out.collect(MemberItem.of(item));
        }
    }

    @Override
    public TypeInformation<MemberItem> getProducedType() {
        return Types.POJO(MemberItem.class);
    }
}
