package org.parley.infra.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.registry.SchemaRegistryException;
import org.parley.serde.AvroWireDeserializer;
import org.parley.serde.AvroWireSerializer;

/** Which records the export skips (a value that is not a record of its topic) and which stop it (the registry). */
class AnalyticsExportTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroWireDeserializer<SpecificRecord> decoder =
            new AvroWireDeserializer<>(registry, ConversationEvent.getClassSchema());
    private final AnalyticsExport.Source events = AnalyticsExport.source(AnalyticsTables.EVENTS);

    private static ConsumerRecord<byte[], byte[]> record(byte[] value) {
        return new ConsumerRecord<>("conversation-events", 2, 17, "dm:a:b".getBytes(), value);
    }

    private byte[] serialized() {
        ConversationEvent e = ConversationEvent.newBuilder().setEventId("dm:a:b/1").setConversationId("dm:a:b").setSeq(1)
                .setType(EventType.MESSAGE).setSenderUserId("a").setSenderDeviceId("d-a").setMemberUserIds(List.of("a", "b"))
                .setSentAt(Instant.parse("2026-12-07T01:00:00Z")).setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
        try (AvroWireSerializer<ConversationEvent> s = new AvroWireSerializer<>(registry, true)) {
            return s.serialize("conversation-events", e);
        }
    }

    @Test
    void aRecordOfItsTopicBecomesARowWithItsPosition() {
        AnalyticsRows.Row row = AnalyticsExport.row(events, decoder, record(serialized()));
        assertThat(row.table()).isEqualTo(AnalyticsTables.EVENTS);
        assertThat(row.values()[0]).isEqualTo("dm:a:b/1");
        assertThat(row.values()).contains(2, 17L);
    }

    @Test
    void aValueThatIsNotARecordIsSkippableButAnUnknownSchemaIdStopsTheExport() {
        assertThatThrownBy(() -> AnalyticsExport.row(events, decoder, record(new byte[] {7, 0, 0, 0, 1, 2})))
                .isInstanceOf(SerializationException.class);
        byte[] truncated = serialized();
        assertThatThrownBy(() -> AnalyticsExport.row(events, decoder, record(java.util.Arrays.copyOf(truncated, 8))))
                .isInstanceOf(SerializationException.class);
        byte[] unknownId = serialized();
        unknownId[4] = 99; // schema id 99: the registry does not know it (reset, or another registry)
        assertThatThrownBy(() -> AnalyticsExport.row(events, decoder, record(unknownId)))
                .isInstanceOf(SchemaRegistryException.class).isNotInstanceOf(SerializationException.class);
    }
}
