package org.parley.fanout.kafka;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.parley.events.UserItem;
import org.parley.fanout.MemberItem;

/**
 * Writes a {@link MemberItem} to {@code user-items} as its {@link UserItem} record, key = user id: all of one user's
 * items and device changes land in one partition, in the order they were written (ADR 0006).
 */
public class UserItemSerializer implements KafkaRecordSerializationSchema<MemberItem> {
    private static final long serialVersionUID = 1L;

    private final KeyedRecordSerializer<UserItem> records;

    public UserItemSerializer(String topic, RegistryClientFactory registry, boolean autoRegister) {
        this.records = new KeyedRecordSerializer<>(topic, new User(), registry, autoRegister);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        records.open(context, sinkContext);
    }

    /** Opens without a Flink context (tests). */
    void open() {
        records.open();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(MemberItem item, KafkaSinkContext context, Long timestamp) {
        return records.serialize(item.toRecord(), context, timestamp);
    }

    /** The key: the user the item is for. */
    static final class User implements KeySelector<UserItem, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(UserItem item) {
            return item.getUserId();
        }
    }
}
