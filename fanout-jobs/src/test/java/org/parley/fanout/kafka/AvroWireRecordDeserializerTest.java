package org.parley.fanout.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.events.DeviceSession;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.serde.AvroWireSerializer;

class AvroWireRecordDeserializerTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final SimpleCounter undecodable = new SimpleCounter();
    private final List<DeviceSession> out = new ArrayList<>();
    private final Collector<DeviceSession> collector = new Collector<>() {
        @Override
        public void collect(DeviceSession record) {
            out.add(record);
        }

        @Override
        public void close() {
        }
    };

    private AvroWireRecordDeserializer<DeviceSession> deserializer() {
        AvroWireRecordDeserializer<DeviceSession> d = new AvroWireRecordDeserializer<>(DeviceSession.class,
                () -> registry);
        d.open(undecodable);
        return d;
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, byte[] value) {
        return new ConsumerRecord<>("device-sessions", 0, offset, "d1".getBytes(), value);
    }

    @Test
    void decodesTheWireFormatSkipsTombstonesAndPoisonRecords() throws Exception {
        DeviceSession s = DeviceSession.newBuilder().setDeviceId("d1").setUserId("u1").setSessionId("s1")
                .setEdgeId(2).setAt(Instant.ofEpochMilli(5)).build();
        byte[] bytes = new AvroWireSerializer<DeviceSession>(registry, true).serialize("device-sessions", s);
        AvroWireRecordDeserializer<DeviceSession> d = deserializer();

        d.deserialize(record(0, bytes), collector);
        d.deserialize(record(1, null), collector);                    // tombstone
        d.deserialize(record(2, new byte[] {1, 2, 3, 4, 5, 6}), collector); // bad magic byte
        d.deserialize(record(3, bytes), collector);

        assertThat(out).containsExactly(s, s);
        assertThat(undecodable.getCount()).isEqualTo(1);
        assertThat(d.getProducedType()).isEqualTo(new AvroTypeInfo<>(DeviceSession.class));
    }

    @Test
    void theReceiptsSourceStampsEachReceiptWithItsOffset() throws Exception {
        Receipt r = Receipt.newBuilder().setConversationId("c1").setSeq(3).setStatus(ReceiptStatus.READ)
                .setByUserId("bob").setByDeviceId("b1").setToUserId("alice").setAt(Instant.ofEpochMilli(5)).build();
        byte[] bytes = new AvroWireSerializer<Receipt>(registry, true).serialize("receipts", r);
        List<Receipt> receipts = new ArrayList<>();
        ReceiptLogDeserializer d = new ReceiptLogDeserializer(() -> registry);
        d.open(undecodable);

        d.deserialize(new ConsumerRecord<>("receipts", 2, 17L, "c1".getBytes(), bytes), new Collector<>() {
            @Override
            public void collect(Receipt record) {
                receipts.add(record);
            }

            @Override
            public void close() {
            }
        });

        assertThat(receipts).singleElement().satisfies(got -> {
            assertThat(got.getLogOffset()).isEqualTo(17L);
            assertThat(got.getSeq()).isEqualTo(3L);
        });
        assertThat(r.getLogOffset()).as("as written: no offset").isNull();
    }
}
