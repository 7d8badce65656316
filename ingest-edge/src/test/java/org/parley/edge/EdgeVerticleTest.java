package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsEndpoint;
import org.parley.edge.session.PendingActions;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;
import org.parley.serde.AvroWireSerializer;

@ExtendWith(VertxExtension.class)
class EdgeVerticleTest {
    private static final int MAX_PAYLOAD = 1024;

    private final RecordingActionLog log = new RecordingActionLog();
    private final InMemoryReadModel readModel = new InMemoryReadModel();
    private final PendingActions pending = new PendingActions();
    private final ConnectedDevices devices = new ConnectedDevices();
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroWireSerializer<DeviceDelivery> deliveryWriter = new AvroWireSerializer<>(registry, true);
    private Vertx vertx;
    private int port;
    private String deployment;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        this.vertx = vertx;
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        EdgeConfig config = new EdgeConfig("127.0.0.1", 0, 2, MAX_PAYLOAD, 64 * 1024, 100, 5_000, 5_000);
        EdgeVerticle edge = new EdgeVerticle(config, log, readModel, pending, devices, b -> reader.deserialize("deliveries", b))
                .with(new EdgeExtensions(new DeviceRegistration(log, readModel, new InMemoryDeviceSlots(), devices, 4),
                        new SettingsEndpoint(new InMemoryUserState(), readModel), SessionExtension.NONE));
        deployment = vertx.deployVerticle(edge).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = edge.actualPort();
    }

    @AfterEach
    void undeploy() throws Exception {
        // Vert.x shares port-0 servers within one instance: never leave an old edge answering.
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private JsonObject register(String userId) throws Exception {
        HttpResponse<String> res = post("{\"userId\":\"" + userId + "\"}");
        assertThat(res.statusCode()).isEqualTo(201);
        return new JsonObject(res.body());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/devices"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private TestClient connect(JsonObject device) throws Exception {
        TestClient c = TestClient.connect(vertx, port, "/v1/ws?token=" + device.getString("token"));
        JsonObject ready = c.next("ready");
        assertThat(ready.getString("deviceId")).isEqualTo(device.getString("deviceId"));
        return c;
    }

    private DeviceDelivery delivery(JsonObject device, String sessionId, long inboxSeq, String sender, long seq) {
        ConversationEvent e = ConversationEvent.newBuilder().setEventId("dm:alice:bob/" + seq)
                .setConversationId("dm:alice:bob").setSeq(seq).setType(EventType.MESSAGE).setSenderUserId(sender)
                .setSenderDeviceId("dev-" + sender).setClientMessageId("m" + seq).setMemberUserIds(List.of("alice", "bob"))
                .setSentAt(Instant.ofEpochMilli(1000)).setPayload(ByteBuffer.wrap(new byte[] {(byte) seq})).build();
        return DeviceDelivery.newBuilder().setDeviceId(device.getString("deviceId")).setUserId(device.getString("userId"))
                .setInboxSeq(inboxSeq).setKind(DeliveryKind.EVENT).setSessionId(sessionId).setEdgeId(2).setEvent(e).build();
    }

    private DeviceDelivery marker(JsonObject device, String sessionId, long upTo) {
        return DeviceDelivery.newBuilder().setDeviceId(device.getString("deviceId")).setUserId(device.getString("userId"))
                .setInboxSeq(0).setKind(DeliveryKind.SYNC_MARKER).setSessionId(sessionId).setEdgeId(2)
                .setMarkerInboxSeq(upTo).build();
    }

    private void putInInbox(DeviceDelivery d) {
        readModel.inbox.computeIfAbsent(d.getDeviceId(), k -> new ConcurrentSkipListMap<>())
                .put(d.getInboxSeq(), deliveryWriter.serialize("deliveries", d));
    }

    private String sessionOf(JsonObject device) {
        await().until(() -> log.sessions.stream().anyMatch(s -> s.getDeviceId().equals(device.getString("deviceId"))));
        return log.sessions.stream().filter(s -> s.getDeviceId().equals(device.getString("deviceId")))
                .reduce((a, b) -> b).orElseThrow().getSessionId();
    }

    @Test
    void upgradeWithoutTokenIsRefused() {
        assertThatThrownBy(() -> TestClient.connect(vertx, port, "/v1/ws"))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    }

    @Test
    void upgradeWithAWrongTokenIsRefused() throws Exception {
        JsonObject alice = register("alice");
        String forged = alice.getString("deviceId") + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assertThatThrownBy(() -> TestClient.connect(vertx, port, "/v1/ws?token=" + forged))
                .cause().isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    }

    @Test
    void registrationStoresOnlyTheTokenHash() throws Exception {
        JsonObject alice = register("alice");
        assertThat(log.devices).singleElement().satisfies(d -> {
            assertThat(d.getTokenHash()).isEqualTo(DeviceTokens.hash(alice.getString("token")));
            assertThat(d.getTokenHash()).doesNotContain(alice.getString("token"));
        });
        assertThat(post("{\"userId\":\"a b\"}").statusCode()).isEqualTo(400);
        assertThat(post("not json").statusCode()).isEqualTo(400);
    }

    @Test
    void badFramesGetPreciseErrorsAndTheConnectionStaysOpen() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            String big = Base64.getEncoder().encodeToString(new byte[MAX_PAYLOAD + 1]);
            String[][] cases = {
                {"this is not json", "BAD_FRAME"},
                {"[1,2,3]", "BAD_FRAME"},
                {"{}", "MISSING_FIELD"},
                {"{\"type\":\"teleport\"}", "UNKNOWN_TYPE"},
                {"{\"type\":\"send\",\"to\":\"bob\",\"payload\":\"AA==\"}", "MISSING_FIELD"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\"}", "MISSING_FIELD"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"payload\":\"AA==\"}", "MISSING_FIELD"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"%%%\"}", "INVALID_FIELD"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"b:ob\",\"payload\":\"AA==\"}", "INVALID_FIELD"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"" + big + "\"}", "PAYLOAD_TOO_LARGE"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"conversationId\":\"dm:bob:carol\",\"payload\":\"AA==\"}", "NOT_A_MEMBER"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"conversationId\":\"nope\",\"payload\":\"AA==\"}", "UNKNOWN_CONVERSATION"},
                {"{\"type\":\"ack\"}", "MISSING_FIELD"},
                {"{\"type\":\"ack\",\"inboxSeq\":-1}", "INVALID_FIELD"},
                {"{\"type\":\"ack\",\"inboxSeq\":5}", "INVALID_ACK"},
                {"{\"type\":\"history\",\"requestId\":\"r1\",\"conversationId\":\"dm:bob:carol\"}", "NOT_A_MEMBER"},
                {"{\"type\":\"read\",\"conversationId\":\"dm:alice:bob\"}", "MISSING_FIELD"},
                {"{\"type\":\"read\",\"conversationId\":\"dm:bob:carol\",\"seq\":1}", "NOT_A_MEMBER"},
            };
            for (String[] tc : cases) {
                c.send(tc[0]);
                JsonObject err = c.next("error");
                assertThat(err.getString("code")).as("reply to %s", tc[0]).isEqualTo(tc[1]);
                assertThat(err.getString("message")).isNotBlank();
            }
            c.sendBinary(new byte[] {1, 2, 3});
            assertThat(c.next("error").getString("code")).isEqualTo("BAD_FRAME");
            JsonObject tooLarge = null;
            c.send("{\"type\":\"send\",\"clientMessageId\":\"big-1\",\"to\":\"bob\",\"payload\":\"" + big + "\"}");
            tooLarge = c.next("error");
            assertThat(tooLarge.getString("ref")).isEqualTo("big-1");

            c.send("{\"type\":\"ping\"}");
            c.next("pong");
            assertThat(c.closed).isFalse();
            assertThat(log.actions).isEmpty();
        }
    }

    @Test
    void sendIsAppendedAndAnsweredWithTheSequencersSeq() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            c.send(new JsonObject().put("type", "send").put("clientMessageId", "m1").put("to", "bob")
                    .put("payload", Base64.getEncoder().encodeToString("hi".getBytes())));
            await().until(() -> log.actions.size() == 1);
            ClientAction a = log.actions.get(0);
            assertThat(a.getType()).isEqualTo(ActionType.SEND_MESSAGE);
            assertThat(a.getConversationId()).isEqualTo("dm:alice:bob");
            assertThat(a.getEdgeId()).isEqualTo(2);
            assertThat(a.getPayload()).isEqualTo(ByteBuffer.wrap("hi".getBytes()));
            pending.complete(ActionResult.newBuilder().setActionId(a.getActionId()).setDeviceId(a.getSenderDeviceId())
                    .setClientMessageId("m1").setConversationId(a.getConversationId()).setOutcome(ActionOutcome.ACCEPTED)
                    .setSeq(7L).build());
            JsonObject sent = c.next("sent");
            assertThat(sent.getLong("seq")).isEqualTo(7L);
            assertThat(sent.getString("clientMessageId")).isEqualTo("m1");
            assertThat(sent.getString("conversationId")).isEqualTo("dm:alice:bob");
        }
    }

    @Test
    void sequencerRefusalBecomesAnErrorFrame() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            c.send("{\"type\":\"send\",\"clientMessageId\":\"m9\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            await().until(() -> log.actions.size() == 1);
            ClientAction a = log.actions.get(0);
            pending.complete(ActionResult.newBuilder().setActionId(a.getActionId()).setDeviceId(a.getSenderDeviceId())
                    .setConversationId(a.getConversationId()).setOutcome(ActionOutcome.REJECTED)
                    .setErrorCode("NOT_A_MEMBER").setErrorMessage("no").build());
            JsonObject err = c.next("error");
            assertThat(err.getString("code")).isEqualTo("NOT_A_MEMBER");
            assertThat(err.getString("ref")).isEqualTo("m9");
        }
    }

    @Test
    void unstoredSendIsReportedAsUnavailable() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            log.failing = true;
            c.send("{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            JsonObject err = c.next("error");
            assertThat(err.getString("code")).isEqualTo("UNAVAILABLE");
            assertThat(err.getString("ref")).isEqualTo("m1");
            assertThat(pending.size()).isZero();
        }
    }

    @Test
    void backlogThenLiveDeliveriesAreContiguousWithoutDuplicates() throws Exception {
        JsonObject alice = register("alice");
        try (TestClient c = connect(alice)) {
            String session = sessionOf(alice);
            putInInbox(delivery(alice, session, 1, "bob", 1));
            putInInbox(delivery(alice, session, 2, "bob", 2));
            devices.deliver(marker(alice, session, 2));
            assertThat(c.next("message").getLong("inboxSeq")).isEqualTo(1);
            assertThat(c.next("message").getLong("inboxSeq")).isEqualTo(2);
            assertThat(c.next("synced").getLong("inboxSeq")).isEqualTo(2);

            devices.deliver(delivery(alice, session, 3, "bob", 3));
            devices.deliver(delivery(alice, session, 3, "bob", 3)); // redelivered after a fan-out restore
            putInInbox(delivery(alice, session, 4, "bob", 4));
            devices.deliver(delivery(alice, session, 5, "bob", 5)); // 4 missed live: filled from the inbox
            devices.deliver(delivery(alice, "another-session", 6, "bob", 6)); // not this session's
            for (long expected = 3; expected <= 5; expected++) {
                JsonObject m = c.next("message");
                assertThat(m.getLong("inboxSeq")).isEqualTo(expected);
                assertThat(m.getLong("seq")).isEqualTo(expected);
            }
            c.send("{\"type\":\"ping\"}");
            c.next("pong");
        }
    }

    @Test
    void ackSendsDeliveryReceiptsForOthersMessagesAndSavesTheCursor() throws Exception {
        JsonObject alice = register("alice");
        try (TestClient c = connect(alice)) {
            String session = sessionOf(alice);
            devices.deliver(marker(alice, session, 0));
            c.next("synced");
            devices.deliver(delivery(alice, session, 1, "bob", 1));
            devices.deliver(delivery(alice, session, 2, "alice", 2)); // from alice's other device: no receipt
            c.next("message");
            c.next("message");
            c.send("{\"type\":\"ack\",\"inboxSeq\":2}");
            await().until(() -> readModel.cursors.getOrDefault(alice.getString("deviceId"), 0L) == 2L);
            assertThat(log.actions).singleElement().satisfies(a -> {
                assertThat(a.getType()).isEqualTo(ActionType.DELIVERY_RECEIPT);
                assertThat(a.getTargetSeq()).isEqualTo(1L);
                assertThat(a.getTargetUserId()).isEqualTo("bob");
                assertThat(a.getConversationId()).isEqualTo("dm:alice:bob");
            });
        }
    }

    @Test
    void readAppendsAReadReceiptForTheOtherMember() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            c.send("{\"type\":\"read\",\"conversationId\":\"dm:alice:bob\",\"seq\":4}");
            await().until(() -> log.actions.size() == 1);
            ClientAction a = log.actions.get(0);
            assertThat(a.getType()).isEqualTo(ActionType.READ_RECEIPT);
            assertThat(a.getTargetSeq()).isEqualTo(4L);
            assertThat(a.getTargetUserId()).isEqualTo("bob");
            assertThat(a.getSenderUserId()).isEqualTo("alice");
        }
    }

    @Test
    void reconnectResumesAfterTheSavedCursor() throws Exception {
        JsonObject alice = register("alice");
        readModel.cursors.put(alice.getString("deviceId"), 41L);
        try (TestClient c = TestClient.connect(vertx, port, "/v1/ws?token=" + alice.getString("token"))) {
            assertThat(c.next("ready").getLong("fromInboxSeq")).isEqualTo(41L);
        }
        try (TestClient c = TestClient.connect(vertx, port, "/v1/ws?lastInboxSeq=7&token=" + alice.getString("token"))) {
            assertThat(c.next("ready").getLong("fromInboxSeq")).isEqualTo(7L);
        }
    }

    @Test
    void historyPagesTheConversationForMembers() throws Exception {
        JsonObject alice = register("alice");
        readModel.history.put("dm:alice:bob", List.of(
                delivery(alice, "s", 1, "bob", 1).getEvent(), delivery(alice, "s", 2, "alice", 2).getEvent(),
                delivery(alice, "s", 3, "bob", 3).getEvent()));
        try (TestClient c = connect(alice)) {
            c.send("{\"type\":\"history\",\"requestId\":\"r1\",\"conversationId\":\"dm:alice:bob\",\"limit\":2}");
            JsonObject page = c.next("history");
            assertThat(page.getJsonArray("events")).hasSize(2);
            assertThat(page.getJsonArray("events").getJsonObject(0).getLong("seq")).isEqualTo(3L);
            assertThat(page.getBoolean("hasMore")).isTrue();
            c.send("{\"type\":\"history\",\"requestId\":\"r2\",\"conversationId\":\"dm:alice:bob\",\"beforeSeq\":2}");
            JsonObject rest = c.next("history");
            assertThat(rest.getJsonArray("events")).hasSize(1);
            assertThat(rest.getBoolean("hasMore")).isFalse();
        }
    }
}
