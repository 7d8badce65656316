package org.parley.edge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;
import org.parley.projections.ConversationHistory;

/** A {@code send} with per-device envelopes: its validation, and what a delivery and a history item show a device. */
class EnvelopeFrameTest {
    private static final int MAX_ENVELOPES = 3;
    private static final int MAX_BODY = 64;
    private final FrameDecoder decoder = new FrameDecoder(1024, 100, 1024, MAX_ENVELOPES, MAX_BODY);
    private static final String B1 = "0b6c3f3e-5f0e-4a4e-9d55-3c2f8f0d7a11";
    private static final String B2 = "1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b";
    private static final String A2 = "2a3b4c5d-6e7f-4012-9345-6789abcdef01";

    @org.junit.jupiter.api.BeforeAll
    static void trustEventClasses() {
        org.parley.serde.TrustedEventClasses.install(); // copying an event (newBuilder(event)) instantiates its classes
    }

    private static JsonObject envelope(String deviceId, String type, byte[] body) {
        return new JsonObject().put("deviceId", deviceId).put("type", type)
                .put("body", Base64.getEncoder().encodeToString(body));
    }

    private static JsonObject send(JsonArray envelopes) {
        return new JsonObject().put("type", "send").put("clientMessageId", "m1").put("to", "bob").put("envelopes", envelopes);
    }

    private ErrorCode refused(JsonObject frame) {
        try {
            throw new AssertionError("accepted: " + decoder.decode(frame.encode(), "alice"));
        } catch (ProtocolException e) {
            assertThat(e.ref()).isEqualTo("m1");
            return e.code();
        }
    }

