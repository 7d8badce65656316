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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.limits.EdgeLimits;
import org.parley.events.ActionType;

/**
 * Per-user and per-address limits of the edge, through real sockets: frame kinds, registrations, links, upgrades,
 * open connections, failed authentications. The rate-limit clock stands still, so no bucket refills during a test.
 */
@ExtendWith(VertxExtension.class)
class EdgeLimitsTest {
    /** A registration waits for a place the header deadline frees: slow on a loaded machine, never wrong. */
    private static final java.time.Duration SLOW_MACHINE = java.time.Duration.ofSeconds(60);

    private static final EdgeConfig CONFIG = EdgeHarness.config();

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final List<EdgeHarness> edges = new ArrayList<>();
    private Vertx vertx;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void undeploy() throws Exception {
        for (EdgeHarness e : edges) {
            e.undeploy();
        }
    }

    private EdgeHarness edge(Map<String, String> settings) throws Exception {
        EdgeHarness e = new EdgeHarness(vertx, CONFIG, EdgeLimits.with(settings), clock::get, m -> m);
        edges.add(e);
        return e;
    }

    /** Settings where per-address limits apply to loopback, the tests' address. */
    private static Map<String, String> atLoopback(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        m.put("limits.address.exempt", "");
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static JsonObject request(String type, String requestId) {
        return new JsonObject().put("type", type).put("requestId", requestId);
    }

    private static JsonObject send(String id) {
        return new JsonObject().put("type", "send").put("clientMessageId", id).put("to", "bob").put("payload", "AQ==");
    }

    private static void assertRateLimited(JsonObject error, String setting, String ref) {
        assertThat(error.getString("type")).as("%s", error).isEqualTo("error");
        assertThat(error.getString("code")).isEqualTo("RATE_LIMITED");
        assertThat(error.getString("message")).contains(setting);
        assertThat(error.getString("ref")).isEqualTo(ref);
        assertThat(error.getLong("retryAfterMs")).isPositive();
    }

    @Test
    void aUsersLimitIsNotRefilledByReconnecting() throws Exception {
        EdgeHarness edge = edge(Map.of("limits.user.chats", "2/1h"));
        JsonObject alice = edge.register("alice");
        try (TestClient c = edge.connect(alice)) {
            c.send(request("chats", "r1"));
            assertThat(c.next("chats").getString("requestId")).isEqualTo("r1");
            c.send(request("chats", "r2"));
            c.next("chats");
            c.send(request("chats", "r3"));
            assertRateLimited(c.next(), "limits.user.chats", "r3");
            c.send(new JsonObject().put("type", "ping"));
            c.next("pong"); // the connection stays open
        }
        try (TestClient again = edge.connect(alice)) {
            again.send(request("chats", "r4"));
            assertRateLimited(again.next(), "limits.user.chats", "r4");
        }
    }

    @Test
    void aUsersDevicesShareOneLimit() throws Exception {
        EdgeHarness edge = edge(Map.of("limits.user.actions", "3/1h"));
        JsonObject primary = edge.register("alice");
        JsonObject companion = edge.link(primary);
        try (TestClient phone = edge.connect(primary); TestClient laptop = edge.connect(companion)) {
            phone.send(send("m1"));
            phone.send(send("m2"));
            laptop.send(send("m3"));
            await().until(() -> edge.log.actions.size() == 3);
            laptop.send(send("m4"));
            assertRateLimited(laptop.next(), "limits.user.actions", "m4");
            assertThat(edge.log.actions).extracting(a -> a.getClientMessageId()).containsExactlyInAnyOrder("m1", "m2", "m3");
        }
    }

    @Test
    void everyFrameKindThatCostsWorkHasAPerUserLimit() throws Exception {
        EdgeHarness edge = edge(Map.of("limits.user.history", "1/1h", "limits.user.receipts", "1/1h",
                "limits.user.settings", "1/1h", "limits.user.presence", "1/1h", "limits.user.typing", "1/1h"));
        try (TestClient c = edge.connect(edge.register("alice"))) {
            c.send(request("history", "h1").put("conversationId", "dm:alice:bob"));
            c.next("history");
            c.send(request("group", "g1").put("conversationId", "g:family-group"));
            assertRateLimited(c.next(), "limits.user.history", "g1");

            c.send(new JsonObject().put("type", "read").put("conversationId", "dm:alice:bob").put("seq", 1));
            await().until(() -> edge.log.actions.stream().anyMatch(a -> a.getType() == ActionType.READ_RECEIPT));
            c.send(new JsonObject().put("type", "read").put("conversationId", "dm:alice:bob").put("seq", 2));
            assertRateLimited(c.next(), "limits.user.receipts", null);

            c.send(request("settings", "s1").put("readReceipts", false));
            c.next("settings");
            c.send(request("settings", "s2").put("readReceipts", true));
            assertRateLimited(c.next(), "limits.user.settings", "s2");

            c.send(new JsonObject().put("type", "presence").put("op", "subscribe").put("userId", "bob"));
            c.next("presence");
            c.send(new JsonObject().put("type", "presence").put("op", "unsubscribe").put("userId", "bob"));
            assertRateLimited(c.next(), "limits.user.presence", null);

            c.send(new JsonObject().put("type", "typing").put("conversationId", "dm:alice:bob").put("state", "start"));
            await().until(() -> !edge.signals.typing.isEmpty());
            c.send(new JsonObject().put("type", "typing").put("conversationId", "dm:alice:bob").put("state", "stop"));
            assertRateLimited(c.next(), "limits.user.typing", null);
            assertThat(edge.log.actions).hasSize(1);
        }
    }

    @Test
    void everyFrameCountsAgainstTheFramesLimit() throws Exception {
        EdgeHarness edge = edge(Map.of("limits.user.frames", "2/1h"));
        try (TestClient c = edge.connect(edge.register("alice"))) {
            c.send(new JsonObject().put("type", "ping"));
            c.next("pong");
            c.send("not json");
            assertThat(c.next("error").getString("code")).isEqualTo("BAD_FRAME");
            c.send(new JsonObject().put("type", "ping"));
            assertRateLimited(c.next(), "limits.user.frames", null);
        }
    }

    @Test
    void aPerAddressLimitCountsEveryUserAtThatAddress() throws Exception {
        EdgeHarness edge = edge(atLoopback("limits.address.history", "2/1h"));
        try (TestClient a = edge.connect(edge.register("alice")); TestClient b = edge.connect(edge.register("bob"))) {
            a.send(request("history", "a1").put("conversationId", "dm:alice:bob"));
            a.next("history");
            b.send(request("history", "b1").put("conversationId", "dm:alice:bob"));
            b.next("history");
            b.send(request("history", "b2").put("conversationId", "dm:alice:bob"));
            assertRateLimited(b.next(), "limits.address.history", "b2");
        }
    }

    /** The two-step registration (a code, then the device), both requests from {@code forwardedFor} if given. */
    private HttpResponse<String> registerFrom(EdgeHarness edge, String userId, String forwardedFor) throws Exception {
        String identifier = TestIdentity.mail(userId);
        HttpResponse<String> code = post(edge, "/v1/registration/code",
                new JsonObject().put("identifier", identifier).encode(), forwardedFor);
        if (code.statusCode() != 202) {
            return code;
        }
        return post(edge, "/v1/devices", new JsonObject().put("identifier", identifier)
                .put("code", edge.identity.sender.latest.get(identifier)).put("userId", userId).encode(), forwardedFor);
    }

    private static HttpResponse<String> post(EdgeHarness edge, String path, String body, String forwardedFor)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (forwardedFor != null) {
            b.header("X-Forwarded-For", forwardedFor);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void registrationsAreLimitedPerAddressAndForwardedForIsIgnoredUnlessFromATrustedProxy() throws Exception {
        EdgeHarness direct = edge(atLoopback("limits.address.registrations", "1/1h"));
        assertThat(registerFrom(direct, "alice", "203.0.113.1").statusCode()).isEqualTo(201);
        HttpResponse<String> refused = registerFrom(direct, "bob", "203.0.113.2");
        assertThat(refused.statusCode()).as("a client cannot pick its address").isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("RATE_LIMITED");
        assertThat(new JsonObject(refused.body()).getString("message")).contains("limits.address.registrations");
        direct.undeploy();
        edges.remove(direct);

        EdgeHarness proxied = edge(atLoopback("limits.address.registrations", "1/1h",
                "limits.trusted-proxies", "127.0.0.1"));
        assertThat(registerFrom(proxied, "alice", "203.0.113.1").statusCode()).isEqualTo(201);
        assertThat(registerFrom(proxied, "bob", "198.51.100.9, 203.0.113.2").statusCode()).isEqualTo(201);
        assertThat(registerFrom(proxied, "carol", "203.0.113.1").statusCode()).isEqualTo(429);
    }

    @Test
    void linksAreLimitedPerLinkingDevice() throws Exception {
        EdgeHarness edge = edge(Map.of("limits.device.links", "1/1h"));
        JsonObject primary = edge.register("alice");
        edge.link(primary);
        HttpResponse<String> refused = edge.http("POST", "/v1/devices/link", primary.getString("token"), null);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("limits.device.links");
    }

    @Test
    void failedAuthenticationsFromAnAddressAreLimited() throws Exception {
        EdgeHarness edge = edge(atLoopback("limits.address.auth-failures", "2/1h"));
        JsonObject alice = edge.register("alice");
        String forged = alice.getString("deviceId") + ".forged-secret";
        for (int i = 0; i < 2; i++) {
            assertThat(edge.http("GET", "/v1/devices", forged, null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> blocked = edge.http("GET", "/v1/devices", alice.getString("token"), null);
        assertThat(blocked.statusCode()).as("no more token checks from this address for now").isEqualTo(429);
        assertThat(blocked.body()).contains("limits.address.auth-failures");
        assertThatThrownBy(() -> edge.connect(alice)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(429));
        assertThat(registerFrom(edge, "bob", null).statusCode()).as("requests without a token go on").isEqualTo(201);
    }

    @Test
    void httpRequestsAreLimitedPerDeviceAndPerAddress() throws Exception {
        // A registration is two requests (a code, then the device).
        EdgeHarness edge = edge(atLoopback("limits.device.requests", "2/1h", "limits.address.requests", "8/1h"));
        JsonObject alice = edge.register("alice");
        assertThat(edge.http("GET", "/v1/devices", alice.getString("token"), null).statusCode()).isEqualTo(200);
        assertThat(edge.http("PUT", "/v1/settings", alice.getString("token"), "{\"readReceipts\":false}")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> refused = edge.http("GET", "/v1/devices", alice.getString("token"), null);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("limits.device.requests");
        JsonObject bob = edge.register("bob");
        assertThat(edge.http("GET", "/v1/devices", bob.getString("token"), null).statusCode()).isEqualTo(200);
        HttpResponse<String> address = edge.http("GET", "/health", null, null);
        assertThat(address.statusCode()).as("eight requests from the address so far").isEqualTo(429);
        assertThat(address.body()).contains("limits.address.requests");
    }

    @Test
    void connectionAttemptsAreLimitedPerDevice() throws Exception {
        EdgeHarness edge = edge(Map.of("limits.device.connects", "2/1h"));
        JsonObject alice = edge.register("alice");
        edge.connect(alice).close();
        edge.connect(alice).close();
        assertThatThrownBy(() -> edge.connect(alice)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(429));
        try (TestClient bob = edge.connect(edge.register("bob"))) {
            assertThat(bob.closed).as("other devices are not affected").isFalse();
        }
    }

    @Test
    void openConnectionsAreLimitedPerAddress() throws Exception {
        // Idle keep-alive connections of the registrations close after the header deadline.
        EdgeHarness edge = edge(atLoopback("limits.address.connections", "2", "edge.request-header-timeout-ms", "300"));
        // (Each registration's connection holds a place until the header deadline closes it.)
        JsonObject alice = await().atMost(SLOW_MACHINE).ignoreExceptions().until(() -> edge.register("alice"), x -> true);
        JsonObject bob = await().atMost(SLOW_MACHINE).ignoreExceptions().until(() -> edge.register("bob"), x -> true);
        JsonObject carol = await().atMost(SLOW_MACHINE).ignoreExceptions().until(() -> edge.register("carol"), x -> true);
        TestClient a = await().atMost(SLOW_MACHINE).ignoreExceptions().until(() -> edge.connect(alice), c -> true);
        TestClient b = await().atMost(SLOW_MACHINE).ignoreExceptions().until(() -> edge.connect(bob), c -> true);
        assertThatThrownBy(() -> edge.connect(carol)).as("a third connection from the address").isInstanceOf(Exception.class);
        assertThat(a.closed || b.closed).isFalse();
        a.close();
        TestClient c = await().atMost(SLOW_MACHINE).ignoreExceptions().until(() -> edge.connect(carol), x -> true);
        assertThat(c.closed).as("a closed connection frees its place").isFalse();
        b.close();
        c.close();
    }
}
