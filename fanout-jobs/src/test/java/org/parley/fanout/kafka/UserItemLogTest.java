package org.parley.fanout.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.events.EventType;
import org.parley.fanout.MemberItem;
import org.parley.registry.InMemorySchemaRegistry;

/** The user-items log: what the first half writes, the second half reads back as the same item, keyed by user. */
class UserItemLogTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    private List<MemberItem> roundTrip(MemberItem item, String expectedKey) throws Exception {
        UserItemSerializer out = new UserItemSerializer("user-items", () -> registry, true);
        out.open();
        ProducerRecord<byte[], byte[]> record = out.serialize(item, null, 7L);
        assertThat(record.topic()).isEqualTo("user-items");
        assertThat(record.partition()).as("Kafka's default partitioner, by key").isNull();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(expectedKey);

        UserItemDeserializer in = new UserItemDeserializer(() -> registry);
        SimpleCounter undecodable = new SimpleCounter();
        in.open(undecodable);
        List<MemberItem> read = new ArrayList<>();
        in.deserialize(new ConsumerRecord<>("user-items", 0, 0L, record.key(), record.value()), new Collector<>() {
            @Override
            public void collect(MemberItem m) {
                read.add(m);
            }

            @Override
            public void close() {
            }
        });
        assertThat(undecodable.getCount()).isZero();
        return read;
    }

    @Test
    void anItemAndADeviceChangeComeBackAsTheyWereWrittenKeyedByTheirUser() throws Exception {
        ConversationEvent event = ConversationEvent.newBuilder().setEventId("dm:alice:bob/3")
                .setConversationId("dm:alice:bob").setSeq(3).setType(EventType.MESSAGE).setSenderUserId("alice")
                .setSenderDeviceId("alice-phone").setMemberUserIds(List.of()).setSentAt(java.time.Instant.EPOCH)
                .setPayload(java.nio.ByteBuffer.wrap(new byte[] {1, 2})).build();
        MemberItem item = MemberItem.ofEvent("alice", "alice-phone", event);
        MemberItem change = MemberItem.ofDevice(DeviceRecord.newBuilder().setDeviceId("bob-laptop").setUserId("bob")
                .setTokenHash("h").setRegisteredAt(java.time.Instant.ofEpochMilli(5)).build());

        assertThat(roundTrip(item, "alice")).containsExactly(item);
        assertThat(roundTrip(change, "bob")).containsExactly(change);
    }
}
