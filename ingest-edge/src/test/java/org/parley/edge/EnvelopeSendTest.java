package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;

/**
 * A send with envelopes through the edge: a set that does not match the current devices is answered with
 * MISMATCHED_DEVICES and nothing is appended; the matching resend with the same clientMessageId is appended with its
 * envelopes and answered with the sequencer's seq.
 */
@ExtendWith(VertxExtension.class)
class EnvelopeSendTest {
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static JsonObject envelope(String deviceId) {
        return new JsonObject().put("deviceId", deviceId).put("type", "prekey")
                .put("body", Base64.getEncoder().encodeToString(("for " + deviceId).getBytes()));
    }

    private static JsonObject send(String... devices) {
        JsonArray envelopes = new JsonArray();
        for (String d : devices) {
            envelopes.add(envelope(d));
        }
        return new JsonObject().put("type", "send").put("clientMessageId", "m1").put("to", "bob")
                .put("envelopes", envelopes);
    }

    @Test
    void aStaleSetIsRefusedWithTheListsAndTheCorrectedResendGoesThrough() throws Exception {
        JsonObject alicePhone = edge.register("alice");
        JsonObject aliceLaptop = edge.link(alicePhone);
        JsonObject bobPhone = edge.register("bob");
        JsonObject bobLaptop = edge.link(bobPhone);
        String a1 = alicePhone.getString("deviceId");
        String a2 = aliceLaptop.getString("deviceId");
        String b1 = bobPhone.getString("deviceId");
        String b2 = bobLaptop.getString("deviceId");
        String gone = "0b6c3f3e-5f0e-4a4e-9d55-3c2f8f0d7a11";
        edge.encryptable.put("alice", Set.of(a1, a2));
        edge.encryptable.put("bob", Set.of(b1, b2));

        try (TestClient c = edge.connect(alicePhone)) {
            // alice fetched bob's bundles before his laptop was linked, and still has an unlinked device of his.
            c.send(send(b1, gone, a2));
            JsonObject refused = c.next("error");
            assertThat(refused.getString("code")).isEqualTo("MISMATCHED_DEVICES");
            assertThat(refused.getString("ref")).isEqualTo("m1");
            assertThat(refused.getJsonObject("missingDevices")).isEqualTo(new JsonObject().put("bob", new JsonArray().add(b2)));
            assertThat(refused.getJsonArray("extraDevices")).containsExactly(gone);
            assertThat(edge.log.actions).isEmpty();

            c.send(send(b1, b2, a2));
            await().until(() -> edge.log.actions.size() == 1);
            ClientAction a = edge.log.actions.get(0);
            assertThat(a.getClientMessageId()).isEqualTo("m1");
            assertThat(a.getPayload().remaining()).isZero();
            assertThat(a.getEnvelopes()).extracting(DeviceEnvelope::getDeviceId).containsExactly(b1, b2, a2);
            // Each names its device's user: the fan-out copies each member only its own envelopes.
            assertThat(a.getEnvelopes()).extracting(DeviceEnvelope::getUserId).containsExactly("bob", "bob", "alice");
            assertThat(a.getEnvelopes()).extracting(DeviceEnvelope::getType).containsOnly(EnvelopeType.PREKEY);
            assertThat(a.getEnvelopes().get(1).getBody()).isEqualTo(ByteBuffer.wrap(("for " + b2).getBytes()));
            edge.pending.complete(ActionResult.newBuilder().setActionId(a.getActionId()).setDeviceId(a1)
                    .setClientMessageId("m1").setConversationId("dm:alice:bob").setOutcome(ActionOutcome.ACCEPTED)
                    .setSeq(1L).build());
            assertThat(c.next("sent").getLong("seq")).isEqualTo(1L);
        }
    }

    @Test
    void theSendingDeviceItselfIsNotAnEnvelopeTarget() throws Exception {
        JsonObject alicePhone = edge.register("alice");
        JsonObject bobPhone = edge.register("bob");
        String a1 = alicePhone.getString("deviceId");
        String b1 = bobPhone.getString("deviceId");
        edge.encryptable.put("alice", Set.of(a1));
        edge.encryptable.put("bob", Set.of(b1));

        try (TestClient c = edge.connect(alicePhone)) {
            c.send(send(b1, a1));
            JsonObject refused = c.next("error");
            assertThat(refused.getString("code")).isEqualTo("MISMATCHED_DEVICES");
            assertThat(refused.getJsonObject("missingDevices")).isEqualTo(new JsonObject());
            assertThat(refused.getJsonArray("extraDevices")).containsExactly(a1);
            assertThat(edge.log.actions).isEmpty();
        }
    }

    private static JsonObject group(String payload, String... devices) {
        JsonObject frame = send(devices);
        frame.remove("to");
        return frame.put("conversationId", "g:book-club").put("payload", payload);
    }

    @Test
    void aGroupSendsEnvelopesMustBeForCurrentDevicesOfMembersAndNeedNotCoverEveryDevice() throws Exception {
        JsonObject alicePhone = edge.register("alice");
        JsonObject aliceLaptop = edge.link(alicePhone);
        JsonObject bobPhone = edge.register("bob");
        JsonObject bobLaptop = edge.link(bobPhone);
        String a1 = alicePhone.getString("deviceId");
        String a2 = aliceLaptop.getString("deviceId");
        String b1 = bobPhone.getString("deviceId");
        String b2 = bobLaptop.getString("deviceId");
        String carols = "0b6c3f3e-5f0e-4a4e-9d55-3c2f8f0d7a11";
        edge.encryptable.put("alice", Set.of(a1, a2));
        edge.encryptable.put("bob", Set.of(b1, b2));
        edge.encryptable.put("carol", Set.of(carols)); // removed from the group: her device is no member's
        edge.readModel.members.put("g:book-club", java.util.List.of(
                new org.parley.projections.GroupDirectory.Member("alice", true, 1),
                new org.parley.projections.GroupDirectory.Member("bob", false, 1)));
        String senderKey = Base64.getEncoder().encodeToString(new byte[] {7, 1, 2});

        try (TestClient c = edge.connect(alicePhone)) {
            c.send(group(senderKey, b1, carols));
            JsonObject refused = c.next("error");
            assertThat(refused.getString("code")).isEqualTo("MISMATCHED_DEVICES");
            assertThat(refused.getString("ref")).isEqualTo("m1");
            assertThat(refused.getJsonObject("missingDevices")).isEqualTo(new JsonObject());
            assertThat(refused.getJsonArray("extraDevices")).containsExactly(carols);
            assertThat(edge.log.actions).isEmpty();

            c.send(group(senderKey, a1));
            assertThat(c.next("error").getJsonArray("extraDevices")).containsExactly(a1); // the sending device itself

            // bob's laptop holds the key already: envelopes for bob's phone and alice's laptop are enough.
            c.send(group(senderKey, b1, a2));
            await().until(() -> edge.log.actions.size() == 1);
            ClientAction a = edge.log.actions.get(0);
            assertThat(a.getConversationId()).isEqualTo("g:book-club");
            assertThat(a.getPayload()).isEqualTo(ByteBuffer.wrap(new byte[] {7, 1, 2}));
            assertThat(a.getEnvelopes()).extracting(DeviceEnvelope::getDeviceId).containsExactly(b1, a2);
            assertThat(a.getEnvelopes()).extracting(DeviceEnvelope::getUserId).containsExactly("bob", "alice");
        }
    }
}
