package org.parley.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.registry.InMemorySchemaRegistry;

class AvroWireSerdeTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    static ConversationEvent event(long seq) {
        return ConversationEvent.newBuilder()
                .setEventId("dm:a:b/" + seq).setConversationId("dm:a:b").setSeq(seq).setType(EventType.MESSAGE)
                .setSenderUserId("a").setSenderDeviceId("d1").setClientMessageId("c" + seq)
                .setMemberUserIds(List.of("a", "b")).setSentAt(java.time.Instant.ofEpochMilli(1000))
                .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
    }

    @Test
    void writesConfluentWireFormatAndReadsItBack() {
        AvroWireSerde<ConversationEvent> serde = new AvroWireSerde<>(registry, ConversationEvent.getClassSchema(), true);
        byte[] bytes = serde.serializer().serialize("conversation-events", event(7));

        assertThat(bytes[0]).isEqualTo((byte) 0);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(id).isEqualTo(registry.lookup("conversation-events-value", ConversationEvent.getClassSchema()));
        assertThat(serde.deserializer().deserialize("conversation-events", bytes)).isEqualTo(event(7));
    }

    @Test
    void readsRecordsWrittenWithAnOlderSchema() {
        // An older writer schema without the optional mediaType/clientMessageId fields still decodes.
        Schema old = SchemaBuilder.record("ConversationEvent").namespace("org.parley.events").fields()
                .requiredString("eventId").requiredString("conversationId").requiredLong("seq")
                .name("type").type(EventType.getClassSchema()).noDefault()
                .requiredString("senderUserId").requiredString("senderDeviceId")
                .name("memberUserIds").type().array().items().stringType().noDefault()
                .name("sentAt").type(ConversationEvent.getClassSchema().getField("sentAt").schema()).noDefault()
                .requiredBytes("payload").endRecord();
        int oldId = registry.register("conversation-events-value", old);
        org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(old);
        r.put("eventId", "x/1");
        r.put("conversationId", "x");
        r.put("seq", 1L);
        r.put("type", new org.apache.avro.generic.GenericData.EnumSymbol(EventType.getClassSchema(), "MESSAGE"));
        r.put("senderUserId", "a");
        r.put("senderDeviceId", "d");
        r.put("memberUserIds", List.of("a"));
        r.put("sentAt", 5L);
        r.put("payload", ByteBuffer.wrap(new byte[] {9}));
        byte[] bytes = frame(oldId, old, r);

        ConversationEvent decoded = new AvroWireDeserializer<ConversationEvent>(registry, ConversationEvent.getClassSchema())
                .deserialize("conversation-events", bytes);
        assertThat(decoded.getSeq()).isEqualTo(1L);
        assertThat(decoded.getClientMessageId()).isNull();
    }

    @Test
    void refusesBytesThatAreNotTheWireFormat() {
        AvroWireDeserializer<ConversationEvent> d = new AvroWireDeserializer<>(registry, ConversationEvent.getClassSchema());
        assertThatThrownBy(() -> d.deserialize("t", new byte[] {1, 0, 0, 0, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic");
        assertThatThrownBy(() -> d.deserialize("t", new byte[] {0, 0}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("too short");
    }

    @Test
    void genericDecoderPrintsJson() {
        AvroWireSerializer<ConversationEvent> s = new AvroWireSerializer<>(registry, true);
        String json = new GenericJsonDecoder(registry).toJson(s.serialize("conversation-events", event(3)));
        assertThat(json).contains("\"seq\":3").contains("\"conversationId\":\"dm:a:b\"");
    }

    private static byte[] frame(int id, Schema schema, org.apache.avro.generic.GenericRecord r) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(schema).write(r, enc);
            enc.flush();
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
