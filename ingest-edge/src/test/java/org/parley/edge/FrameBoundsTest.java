package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsEndpoint;
import org.parley.edge.typing.ConversationMembership;
import org.parley.edge.typing.TypingRelay;
import org.parley.events.ClientAction;
import org.parley.events.DeviceDelivery;
import org.parley.projections.UserConversations;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;

/**
 * The edge's bounds on frames and fields and its error reporting, through real sockets: WebSocket close codes as
 * RFC 6455 says (1009 too big, 1007 not UTF-8), precise refusals of out-of-bound fields before anything is stored or
 * looked up, and failures reported as retryable only when they are, without internal detail.
 */
@ExtendWith(VertxExtension.class)
class FrameBoundsTest {
    private static final int MAX_FRAME = 64 * 1024;

    /** The next append fails with this, if set. */
    private volatile Throwable appendFailure;
    /** Chat list reads fail with this, if set. */
    private volatile Throwable readFailure;
    /** Device slot claims fail with this, if set. */
    private volatile Throwable slotFailure;
    private final List<String> membershipLookups = new CopyOnWriteArrayList<>();

    private final RecordingActionLog log = new RecordingActionLog() {
        @Override
        public Future<Void> append(ClientAction action) {
            Throwable f = appendFailure;
            return f != null ? Future.failedFuture(f) : super.append(action);
        }
    };
    private final InMemoryReadModel readModel = new InMemoryReadModel() {
        @Override
        public Future<List<UserConversations.Membership>> conversations(String userId) {
            Throwable f = readFailure;
            return f != null ? Future.failedFuture(f) : super.conversations(userId);
        }
    };
    private final InMemoryDeviceSlots slots = new InMemoryDeviceSlots() {
        @Override
        public Future<Boolean> claim(String userId, int slot, String deviceId, Instant registeredAt) {
            Throwable f = slotFailure;
            return f != null ? Future.failedFuture(f) : super.claim(userId, slot, deviceId, registeredAt);
        }
    };
    private final ConversationMembership membership = conversationId -> {
        membershipLookups.add(conversationId);
        return Future.succeededFuture(Optional.of(List.of("alice", "bob")));
    };
    private final PendingActions pending = new PendingActions();
    private final TestIdentity identity = new TestIdentity(readModel, log, 1);
    private final ConnectedDevices devices = new ConnectedDevices();
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private Vertx vertx;
    private int port;
    private String deployment;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        this.vertx = vertx;
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        EdgeConfig config = EdgeConfig.builder().edgeId(1).maxPayloadBytes(1024).maxFrameBytes(MAX_FRAME)
                .historyPageMax(100).syncTimeoutMs(60_000).resultTimeoutMs(5_000).rateLimitPerSecond(1000)
                .rateLimitBurst(1000).maxMediaBytes(4096).build();
        TypingRelay typing = new TypingRelay(new RecordingSignalLog(), membership, devices, 5_000, 1000);
        EdgeRoutes routes = EdgeRoutes.builder(config, TestEdges.guards(vertx)).log(log).readModel(readModel)
                .pending(pending).devices(devices).inboxDecoder(b -> reader.deserialize("deliveries", b))
                .extensions(new EdgeExtensions(new DeviceRegistration(log, readModel, slots, devices, 4, identity.registration),
                        new SettingsEndpoint(new InMemoryUserState()), SessionExtension.of(typing)))
                .build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes);
        deployment = edge.id();
        port = edge.port();
    }

    @AfterEach
    void undeploy() throws Exception {
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> http(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject register(String userId) throws Exception {
        return identity.register(port, userId);
    }

    /** A raw connection of the device, past its ready frame. */
    private RawWebSocket connect(JsonObject device) throws Exception {
        RawWebSocket ws = RawWebSocket.connect(port, "/v1/ws?token=" + device.getString("token"), "");
        assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("ready");
        return ws;
    }

    /** The edge still serves: a fresh connection of the device answers a ping. */
    private void edgeStillServes(JsonObject device) throws Exception {
        try (RawWebSocket ws = connect(device)) {
            ws.sendText("{\"type\":\"ping\"}");
            assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
        }
    }

    private static JsonObject nextError(RawWebSocket ws) throws Exception {
        JsonObject f = new JsonObject(ws.nextText());
        assertThat(f.getString("type")).as("frame %s", f).isEqualTo("error");
        return f;
    }

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    // ---- WebSocket close codes (RFC 6455 §7.4.1) ----

    @Test
    void aMessageOverTheFrameLimitClosesWith1009AndTheEdgeGoesOn() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            byte[] big = ("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(MAX_FRAME) + "\"}").getBytes(StandardCharsets.UTF_8);
            ws.send(RawWebSocket.TEXT, true, big);
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
        edgeStillServes(alice);
    }

    @Test
    void aFragmentedMessageOverTheFrameLimitClosesWith1009() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.send(RawWebSocket.TEXT, false, "{\"type\":\"ping\",\"pad\":\"".getBytes(StandardCharsets.UTF_8));
            ws.send(RawWebSocket.CONTINUATION, false, bytes(MAX_FRAME / 2, 'x'));
            ws.send(RawWebSocket.CONTINUATION, false, bytes(MAX_FRAME / 2, 'x'));
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
        edgeStillServes(alice);
    }

    @Test
    void aBinaryMessageOverTheFrameLimitClosesWith1009() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.send(RawWebSocket.BINARY, true, new byte[MAX_FRAME + 1]);
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
        edgeStillServes(alice);
    }

    @Test
    void aFrameAboveTheReadLimitIsRefusedAtItsHeaderWith1009() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.sendHeader(RawWebSocket.TEXT, true, 512L * 1024 * 1024); // the payload never comes: nothing is buffered
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
        edgeStillServes(alice);
    }

    @Test
    void invalidUtf8InATextMessageClosesWith1007() throws Exception {
        JsonObject alice = register("alice");
        byte[] head = "{\"type\":\"ping\",\"x\":\"".getBytes(StandardCharsets.UTF_8);
        byte[][] invalid = {
            {(byte) 0xC3, 0x28},                            // a lead byte without its continuation
            {(byte) 0xC0, (byte) 0xAF},                     // overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},        // a UTF-16 surrogate encoded as UTF-8
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        };
        for (byte[] bad : invalid) {
            try (RawWebSocket ws = connect(alice)) {
                byte[] frame = new byte[head.length + bad.length + 2];
                System.arraycopy(head, 0, frame, 0, head.length);
                System.arraycopy(bad, 0, frame, head.length, bad.length);
                frame[frame.length - 2] = '"';
                frame[frame.length - 1] = '}';
                ws.send(RawWebSocket.TEXT, true, frame);
                assertThat(ws.awaitClose()).as("close code for %s", Arrays.toString(bad)).isEqualTo(1007);
            }
        }
        edgeStillServes(alice);
    }

    @Test
    void utf8SplitAcrossFragmentsIsOneValidMessage() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            byte[] all = "{\"type\":\"ping\",\"x\":\"é\"}".getBytes(StandardCharsets.UTF_8);
            int mid = "{\"type\":\"ping\",\"x\":\"".length() + 1; // between é's two bytes
            ws.send(RawWebSocket.TEXT, false, Arrays.copyOfRange(all, 0, mid));
            ws.send(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(all, mid, all.length));
            assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
        }
    }

    @Test
    void compressionIsNotNegotiated() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = RawWebSocket.connect(port, "/v1/ws?token=" + alice.getString("token"),
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")) {
            assertThat(ws.handshake.toLowerCase()).doesNotContain("permessage-deflate");
        }
    }

    // ---- field bounds, before anything is stored or looked up ----

    @Test
    void idsOutsideTheirCharsetAreRefusedWith400() throws Exception {
        String[] userIds = {"..", ".", "-rf", "a".repeat(65)};
        for (int i = 0; i < userIds.length; i++) {
            String userId = userIds[i];
            String identifier = "bounds" + i + "@users.parley.test";
            assertThat(TestIdentity.requestCode(port, identifier).statusCode()).isEqualTo(202);
            HttpResponse<String> res = TestIdentity.verify(port, identifier, identity.sender.latest.get(identifier), userId);
            assertThat(res.statusCode()).as("userId %s: %s", userId, res.body()).isEqualTo(400);
            assertThat(new JsonObject(res.body()).getString("error")).isEqualTo("INVALID_FIELD");
        }
        JsonObject alice = register("alice");
        HttpResponse<String> unlink = http("DELETE", "/v1/devices/" + "x".repeat(2000), alice.getString("token"), null);
        assertThat(unlink.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(unlink.body()).getString("error")).isEqualTo("INVALID_FIELD");
        assertThat(unlink.body()).doesNotContain("xxxxxxxx");
    }

    @Test
    void aHugeConversationIdInTypingIsRefusedBeforeAnyLookup() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            String id = "g:" + "a".repeat(60_000);
            ws.sendText("{\"type\":\"typing\",\"conversationId\":\"" + id + "\",\"state\":\"start\"}");
            JsonObject err = nextError(ws);
            assertThat(err.getString("code")).isEqualTo("INVALID_FIELD");
            assertThat(err.encode().length()).isLessThan(1000);
            ws.sendText("{\"type\":\"typing\",\"conversationId\":\"dm:alice:bob\",\"state\":\"start\"}");
            await().until(() -> !membershipLookups.isEmpty());
            assertThat(membershipLookups).containsExactly("dm:alice:bob");
        }
    }

    @Test
    void anUnboundedMediaTypeIsRefusedAndNothingIsStored() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.sendText("{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\",\"mediaType\":\""
                    + "image/" + "x".repeat(60_000) + "\"}");
            JsonObject err = nextError(ws);
            assertThat(err.getString("code")).isEqualTo("INVALID_FIELD");
            assertThat(err.getString("ref")).isEqualTo("m1");
            ws.sendText("{\"type\":\"ping\"}");
            assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
        }
        assertThat(log.actions).isEmpty();
    }

    @Test
    void integersBeyondTheirRangeAreRefusedNotWrapped() throws Exception {
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            // 2^64 + 1 wrapped to 1 before: a reaction to message 1.
            ws.sendText("{\"type\":\"react\",\"clientMessageId\":\"r1\",\"conversationId\":\"dm:alice:bob\","
                    + "\"targetSeq\":18446744073709551617,\"reaction\":\"+\"}");
            assertThat(nextError(ws).getString("code")).isEqualTo("INVALID_FIELD");
            // 2^64 wrapped to 0: an ack of nothing, answered by nothing.
            ws.sendText("{\"type\":\"ack\",\"inboxSeq\":18446744073709551616}");
            assertThat(nextError(ws).getString("code")).isEqualTo("INVALID_FIELD");
            // 1e300 became Long.MAX_VALUE.
            ws.sendText("{\"type\":\"read\",\"conversationId\":\"dm:alice:bob\",\"seq\":1e300}");
            assertThat(nextError(ws).getString("code")).isEqualTo("INVALID_FIELD");
        }
        assertThat(log.actions).isEmpty();
    }

    // ---- errors: retryable only when they are, never with internal detail ----

    @Test
    void aRecordKafkaRefusesIsAPermanentErrorWithoutKafkaDetail() throws Exception {
        appendFailure = new RecordTooLargeException("The message is 1048712 bytes when serialized which is larger than"
                + " 1048576, which is the value of the max.request.size configuration.");
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.sendText("{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            JsonObject err = nextError(ws);
            assertThat(err.getString("code")).isEqualTo("INTERNAL");
            assertThat(err.getString("ref")).isEqualTo("m1");
            assertThat(err.getString("message")).contains("incident").doesNotContain("max.request.size")
                    .doesNotContain("1048576").doesNotContain("Exception");
        }
    }

    @Test
    void anUnreachableBrokerIsRetryableWithoutKafkaDetail() throws Exception {
        appendFailure = new TimeoutException("Expiring 1 record(s) for actions-3:30012 ms has passed since batch creation");
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.sendText("{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            JsonObject err = nextError(ws);
            assertThat(err.getString("code")).isEqualTo("UNAVAILABLE");
            assertThat(err.getString("message")).contains("retry").doesNotContain("actions-3")
                    .doesNotContain("Exception");
        }
    }

    @Test
    void aQueryTheStoreRefusesIsAPermanentErrorWithoutCqlDetail() throws Exception {
        readFailure = new InvalidQueryException(null, "Key length of 195031 is longer than maximum of 65535");
        JsonObject alice = register("alice");
        try (RawWebSocket ws = connect(alice)) {
            ws.sendText("{\"type\":\"chats\",\"requestId\":\"c1\"}");
            JsonObject err = nextError(ws);
            assertThat(err.getString("code")).isEqualTo("INTERNAL");
            assertThat(err.getString("ref")).isEqualTo("c1");
            assertThat(err.getString("message")).doesNotContain("Key length").doesNotContain("InvalidQuery");
        }
    }

    @Test
    void httpAnswers500NotRetryable503ForAPermanentFailure() throws Exception {
        slotFailure = new InvalidQueryException(null, "Key length of 195031 is longer than maximum of 65535");
        HttpResponse<String> res = registerWithCode("alice");
        assertThat(res.statusCode()).isEqualTo(500);
        assertThat(new JsonObject(res.body()).getString("error")).isEqualTo("INTERNAL");
        assertThat(res.body()).doesNotContain("Key length").doesNotContain("InvalidQuery");

        slotFailure = new com.datastax.oss.driver.api.core.DriverTimeoutException("Query timed out after PT2S");
        res = registerWithCode("bob");
        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(res.body()).getString("error")).isEqualTo("UNAVAILABLE");
        assertThat(res.body()).doesNotContain("PT2S");
    }

    /** The two-step registration (code, then device) of a user whose primary slot claim is made to fail. */
    private HttpResponse<String> registerWithCode(String userId) throws Exception {
        String identifier = TestIdentity.mail(userId);
        assertThat(TestIdentity.requestCode(port, identifier).statusCode()).isEqualTo(202);
        return TestIdentity.verify(port, identifier, identity.sender.latest.get(identifier), userId);
    }
}