    @Test
    void envelopesAreDecodedIntoTheSendWithAnEmptyPayload() {
        ClientFrame.Send s = (ClientFrame.Send) decoder.decode(send(new JsonArray()
                .add(envelope(B1, "prekey", new byte[] {1, 2}))
                .add(envelope(A2, "message", new byte[] {3}))).encode(), "alice");

        assertThat(s.conversationId()).isEqualTo("dm:alice:bob");
        assertThat(s.encrypted()).isTrue();
        assertThat(s.payload()).isEmpty();
        assertThat(s.envelopes()).extracting(DeviceEnvelope::getDeviceId, DeviceEnvelope::getType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(B1, EnvelopeType.PREKEY),
                        org.assertj.core.groups.Tuple.tuple(A2, EnvelopeType.MESSAGE));
        assertThat(s.envelopes().get(0).getBody()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2}));
    }

    @Test
    void aSendCarriesEitherPayloadOrEnvelopes() {
        JsonObject both = send(new JsonArray().add(envelope(B1, "message", new byte[] {1}))).put("payload", "AA==");
        assertThat(refused(both)).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject neither = send(new JsonArray());
        neither.remove("envelopes");
        assertThat(refused(neither)).isEqualTo(ErrorCode.MISSING_FIELD);
        // A plain payload still works exactly as before.
        ClientFrame.Send plain = (ClientFrame.Send) decoder.decode(
                "{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\"}", "alice");
        assertThat(plain.encrypted()).isFalse();
        assertThat(plain.payload()).containsExactly(0);
    }

    @Test
    void envelopesAreBounded() {
        assertThat(refused(send(new JsonArray()))).isEqualTo(ErrorCode.INVALID_FIELD);              // none
        JsonArray four = new JsonArray();
        for (int i = 0; i < MAX_ENVELOPES + 1; i++) {
            four.add(envelope(UUID.randomUUID().toString(), "message", new byte[] {1}));
        }
        assertThat(refused(send(four))).isEqualTo(ErrorCode.INVALID_FIELD);                          // too many
        assertThat(refused(send(new JsonArray().add(envelope(B1, "message", new byte[MAX_BODY + 1])))))
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(refused(send(new JsonArray().add(envelope(B1, "message", new byte[MAX_BODY * 4])))))
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);                                              // refused undecoded
        assertThat(decoder.decode(send(new JsonArray().add(envelope(B1, "message", new byte[MAX_BODY]))).encode(),
                "alice")).isInstanceOf(ClientFrame.Send.class);                                       // at the bound
    }

    @Test
    void eachEnvelopeIsWellFormedAndForADistinctDevice() {
        assertThat(refused(send(new JsonArray().add(envelope(B1, "message", new byte[] {1}))
                .add(envelope(B1, "prekey", new byte[] {2}))))).isEqualTo(ErrorCode.INVALID_FIELD);   // twice
        assertThat(refused(send(new JsonArray().add(envelope("bob-phone", "message", new byte[] {1})))))
                .isEqualTo(ErrorCode.INVALID_FIELD);                                                  // not a device id
        assertThat(refused(send(new JsonArray().add(envelope(B1, "sealed", new byte[] {1})))))
                .isEqualTo(ErrorCode.INVALID_FIELD);                                                  // unknown type
        assertThat(refused(send(new JsonArray().add(new JsonObject().put("deviceId", B1).put("type", "message")
                .put("body", "not base64!"))))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refused(send(new JsonArray().add(new JsonObject().put("deviceId", B1).put("type", "message")))))
                .isEqualTo(ErrorCode.MISSING_FIELD);                                                  // no body
        assertThat(refused(send(new JsonArray().add("AA==")))).isEqualTo(ErrorCode.INVALID_FIELD);    // not an object
        assertThat(refused(send(new JsonArray().add(envelope(B1, "message", new byte[] {1})))
                .put("envelopes", "AA=="))).isEqualTo(ErrorCode.INVALID_FIELD);                       // not an array
    }

    private static JsonObject groupSend(JsonArray envelopes) {
        JsonObject group = send(envelopes);
        group.remove("to");
        return group.put("conversationId", "g:book-club");
    }

    @Test
    void aGroupSendNeedsItsSenderKeyPayloadBesideTheEnvelopes() {
        assertThat(refused(groupSend(new JsonArray().add(envelope(B1, "message", new byte[] {1})))))
                .isEqualTo(ErrorCode.MISSING_FIELD);
    }

    @Test
    void aGroupSendCarriesThePayloadAndTheKeyDistributionEnvelopes() {
        ClientFrame.Send s = (ClientFrame.Send) decoder.decode(groupSend(new JsonArray()
                .add(envelope(B1, "prekey", new byte[] {1, 2})).add(envelope(A2, "message", new byte[] {3})))
                .put("payload", Base64.getEncoder().encodeToString(new byte[] {7, 9})).encode(), "alice");

        assertThat(s.payload()).containsExactly(7, 9);
        assertThat(s.distributesKeys()).isTrue();
        assertThat(s.envelopes()).extracting(DeviceEnvelope::getDeviceId).containsExactly(B1, A2);
    }

    @Test
    void aGroupSendsEnvelopesAreBoundedLikeOneToOne() {
        JsonObject tooMany = groupSend(new JsonArray().add(envelope(B1, "message", new byte[] {1}))
                .add(envelope(B2, "message", new byte[] {1})).add(envelope(A2, "message", new byte[] {1}))
                .add(envelope(UUID.randomUUID().toString(), "message", new byte[] {1})));
        assertThat(refused(tooMany.put("payload", "AQ=="))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refused(groupSend(new JsonArray().add(envelope(B1, "message", new byte[MAX_BODY + 1])))
                .put("payload", "AQ=="))).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    void aOneToOneSendStillCarriesEitherPayloadOrEnvelopes() {
        assertThat(refused(send(new JsonArray().add(envelope(B1, "message", new byte[] {1}))).put("payload", "AQ==")))
                .isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void aGroupDeliveryShowsThePayloadAndOnlyTheViewersDistributionEnvelope() {
        ConversationEvent e = ConversationEvent.newBuilder(encrypted(List.of(stored(B1), stored(B2))))
                .setConversationId("g:book-club").setEventId("g:book-club/1")
                .setPayload(ByteBuffer.wrap(new byte[] {7, 1})).setEncrypted(false).build();

        JsonObject b1 = new JsonObject(ServerFrames.message(5, e, B1));
        assertThat(b1.getString("payload")).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {7, 1}));
        assertThat(b1.getJsonObject("envelope").getString("body"))
                .isEqualTo(Base64.getEncoder().encodeToString(B1.getBytes()));
        assertThat(b1.containsKey("encrypted")).isFalse();
        assertThat(b1.encode()).doesNotContain(Base64.getEncoder().encodeToString(B2.getBytes()));
        // A device that holds the sender's key already: the payload alone, nothing to wait for.
        JsonObject a2 = new JsonObject(ServerFrames.message(6, e, A2));
        assertThat(a2.getString("payload")).isNotNull();
        assertThat(a2.containsKey("envelope")).isFalse();
        assertThat(a2.containsKey("envelopeMissing")).isFalse();
    }

    private static DeviceEnvelope stored(String device) {
        return DeviceEnvelope.newBuilder().setDeviceId(device).setType(EnvelopeType.PREKEY)
                .setBody(ByteBuffer.wrap(device.getBytes())).build();
    }

    private static ConversationEvent encrypted(List<DeviceEnvelope> envelopes) {
        return ConversationEvent.newBuilder().setEventId("dm:alice:bob/1").setConversationId("dm:alice:bob").setSeq(1)
                .setType(EventType.MESSAGE).setSenderUserId("alice").setSenderDeviceId(A2)
                .setMemberUserIds(List.of()).setSentAt(Instant.EPOCH).setPayload(ByteBuffer.allocate(0))
                .setEncrypted(true).setEnvelopes(envelopes).build();
    }

    @Test
    void aDeliveryShowsTheDeviceOnlyItsOwnEnvelope() {
        ConversationEvent e = encrypted(List.of(stored(B1), stored(B2)));

        JsonObject forB1 = new JsonObject(ServerFrames.message(7, e, B1));
        assertThat(forB1.getBoolean("encrypted")).isTrue();
        assertThat(forB1.containsKey("payload")).isFalse();
        assertThat(forB1.getJsonObject("envelope")).isEqualTo(new JsonObject().put("type", "prekey")
                .put("body", Base64.getEncoder().encodeToString(B1.getBytes())));
        assertThat(forB1.encode()).doesNotContain(Base64.getEncoder().encodeToString(B2.getBytes()));

        JsonObject forOther = new JsonObject(ServerFrames.message(7, e, "3c3c3c3c-3c3c-4c3c-8c3c-3c3c3c3c3c3c"));
        assertThat(forOther.getBoolean("envelopeMissing")).isTrue();
        assertThat(forOther.containsKey("envelope")).isFalse();
    }

    @Test
    void aPlainDeliveryKeepsItsPayload() {
        ConversationEvent plain = ConversationEvent.newBuilder(encrypted(List.of())).setEncrypted(false)
                .setPayload(ByteBuffer.wrap(new byte[] {9})).build();
        JsonObject f = new JsonObject(ServerFrames.message(1, plain, B1));
        assertThat(f.getString("payload")).isEqualTo("CQ==");
        assertThat(f.containsKey("encrypted")).isFalse();
    }

    @Test
    void aHistoryItemShowsTheOwnEnvelopeAndADeletedOneNothingToWaitFor() {
        ConversationHistory.Entry live = new ConversationHistory.Entry(encrypted(List.of(stored(B1))), null, null, false);
        ConversationHistory.Entry gone = new ConversationHistory.Entry(
                ConversationEvent.newBuilder(encrypted(List.of())).setSeq(2).setEventId("dm:alice:bob/2").build(),
                null, null, true);
        JsonArray events = new JsonObject(ServerFrames.history("r1", "dm:alice:bob", List.of(live, gone), Map.of(),
                false, B1)).getJsonArray("events");
        assertThat(events.getJsonObject(0).getJsonObject("envelope").getString("type")).isEqualTo("prekey");
        assertThat(events.getJsonObject(1).getBoolean("deleted")).isTrue();
        assertThat(events.getJsonObject(1).containsKey("envelopeMissing")).isFalse();
    }

    @Test
    void mismatchedDevicesListsWhatIsMissingPerUserAndWhatIsExtra() {
        JsonObject f = new JsonObject(ServerFrames.mismatchedDevices("m1", Map.of("bob", List.of(B2)), List.of(A2)));
        assertThat(f.getString("type")).isEqualTo("error");
        assertThat(f.getString("code")).isEqualTo("MISMATCHED_DEVICES");
        assertThat(f.getString("ref")).isEqualTo("m1");
        assertThat(f.getJsonObject("missingDevices")).isEqualTo(new JsonObject().put("bob", new JsonArray().add(B2)));
        assertThat(f.getJsonArray("extraDevices")).containsExactly(A2);
    }

    @Test
    void aOneToOneEditOrReactionMayCarryItsContentInEnvelopesOnly() {
        JsonArray envelopes = new JsonArray().add(envelope(B1, "message", new byte[] {1})).add(envelope(A2, "message",
                new byte[] {2}));
        JsonObject edit = new JsonObject().put("type", "edit").put("clientMessageId", "m1")
                .put("conversationId", "dm:alice:bob").put("targetSeq", 4).put("envelopes", envelopes);
        ClientFrame.Act e = (ClientFrame.Act) decoder.decode(edit.encode(), "alice");
        assertThat(e.type()).isEqualTo(org.parley.events.ActionType.EDIT_MESSAGE);
        assertThat(e.targetSeq()).isEqualTo(4L);
        assertThat(e.payload()).isNull();
        assertThat(e.envelopes()).extracting(DeviceEnvelope::getDeviceId).containsExactly(B1, A2);

        JsonObject react = edit.copy().put("type", "react");
        ClientFrame.Act r = (ClientFrame.Act) decoder.decode(react.encode(), "alice");
        assertThat(r.type()).isEqualTo(org.parley.events.ActionType.REACT);
        assertThat(r.reaction()).isNull();
        assertThat(r.envelopes()).hasSize(2);

        // Not both contents; not envelopes in a group; plain ones unchanged.
        assertThat(refused(edit.copy().put("payload", "AA=="))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refused(react.copy().put("reaction", "x"))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refused(edit.copy().put("conversationId", "g:family-group"))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refused(edit.copy().put("envelopes", new JsonArray()))).isEqualTo(ErrorCode.INVALID_FIELD);
        ClientFrame.Act plain = (ClientFrame.Act) decoder.decode(edit.copy().put("payload", "AA==")
                .put("envelopes", (Object) null).encode(), "alice");
        assertThat(plain.payload()).containsExactly(0);
        assertThat(plain.envelopes()).isEmpty();
        ClientFrame.Act plainReaction = (ClientFrame.Act) decoder.decode(react.copy().put("reaction", "x")
                .put("envelopes", (Object) null).encode(), "alice");
        assertThat(plainReaction.reaction()).isEqualTo("x");
    }

    @Test
    void aGroupReactionMayCarryASenderKeyPayloadInsteadOfTheEmoji() {
        JsonObject react = new JsonObject().put("type", "react").put("clientMessageId", "m1")
                .put("conversationId", "g:family-group").put("targetSeq", 4).put("payload", "BwE=");
        ClientFrame.Act r = (ClientFrame.Act) decoder.decode(react.encode(), "alice");
        assertThat(r.reaction()).isNull();
        assertThat(r.payload()).containsExactly(7, 1);
        JsonObject neither = react.copy();
        neither.remove("payload");
        assertThat(refused(neither)).isEqualTo(ErrorCode.INVALID_FIELD); // neither emoji nor payload
    }

    @Test
    void anEncryptedEditIsDeliveredWithTheDevicesOwnEnvelope() {
        ConversationEvent edit = ConversationEvent.newBuilder().setEventId("dm:alice:bob/5").setConversationId("dm:alice:bob")
                .setSeq(5).setType(org.parley.events.EventType.MESSAGE_EDITED).setTargetSeq(4L).setSenderUserId("alice")
                .setSenderDeviceId(A2).setMemberUserIds(java.util.List.of("alice", "bob"))
                .setSentAt(java.time.Instant.EPOCH).setPayload(ByteBuffer.allocate(0)).setEncrypted(true)
                .setEnvelopes(java.util.List.of(DeviceEnvelope.newBuilder().setDeviceId(B1).setType(EnvelopeType.MESSAGE)
                        .setBody(ByteBuffer.wrap(new byte[] {9})).build())).build();
        JsonObject f = new JsonObject(ServerFrames.message(3, edit, B1));
        assertThat(f.getString("kind")).isEqualTo("message_edited");
        assertThat(f.getLong("targetSeq")).isEqualTo(4L);
        assertThat(f.getBoolean("encrypted")).isTrue();
        assertThat(f.getJsonObject("envelope").getString("body")).isEqualTo("CQ==");
        assertThat(f.containsKey("payload")).isFalse();
    }
}
