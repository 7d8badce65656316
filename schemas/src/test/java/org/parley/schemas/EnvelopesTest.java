package org.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceEnvelope;
import org.parley.events.DeviceItem;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;
import org.parley.events.UserItem;

/** The per-device envelope fields: BACKWARD compatible (ADR 0005), and a device's copy keeps only its own envelope. */
class EnvelopesTest {
    static {
        org.parley.serde.TrustedEventClasses.install(); // as every serde does: the generated classes are trusted
    }

    private static final List<String> NEW_FIELDS = List.of("envelopes", "encrypted");

    /** The schema as it was before the envelope fields: the same record without them (nested records too). */
    static Schema withoutEnvelopes(Schema s) {
        return without(s, (record, field) -> NEW_FIELDS.contains(field));
    }

    /** {@code s} without the fields {@code dropped} names, in every nested record. */
    static Schema without(Schema s, java.util.function.BiPredicate<Schema, String> dropped) {
        return switch (s.getType()) {
            case RECORD -> {
                List<Schema.Field> fields = new ArrayList<>();
                for (Schema.Field f : s.getFields()) {
                    if (!dropped.test(s, f.name())) {
                        fields.add(new Schema.Field(f, without(f.schema(), dropped)));
                    }
                }
                yield Schema.createRecord(s.getName(), s.getDoc(), s.getNamespace(), false, fields);
            }
            case UNION -> Schema.createUnion(s.getTypes().stream().map(t -> without(t, dropped)).toList());
            case ARRAY -> Schema.createArray(without(s.getElementType(), dropped));
            default -> s;
        };
    }

    @Test
    void everyChangedSchemaReadsWhatItsPreviousVersionWrote() {
        for (Schema current : List.of(ClientAction.getClassSchema(), ConversationEvent.getClassSchema(),
                DeviceItem.getClassSchema(), DeviceDelivery.getClassSchema())) {
            Schema previous = withoutEnvelopes(current);
            assertThat(previous.toString()).doesNotContain("\"envelopes\"");
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, previous).getType())
                    .as(current.getFullName()).isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void anOldEventDecodesAsNotEncryptedWithoutEnvelopes() throws Exception {
        Schema previous = withoutEnvelopes(ConversationEvent.getClassSchema());
        GenericRecord old = new GenericData.Record(previous);
        for (Schema.Field f : previous.getFields()) {
            if (f.hasDefaultValue()) {
                old.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        old.put("eventId", "dm:a:b/1");
        old.put("conversationId", "dm:a:b");
        old.put("seq", 1L);
        old.put("type", new GenericData.EnumSymbol(EventType.getClassSchema(), "MESSAGE"));
        old.put("senderUserId", "a");
        old.put("senderDeviceId", "a1");
        old.put("memberUserIds", List.of("a", "b"));
        old.put("sentAt", 5L);
        old.put("payload", ByteBuffer.wrap(new byte[] {7}));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(previous).write(old, enc);
        enc.flush();

        ConversationEvent read = new SpecificDatumReader<ConversationEvent>(previous, ConversationEvent.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.getEncrypted()).isFalse();
        assertThat(read.getEnvelopes()).isNull();
        assertThat(read.getPayload()).isEqualTo(ByteBuffer.wrap(new byte[] {7}));
    }

    private static DeviceEnvelope envelope(String device) {
        return DeviceEnvelope.newBuilder().setDeviceId(device).setType(EnvelopeType.PREKEY)
                .setBody(ByteBuffer.wrap(device.getBytes())).build();
    }

    private static ConversationEvent.Builder message() {
        return ConversationEvent.newBuilder().setEventId("dm:a:b/1").setConversationId("dm:a:b").setSeq(1)
                .setType(EventType.MESSAGE).setSenderUserId("a").setSenderDeviceId("a1").setMemberUserIds(List.of())
                .setSentAt(Instant.EPOCH).setPayload(ByteBuffer.allocate(0));
    }

    @Test
    void aDeviceCopyKeepsOnlyItsOwnEnvelope() {
        ConversationEvent e = message().setEncrypted(true)
                .setEnvelopes(List.of(envelope("b1"), envelope("b2"), envelope("a2"))).build();

        assertThat(Envelopes.forDevice(e, "b2").getEnvelopes()).containsExactly(envelope("b2"));
        ConversationEvent none = Envelopes.forDevice(e, "b3");
        assertThat(none.getEnvelopes()).isEmpty();
        assertThat(none.getEncrypted()).isTrue();
        assertThat(e.getEnvelopes()).hasSize(3); // the original is not changed
    }

    /** The schema as it was before envelopes named their device's user. */
    static Schema withoutEnvelopeUsers(Schema s) {
        return without(s, (record, field) -> record.getName().equals("DeviceEnvelope") && field.equals("userId"));
    }

    @Test
    void theEnvelopesUserIsBackwardCompatible() {
        for (Schema current : List.of(ClientAction.getClassSchema(), ConversationEvent.getClassSchema(),
                UserItem.getClassSchema(), DeviceDelivery.getClassSchema())) {
            Schema previous = withoutEnvelopeUsers(current);
            assertThat(previous.toString()).as(current.getFullName()).contains("DeviceEnvelope")
                    .isNotEqualTo(current.toString());
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, previous).getType())
                    .as(current.getFullName()).isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
    }

    private static DeviceEnvelope envelope(String device, String user) {
        DeviceEnvelope e = envelope(device);
        e.setUserId(user);
        return e;
    }

    @Test
    void aMembersCopyKeepsOnlyTheEnvelopesOfItsDevicesAndThoseWithoutAUser() {
        ConversationEvent e = message().setPayload(ByteBuffer.wrap(new byte[] {1})).setEnvelopes(List.of(
                envelope("b1", "b"), envelope("c1", "c"), envelope("b2", "b"), envelope("old"))).build();

        ConversationEvent forB = Envelopes.forUser(e, "b");
        assertThat(forB.getEnvelopes()).containsExactly(envelope("b1", "b"), envelope("b2", "b"), envelope("old"));
        assertThat(Envelopes.distributesKeys(forB)).isTrue();
        assertThat(Envelopes.forUser(e, "d").getEnvelopes()).containsExactly(envelope("old"));
        assertThat(e.getEnvelopes()).hasSize(4); // the original is not changed
        ConversationEvent onlyB = message().setEncrypted(true).setEnvelopes(List.of(envelope("b1", "b"))).build();
        assertThat(Envelopes.forUser(onlyB, "b")).isSameAs(onlyB);
        ConversationEvent forA = Envelopes.forUser(onlyB, "a");
        assertThat(forA.getEnvelopes()).isEmpty();
        assertThat(forA.getEncrypted()).isTrue(); // still shown as "waiting for this message"
    }

    @Test
    void aPlainEventIsReturnedAsItIs() {
        ConversationEvent plain = message().setPayload(ByteBuffer.wrap(new byte[] {1})).build();
        assertThat(Envelopes.forDevice(plain, "b1")).isSameAs(plain);
        assertThat(Envelopes.forUser(plain, "b")).isSameAs(plain);
    }
}
