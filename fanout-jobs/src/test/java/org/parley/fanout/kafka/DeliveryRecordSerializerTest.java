package org.parley.fanout.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.IntStream;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema.KafkaSinkContext;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.fanout.kafka.DeliveryRecordSerializer.Routing;
import org.parley.serde.AvroWireDeserializer;

class DeliveryRecordSerializerTest {
    private static final String EDGE_TOPIC = "edge-deliveries";
    private static final String INBOX_TOPIC = "deliveries";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final SimpleCounter unroutable = new SimpleCounter();

    /** A sink context for a topic with this many partitions. */
    private static KafkaSinkContext partitions(int n) {
        return new KafkaSinkContext() {
            @Override
            public int getParallelInstanceId() {
                return 0;
            }

            @Override
            public int getNumberOfParallelInstances() {
                return 1;
            }

            @Override
            public int[] getPartitionsForTopic(String topic) {
                return IntStream.range(0, n).toArray();
            }
        };
    }

    private DeliveryRecordSerializer serializer(String topic, Routing routing) {
        DeliveryRecordSerializer s = new DeliveryRecordSerializer(topic, routing, () -> registry, true);
        s.open(unroutable);
        return s;
    }

    static DeviceDelivery delivery(String device, long inboxSeq, Integer edgeId) {
        return DeviceDelivery.newBuilder()
                .setDeviceId(device).setUserId("alice").setInboxSeq(inboxSeq).setKind(DeliveryKind.RECEIPT)
                .setSessionId(edgeId == null ? null : "s1").setEdgeId(edgeId).setMarkerInboxSeq(null)
                .setEvent(null)
                .setReceipt(Receipt.newBuilder().setConversationId("c1").setSeq(4).setStatus(ReceiptStatus.READ)
                        .setByUserId("bob").setByDeviceId("bob-1").setToUserId("alice")
                        .setAt(Instant.ofEpochMilli(1_000)).build())
                .build();
    }

    @BeforeEach
    void counterStartsAtZero() {
        assertThat(unroutable.getCount()).isZero();
    }

    @Test
    void edgeRecordsGoToThePartitionOfTheirEdgeKeyedByDeviceInTheWireFormat() {
        DeviceDelivery d = delivery("alice-phone", 9, 5);

        ProducerRecord<byte[], byte[]> record = serializer(EDGE_TOPIC, Routing.BY_EDGE).serialize(d, partitions(8), 42L);

        assertThat(record.topic()).isEqualTo(EDGE_TOPIC);
        assertThat(record.partition()).isEqualTo(5);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("alice-phone");
        byte[] value = record.value();
        assertThat(value[0]).isZero(); // magic byte
        int schemaId = ByteBuffer.wrap(value, 1, 4).getInt();
        assertThat(schemaId).isEqualTo(registry.lookup(EDGE_TOPIC + "-value", DeviceDelivery.getClassSchema()));
        DeviceDelivery back = new AvroWireDeserializer<DeviceDelivery>(registry, DeviceDelivery.getClassSchema())
                .deserialize(EDGE_TOPIC, value);
        assertThat(back).isEqualTo(d);
        assertThat(unroutable.getCount()).isZero();
    }

    @Test
    void aSyncMarkerIsRoutedLikeAnyOtherDelivery() {
        DeviceDelivery marker = DeviceDelivery.newBuilder(delivery("alice-phone", 0, 7)).setKind(DeliveryKind.SYNC_MARKER)
                .setMarkerInboxSeq(12L).setReceipt(null).build();

        ProducerRecord<byte[], byte[]> record =
                serializer(EDGE_TOPIC, Routing.BY_EDGE).serialize(marker, partitions(8), null);

        assertThat(record.partition()).isEqualTo(7);
    }

    @Test
    void anEdgeWithoutAPartitionIsDroppedAndCounted() {
        DeliveryRecordSerializer s = serializer(EDGE_TOPIC, Routing.BY_EDGE);

        assertThat(s.serialize(delivery("alice-phone", 1, 8), partitions(8), null)).isNull();
        assertThat(s.serialize(delivery("alice-phone", 2, -1), partitions(8), null)).isNull();
        assertThat(s.serialize(delivery("alice-phone", 3, null), partitions(8), null)).isNull();
        assertThat(unroutable.getCount()).isEqualTo(3);
    }

    @Test
    void inboxRecordsAreKeyedByDeviceAndLeftToTheDefaultPartitioner() {
        ProducerRecord<byte[], byte[]> record =
                serializer(INBOX_TOPIC, Routing.BY_DEVICE).serialize(delivery("bob-tablet", 3, null), partitions(4), 1L);

        assertThat(record.topic()).isEqualTo(INBOX_TOPIC);
        assertThat(record.partition()).isNull();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("bob-tablet");
        assertThat(ByteBuffer.wrap(record.value(), 1, 4).getInt())
                .isEqualTo(registry.lookup(INBOX_TOPIC + "-value", DeviceDelivery.getClassSchema()));
    }

    @Test
    void theSerializerIsSerializableWithoutItsRegistryClient() throws Exception {
        DeliveryRecordSerializer s = new DeliveryRecordSerializer(EDGE_TOPIC, Routing.BY_EDGE,
                RegistryClientFactory.forUrl("http://127.0.0.1:1/apis/ccompat/v7"), true);

        DeliveryRecordSerializer copy = org.apache.flink.util.InstantiationUtil.clone(s);

        assertThat(copy.topic()).isEqualTo(EDGE_TOPIC);
        assertThat(copy.routing()).isEqualTo(Routing.BY_EDGE);
    }
}
