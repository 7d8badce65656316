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
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.http.DeviceTokens;
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
    private final java.util.Map<String, org.parley.edge.media.MediaStore.Media> stored = new java.util.concurrent.ConcurrentHashMap<>();
    private final org.parley.edge.media.MediaStore media = new org.parley.edge.media.MediaStore() {
        @Override
        public io.vertx.core.Future<Void> put(String key, io.vertx.core.buffer.Buffer bytes, String contentType) {
            stored.put(key, new Media(bytes, contentType));
            return io.vertx.core.Future.succeededFuture();
        }

        @Override
        public io.vertx.core.Future<java.util.Optional<Media>> get(String key) {
            return io.vertx.core.Future.succeededFuture(java.util.Optional.ofNullable(stored.get(key)));
        }
    };
    private final TestIdentity identity = new TestIdentity(readModel, log, 2);
    private final AvroWireSerializer<DeviceDelivery> deliveryWriter = new AvroWireSerializer<>(registry, true);
    private Vertx vertx;
    private int port;
    private String deployment;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        this.vertx = vertx;
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        EdgeConfig config = EdgeConfig.builder().edgeId(2).maxPayloadBytes(MAX_PAYLOAD).maxFrameBytes(64 * 1024)
                .historyPageMax(100).syncTimeoutMs(5_000).resultTimeoutMs(5_000).rateLimitPerSecond(20)
                .rateLimitBurst(20).maxMediaBytes(4096).build();
        EdgeRoutes routes = EdgeRoutes.builder(config, TestEdges.guards(vertx)).log(log).readModel(readModel)
                .pending(pending).devices(devices).inboxDecoder(b -> reader.deserialize("deliveries", b))
                .media(media, org.parley.edge.media.MediaPolicy.defaults())
                .extensions(new EdgeExtensions(new DeviceRegistration(log, readModel, new InMemoryDeviceSlots(), devices, 4,
                        identity.registration),
                        new SettingsEndpoint(new InMemoryUserState()), SessionExtension.NONE))
                .build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes);
        deployment = edge.id();
        port = edge.port();
    }

    @AfterEach
    void undeploy() throws Exception {
        // Vert.x shares port-0 servers within one instance: never leave an old edge answering.
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private JsonObject register(String userId) throws Exception {
        return identity.register(port, userId);
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
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"conversationId\":\"nope\",\"payload\":\"AA==\"}", "INVALID_FIELD"},
                {"{\"type\":\"react\",\"clientMessageId\":\"m1\",\"conversationId\":\"dm:alice:bob\",\"targetSeq\":1}", "INVALID_FIELD"},
                {"{\"type\":\"edit\",\"clientMessageId\":\"m1\",\"conversationId\":\"dm:alice:bob\",\"payload\":\"AA==\"}", "MISSING_FIELD"},
                {"{\"type\":\"delete\",\"clientMessageId\":\"m1\",\"conversationId\":\"dm:alice:bob\",\"targetSeq\":1,\"scope\":\"all\"}", "INVALID_FIELD"},
                {"{\"type\":\"createGroup\",\"clientMessageId\":\"m1\",\"members\":[\"bob\"]}", "MISSING_FIELD"},
                {"{\"type\":\"createGroup\",\"clientMessageId\":\"m1\",\"name\":\"x\",\"members\":[\"b:ob\"]}", "INVALID_FIELD"},
                {"{\"type\":\"addMembers\",\"clientMessageId\":\"m1\",\"conversationId\":\"g:abcdefgh\",\"userIds\":[]}", "INVALID_FIELD"},
                {"{\"type\":\"mute\",\"clientMessageId\":\"m1\",\"conversationId\":\"dm:alice:bob\"}", "MISSING_FIELD"},
                {"{\"type\":\"settings\",\"lastSeen\":\"friends\"}", "INVALID_FIELD"},
                {"{\"type\":\"group\",\"requestId\":\"r1\",\"conversationId\":\"g:abcdefgh\"}", "NOT_A_MEMBER"},
                {"{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\",\"forwardOf\":{\"conversationId\":\"dm:alice:bob\",\"seq\":9}}", "TARGET_UNKNOWN"},
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
    void readAppendsOneReadReceipt() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            c.send("{\"type\":\"read\",\"conversationId\":\"dm:alice:bob\",\"seq\":4}");
            await().until(() -> log.actions.size() == 1);
            ClientAction a = log.actions.get(0);
            assertThat(a.getType()).isEqualTo(ActionType.READ_RECEIPT);
            assertThat(a.getTargetSeq()).isEqualTo(4L);
            assertThat(a.getTargetUserId()).isNull(); // the sequencer tells whoever sent what was read
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

    @Test
    void conversationFramesBecomeActionsWithTheirFields() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            String dm = "\"conversationId\":\"dm:alice:bob\"";
            String g = "\"conversationId\":\"g:book-club\"";
            String[] frames = {
                "{\"type\":\"react\",\"clientMessageId\":\"r\"," + dm + ",\"targetSeq\":3,\"reaction\":\"👍\"}",
                "{\"type\":\"edit\",\"clientMessageId\":\"e\"," + dm + ",\"targetSeq\":3,\"payload\":\"AQ==\"}",
                "{\"type\":\"delete\",\"clientMessageId\":\"d1\"," + dm + ",\"targetSeq\":3,\"scope\":\"me\"}",
                "{\"type\":\"delete\",\"clientMessageId\":\"d2\"," + dm + ",\"targetSeq\":3,\"scope\":\"everyone\"}",
                "{\"type\":\"mute\",\"clientMessageId\":\"mu\"," + dm + ",\"until\":\"forever\"}",
                "{\"type\":\"createGroup\",\"clientMessageId\":\"cg\",\"name\":\"Books\",\"members\":[\"bob\",\"carol\"],\"historySharing\":true}",
                "{\"type\":\"addMembers\",\"clientMessageId\":\"am\"," + g + ",\"userIds\":[\"dave\"]}",
                "{\"type\":\"removeMember\",\"clientMessageId\":\"rm\"," + g + ",\"userId\":\"dave\"}",
                "{\"type\":\"promoteAdmin\",\"clientMessageId\":\"pa\"," + g + ",\"userId\":\"bob\"}",
                "{\"type\":\"demoteAdmin\",\"clientMessageId\":\"da\"," + g + ",\"userId\":\"bob\"}",
                "{\"type\":\"updateGroup\",\"clientMessageId\":\"ug\"," + g + ",\"description\":\"monthly\"}",
                "{\"type\":\"leaveGroup\",\"clientMessageId\":\"lg\"," + g + "}",
                "{\"type\":\"send\",\"clientMessageId\":\"gs\"," + g + ",\"payload\":\"AA==\",\"replyToSeq\":2}",
            };
            for (String f : frames) {
                c.send(f);
            }
            await().until(() -> log.actions.size() == frames.length);
            List<ClientAction> a = log.actions;
            assertThat(a).extracting(ClientAction::getType).containsExactly(ActionType.REACT, ActionType.EDIT_MESSAGE,
                    ActionType.DELETE_FOR_ME, ActionType.DELETE_FOR_EVERYONE, ActionType.SET_MUTE, ActionType.CREATE_GROUP,
                    ActionType.ADD_MEMBERS, ActionType.REMOVE_MEMBER, ActionType.PROMOTE_ADMIN, ActionType.DEMOTE_ADMIN,
                    ActionType.UPDATE_GROUP_INFO, ActionType.LEAVE_GROUP, ActionType.SEND_MESSAGE);
            assertThat(a.get(0).getReaction()).isEqualTo("👍");
            assertThat(a.get(1).getPayload()).isEqualTo(ByteBuffer.wrap(new byte[] {1}));
            assertThat(a.get(3).getTargetSeq()).isEqualTo(3L);
            assertThat(a.get(4).getMuteUntil()).isEqualTo(Long.MAX_VALUE);
            ClientAction create = a.get(5);
            assertThat(create.getConversationId()).startsWith("g:");
            assertThat(create.getSubjectUserIds()).containsExactly("bob", "carol");
            assertThat(create.getGroupInfo().getName()).isEqualTo("Books");
            assertThat(create.getGroupInfo().getHistorySharing()).isTrue();
            assertThat(a.get(6).getSubjectUserIds()).containsExactly("dave");
            assertThat(a.get(7).getSubjectUserIds()).containsExactly("dave");
            assertThat(a.get(10).getGroupInfo().getDescription()).isEqualTo("monthly");
            assertThat(a.get(10).getGroupInfo().getName()).isNull();
            assertThat(a.get(12).getReplyToSeq()).isEqualTo(2L);
            assertThat(a).allMatch(x -> x.getSenderUserId().equals("alice") && x.getClientMessageId() != null);
            // A retried create names the same group, so the sequencer sees a retry, not a second group. (Retried once
            // answered: while in flight, a retry joins the first and is not appended, ResendJoinTest.)
            pending.complete(ActionResult.newBuilder().setActionId(create.getActionId())
                    .setDeviceId(create.getSenderDeviceId()).setClientMessageId(create.getClientMessageId())
                    .setConversationId(create.getConversationId()).setOutcome(ActionOutcome.ACCEPTED).setSeq(1L).build());
            for (JsonObject f = c.next(); !("sent".equals(f.getString("type"))
                    && create.getClientMessageId().equals(f.getString("clientMessageId"))); f = c.next()) {
                assertThat(f.getString("type")).as("frame %s", f).isNotEqualTo("sent");
            }
            c.send(frames[5]);
            await().until(() -> log.actions.size() == frames.length + 1);
            assertThat(log.actions.get(frames.length).getConversationId()).isEqualTo(create.getConversationId());
        }
    }

    @Test
    void actionsBeyondTheRateLimitAreRefusedAndTheConnectionStaysOpen() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            for (int i = 0; i < 40; i++) {
                c.send("{\"type\":\"send\",\"clientMessageId\":\"burst-" + i + "\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            }
            JsonObject err = c.next("error");
            assertThat(err.getString("code")).isEqualTo("RATE_LIMITED");
            assertThat(err.getString("ref")).startsWith("burst-");
            assertThat(log.actions.size()).isLessThan(40);
            c.send("{\"type\":\"ping\"}");
            JsonObject f;
            do {
                f = c.next();
            } while (f.getString("type").equals("error") && f.getString("code").equals("RATE_LIMITED"));
            assertThat(f.getString("type")).isEqualTo("pong");
        }
    }

    @Test
    void settingsChangesArePublishedMergedAndReturned() throws Exception {
        try (TestClient c = connect(register("alice"))) {
            c.send("{\"type\":\"settings\",\"requestId\":\"s1\",\"readReceipts\":false,\"contacts\":[\"bob\"]}");
            JsonObject first = c.next("settings");
            assertThat(first.getBoolean("readReceipts")).isFalse();
            c.send("{\"type\":\"settings\",\"requestId\":\"s2\",\"lastSeen\":\"contacts\",\"pushSound\":\"chime\"}");
            JsonObject second = c.next("settings");
            assertThat(second.getBoolean("readReceipts")).isFalse();
            assertThat(second.getString("lastSeen")).isEqualTo("contacts");
            assertThat(second.getJsonArray("contacts").getList()).containsExactly("bob");
            assertThat(log.settings).hasSize(2);
            assertThat(log.settings.get(1).getPushSound()).isEqualTo("chime");
        }
    }

    @Test
    void chatsAreListedByLastActivityWithUnreadCountsAndMute() throws Exception {
        JsonObject alice = register("alice");
        readModel.memberships.put("alice/dm:alice:bob", new org.parley.projections.UserConversations.Membership(
                "alice", "dm:alice:bob", 1, null, 1, Long.MAX_VALUE));
        readModel.memberships.put("alice/dm:alice:carol", new org.parley.projections.UserConversations.Membership(
                "alice", "dm:alice:carol", 1, null, 0, 0));
        readModel.history.put("dm:alice:bob", List.of(event("dm:alice:bob", 1, "bob", 1000), event("dm:alice:bob", 2, "bob", 3000),
                event("dm:alice:bob", 3, "alice", 4000)));
        readModel.history.put("dm:alice:carol", List.of(event("dm:alice:carol", 1, "carol", 2000)));
        try (TestClient c = connect(alice)) {
            c.send("{\"type\":\"chats\",\"requestId\":\"c1\"}");
            JsonObject chats = c.next("chats");
            assertThat(chats.getJsonArray("chats")).hasSize(2);
            JsonObject first = chats.getJsonArray("chats").getJsonObject(0);
            assertThat(first.getString("conversationId")).isEqualTo("dm:alice:bob");
            assertThat(first.getInteger("unread")).isEqualTo(1); // bob's 2; alice's own 3 is not unread
            assertThat(first.getBoolean("muted")).isTrue();
            assertThat(first.getLong("lastSeq")).isEqualTo(3L);
            JsonObject second = chats.getJsonArray("chats").getJsonObject(1);
            assertThat(second.getInteger("unread")).isEqualTo(1);
            assertThat(second.getBoolean("muted")).isFalse();
        }
    }

    @Test
    void groupHistoryStartsWhereTheMemberJoined() throws Exception {
        JsonObject dave = register("dave");
        readModel.memberships.put("dave/g:book-club", new org.parley.projections.UserConversations.Membership(
                "dave", "g:book-club", 3, null, 0, 0));
        readModel.history.put("g:book-club", List.of(event("g:book-club", 1, "alice", 1), event("g:book-club", 2, "alice", 2),
                event("g:book-club", 3, "alice", 3), event("g:book-club", 4, "bob", 4)));
        try (TestClient c = connect(dave)) {
            c.send("{\"type\":\"history\",\"requestId\":\"h1\",\"conversationId\":\"g:book-club\",\"limit\":10}");
            JsonObject page = c.next("history");
            assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
                    .containsExactly(4L, 3L);
            assertThat(page.getBoolean("hasMore")).isFalse();
        }
    }

    private static ConversationEvent event(String conversation, long seq, String sender, long at) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(EventType.MESSAGE).setSenderUserId(sender).setSenderDeviceId("dev-" + sender)
                .setClientMessageId("m" + seq).setMemberUserIds(List.of()).setSentAt(Instant.ofEpochMilli(at))
                .setPayload(ByteBuffer.allocate(0)).build();
    }

    @Test
    void mediaIsUploadedAndFetchedWithATokenOnlyAndBoundedInSize() throws Exception {
        JsonObject alice = register("alice");
        HttpClient http = HttpClient.newHttpClient();
        URI upload = URI.create("http://127.0.0.1:" + port + "/v1/media");
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(upload)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> tooBig = http.send(HttpRequest.newBuilder(upload).header("Authorization", "Bearer " + alice.getString("token"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5000])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tooBig.statusCode()).isEqualTo(413);
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(upload).header("Authorization", "Bearer " + alice.getString("token"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {9, 8, 7})).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(201);
        String key = new JsonObject(ok.body()).getString("key");
        assertThat(key).startsWith("media/alice/");
        HttpResponse<byte[]> back = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/" + key))
                .header("Authorization", "Bearer " + alice.getString("token")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(back.body()).containsExactly(9, 8, 7);
        assertThat(back.headers().firstValue("Content-Type")).contains("image/png");
    }
}
