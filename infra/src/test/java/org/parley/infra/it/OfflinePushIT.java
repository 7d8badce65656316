package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.projections.CqlSessionFactory;
import org.parley.push.testing.LocalWebPushEndpoint;
import org.parley.push.testing.ReceivedPush;
import org.parley.push.testing.WebPushSubscriber;
import org.parley.push.webpush.VapidKeys;
import org.parley.push.webpush.WebPushSender;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * Offline push end to end on the real stack: real WebSocket clients, the fan-out's push decision, the push
 * dispatcher process, and a local Web Push endpoint in this JVM that verifies VAPID and decrypts every push.
 * Also measures offline→push latency (the client's send → the push's arrival at the endpoint, one clock).
 * Mute is shown end to end here and in every branch by PushDecisionTest (harness level).
 */
@ExtendWith(LocalStackExtension.class)
class OfflinePushIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static Vertx vertx;
    private static Settings settings;
    private static String edge;
    private static LocalWebPushEndpoint endpoint;
    private static String vapidKey;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        settings = Settings.load();
        edge = "http://" + settings.host() + ":" + settings.edgePort(0);
        endpoint = LocalWebPushEndpoint.start();
        // The dispatcher generated (or was configured with) these on start: subscriptions are bound to the key.
        vapidKey = VapidKeys.load(settings).publicKeyBase64Url();
    }

    @AfterAll
    static void stop() {
        endpoint.close();
        vertx.close();
    }

    private static int subscribe(ParleyClient.Device device, JsonObject body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(edge + "/v1/push-subscription"))
                .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static WebPushSubscriber subscribe(ParleyClient.Device device) throws Exception {
        WebPushSubscriber s = endpoint.subscribe(vapidKey);
        assertThat(subscribe(device, new JsonObject().put("endpoint", s.endpoint())
                .put("keys", new JsonObject().put("p256dh", s.p256dh()).put("auth", s.auth()))))
                .as("PUT of the loopback test endpoint %s: the stack must run in the local push test mode "
                        + "(LocalStackExtension starts it so; a stack started by hand needs "
                        + "PARLEY_PUSH_ALLOW_LOOPBACK_HTTP=true ./parley up)", s.endpoint())
                .isEqualTo(204);
        return s;
    }

    @Test
    void theSubscriptionEndpointWantsATokenAndAUsableSubscription() throws Exception {
        ParleyClient.Device d = ParleyClient.register(edge, user("dora"), CodeOutbox::latest);
        WebPushSubscriber s = endpoint.subscribe(vapidKey);
        JsonObject keys = new JsonObject().put("p256dh", s.p256dh()).put("auth", s.auth());

        assertThat(subscribe(new ParleyClient.Device(d.userId(), d.deviceId(), d.deviceId() + ".wrong"),
                new JsonObject().put("endpoint", s.endpoint()).put("keys", keys))).isEqualTo(401);
        assertThat(subscribe(d, new JsonObject().put("endpoint", "http://push.example.com/x").put("keys", keys)))
                .isEqualTo(400);
        // Even in the test mode: no other private address, no host outside the allow-list.
        assertThat(subscribe(d, new JsonObject().put("endpoint", "https://10.0.0.1/x").put("keys", keys)))
                .isEqualTo(400);
        assertThat(subscribe(d, new JsonObject().put("endpoint", "https://push.example.com/x").put("keys", keys)))
                .isEqualTo(400);
        assertThat(subscribe(d, new JsonObject().put("endpoint", s.endpoint())
                .put("keys", new JsonObject().put("p256dh", "AAAA").put("auth", s.auth())))).isEqualTo(400);
        assertThat(subscribe(d, new JsonObject().put("endpoint", s.endpoint()))).isEqualTo(400);
    }

    @Test
    void anOfflineDeviceGetsExactlyOneVerifiedPushPerMessageAndOnlineAndOwnDevicesNone() throws Exception {
        int messages = Integer.getInteger("parley.it.push-messages", 100);
        ParleyClient.Device a = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device a2 = TestUsers.linkedDevice(edge, a);  // alice's other device, offline
        // bob's phone: offline all along
        ParleyClient.Device b = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        ParleyClient.Device b2 = TestUsers.linkedDevice(edge, b);  // bob's laptop: online
        String conversation = Conversations.direct(a.userId(), b.userId());
        WebPushSubscriber alicesOther = subscribe(a2);
        WebPushSubscriber bobsPhone = subscribe(b);
        WebPushSubscriber bobsLaptop = subscribe(b2);
        try (CqlSession cql = CqlSessionFactory.open(settings, true)) {
            // What the projection of the 'user-settings' topic holds for bob (written directly here).
            cql.execute("INSERT INTO user_settings (user_id, push_sound) VALUES (?, ?)", b.userId(), "marimba");
        }

        List<Long> latencies = new ArrayList<>();
        try (ParleyClient alice = ParleyClient.connect(vertx, edge, a, null, WAIT);
             ParleyClient laptop = ParleyClient.connect(vertx, edge, b2, null, WAIT)) {
            for (int i = 1; i <= messages; i++) {
                int expected = i;
                long sentAt = System.currentTimeMillis();
                alice.send("p" + i, b.userId(), ("secret text " + i).getBytes(StandardCharsets.UTF_8));
                await().atMost(WAIT).until(() -> endpoint.received(bobsPhone).size() >= expected);
                latencies.add(endpoint.received(bobsPhone).get(i - 1).receivedAtMillis() - sentAt);
                alice.awaitFrame(f -> is(f, "sent", "p" + expected), WAIT);
            }
            // The online laptop got every message live, and no push.
            await().atMost(WAIT).until(() -> laptop.frames("message").size() >= messages);
        }

        // Exactly one push per message: nothing more arrives, every push id once.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> endpoint.received(bobsPhone).size() == messages);
        List<ReceivedPush> pushes = endpoint.received(bobsPhone);
        Set<String> pushIds = new HashSet<>();
        for (int i = 0; i < messages; i++) {
            JsonNode p = pushes.get(i).json();
            assertThat(pushIds.add(p.get("pushId").asText())).as("push id %s once", p.get("pushId")).isTrue();
            assertThat(p.get("pushId").asText()).isEqualTo(b.deviceId() + "/" + conversation + "/" + (i + 1));
            assertThat(p.get("conversationId").asText()).isEqualTo(conversation);
            assertThat(p.get("sound").asText()).isEqualTo("marimba");
            // Collapsed per conversation while unread: one Topic, a growing count.
            assertThat(p.get("unread").asInt()).isEqualTo(i + 1);
            assertThat(pushes.get(i).topic()).isEqualTo(WebPushSender.topic(conversation));
            // No message content: only the fields the client needs to show "N new messages".
            assertThat(iterable(p.fieldNames())).containsExactlyInAnyOrder("type", "pushId", "conversationId",
                    "unread", "sound");
            assertThat(pushes.get(i).text()).doesNotContain("secret");
            assertThat(pushes.get(i).vapidKey()).isEqualTo(vapidKey);
        }
        assertThat(endpoint.received(bobsLaptop)).as("online device").isEmpty();
        assertThat(endpoint.received(alicesOther)).as("the sender's own device").isEmpty();
        assertThat(endpoint.rejections()).isEmpty();
        report(latencies);
    }

    @Test
    void aMutedConversationIsNotPushedUntilUnmuted() throws Exception {
        ParleyClient.Device a = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        // bob's phone: offline, subscribed
        ParleyClient.Device b = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        ParleyClient.Device b2 = TestUsers.linkedDevice(edge, b);  // bob's laptop: online, mutes and unmutes
        String conversation = Conversations.direct(a.userId(), b.userId());
        WebPushSubscriber bobsPhone = subscribe(b);
        try (ParleyClient alice = ParleyClient.connect(vertx, edge, a, null, WAIT);
             ParleyClient laptop = ParleyClient.connect(vertx, edge, b2, null, WAIT)) {
            JsonObject mute = laptop.actRetrying(new JsonObject().put("type", "mute").put("clientMessageId", "mute")
                    .put("conversationId", conversation).put("until", "forever"), WAIT, 5);
            assertThat(mute.getString("type")).as(mute.encode()).isEqualTo("sent");
            alice.send("while-muted", b.userId(), "muted".getBytes(StandardCharsets.UTF_8));
            long muted = alice.awaitFrame(f -> is(f, "sent", "while-muted"), WAIT).getLong("seq");
            JsonObject unmute = laptop.actRetrying(new JsonObject().put("type", "mute").put("clientMessageId", "unmute")
                    .put("conversationId", conversation).put("until", 0), WAIT, 5);
            assertThat(unmute.getString("type")).as(unmute.encode()).isEqualTo("sent");
            alice.send("after-unmute", b.userId(), "loud".getBytes(StandardCharsets.UTF_8));
            long loud = alice.awaitFrame(f -> is(f, "sent", "after-unmute"), WAIT).getLong("seq");

            // One device's pushes are decided in conversation order: once the later one arrived, the muted one
            // would have been decided before it; it stays absent.
            await().atMost(WAIT).until(() -> !endpoint.received(bobsPhone).isEmpty());
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> endpoint.received(bobsPhone).size() == 1);
            assertThat(endpoint.received(bobsPhone).get(0).json().get("pushId").asText())
                    .isEqualTo(b.deviceId() + "/" + conversation + "/" + loud)
                    .isNotEqualTo(b.deviceId() + "/" + conversation + "/" + muted);
        }
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** Not an assertion: the figures go to the test output and target/offline-push-latency.txt. */
    private static void report(List<Long> latencies) throws IOException {
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        String line = String.format("offline->push latency over %d messages (send -> push at the endpoint, ms): "
                        + "p50 %d, p90 %d, p99 %d, max %d, min %d", sorted.size(), pct(sorted, 50), pct(sorted, 90),
                pct(sorted, 99), sorted.get(sorted.size() - 1), sorted.get(0));
        System.out.println(line);
        Files.writeString(Path.of("target", "offline-push-latency.txt"), line + "\nraw: " + latencies + "\n");
    }

    private static long pct(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
    }
}
