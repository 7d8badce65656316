package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.events.Presence;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;

@ExtendWith(VertxExtension.class)
class PresenceSubscriptionsTest {
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static JsonObject presence(String op, String user) {
        return new JsonObject().put("type", "presence").put("op", op).put("userId", user);
    }

    private static Presence online(String user, long at) {
        return Presence.newBuilder().setUserId(user).setOnline(true).setAt(Instant.ofEpochMilli(at)).build();
    }

    private static Presence offline(String user, long at) {
        return Presence.newBuilder().setUserId(user).setOnline(false).setLastSeenAt(Instant.ofEpochMilli(at))
                .setAt(Instant.ofEpochMilli(at)).build();
    }

    @Test
    void subscribingAnswersTheCurrentPresenceThenEveryChangeUntilUnsubscribed() throws Exception {
        edge.state.presence.put("bob", offline("bob", 1_000));
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(presence("subscribe", "bob"));
            JsonObject now = alice.next("presence");
            assertThat(now.getString("userId")).isEqualTo("bob");
            assertThat(now.getString("state")).isEqualTo("offline");
            assertThat(now.getLong("lastSeenAt")).isEqualTo(1_000L);

            edge.presence.onPresence(online("bob", 2_000));
            assertThat(alice.next("presence").getString("state")).isEqualTo("online");

            alice.send(presence("unsubscribe", "bob"));
            alice.send(new JsonObject().put("type", "ping"));
            alice.next("pong");
            edge.presence.onPresence(offline("bob", 3_000));
            edge.presence.onPresence(online("carol", 3_000)); // nobody follows carol either
            alice.send(presence("subscribe", "dave"));
            // The next frame is dave's answer: neither bob's change nor carol's came through.
            JsonObject next = alice.next("presence");
            assertThat(next.getString("userId")).isEqualTo("dave");
            assertThat(next.getString("state")).as("never seen").isEqualTo("unknown");
        }
    }

    @Test
    void aChangeFromTheTopicWinsEvenWhenItsTimeIsOlder() throws Exception {
        edge.state.presence.put("bob", online("bob", 5_000));
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(presence("subscribe", "bob"));
            assertThat(alice.next("presence").getString("state")).isEqualTo("online");
            // Bob's edge crashed: the presence topology ends his session with the edge's last beat, before "online".
            edge.presence.onPresence(offline("bob", 4_000));
            JsonObject offline = alice.next("presence");
            assertThat(offline.getString("state")).isEqualTo("offline");
            assertThat(offline.getLong("lastSeenAt")).isEqualTo(4_000L);
        }
    }

    @Test
    void aSubscribeRightAfterAChangeGetsTheChangeEvenIfTheTableLags() throws Exception {
        edge.state.presence.put("bob", offline("bob", 1_000)); // the projection has not written "online" yet
        edge.presence.onPresence(online("bob", 2_000));        // ... but this edge's tail has seen it
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(presence("subscribe", "bob"));
            assertThat(alice.next("presence").getString("state")).isEqualTo("online");
        }
    }

    @Test
    void privacyAndReciprocityDecideWhatTheSubscriberSees() throws Exception {
        edge.state.presence.put("bob", online("bob", 1_000));
        edge.state.save(UserSettings.newBuilder().setUserId("alice").setLastSeenVisibility(Visibility.NOBODY)
                .setOnlineVisibility(Visibility.EVERYONE).setUpdatedAt(Instant.EPOCH).build());
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(presence("subscribe", "bob"));
            assertThat(alice.next("presence").getString("state")).isEqualTo("online");
            edge.presence.onPresence(offline("bob", 2_000));
            JsonObject hidden = alice.next("presence");
            assertThat(hidden.getString("state")).as("alice hides her last seen: she sees nobody's").isEqualTo("unknown");
            assertThat(hidden.containsKey("lastSeenAt")).isFalse();
        }
    }

    private static UserSettings hides(String user, Visibility online, Visibility lastSeen, long at) {
        return UserSettings.newBuilder().setUserId(user).setOnlineVisibility(online).setLastSeenVisibility(lastSeen)
                .setUpdatedAt(Instant.ofEpochMilli(at)).build();
    }

    @Test
    void aSettingsChangeOfEitherUserRedecidesAnOpenSubscriptionAtOnce() throws Exception {
        edge.state.presence.put("bob", online("bob", 1_000));
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(presence("subscribe", "bob"));
            assertThat(alice.next("presence").getString("state")).isEqualTo("online");

            // Bob hides his online status from everyone: alice's open chat stops showing it, without a new subscribe.
            edge.presence.onSettings(hides("bob", Visibility.NOBODY, Visibility.EVERYONE, 10));
            assertThat(alice.next("presence").getString("state")).isEqualTo("unknown");
            // An older record (a late copy) changes nothing; a change that keeps the view sends nothing either.
            edge.presence.onSettings(hides("bob", Visibility.EVERYONE, Visibility.EVERYONE, 5));
            edge.presence.onSettings(hides("bob", Visibility.NOBODY, Visibility.CONTACTS, 11));
            alice.send(new JsonObject().put("type", "ping"));
            assertThat(alice.next().getString("type")).as("no frame before the pong").isEqualTo("pong");

            edge.presence.onSettings(hides("bob", Visibility.EVERYONE, Visibility.EVERYONE, 12));
            assertThat(alice.next("presence").getString("state")).isEqualTo("online");
            // Reciprocity: alice hides hers, so she no longer sees bob's.
            edge.presence.onSettings(hides("alice", Visibility.NOBODY, Visibility.NOBODY, 13));
            assertThat(alice.next("presence").getString("state")).isEqualTo("unknown");
            edge.presence.onPresence(offline("bob", 2_000));
            assertThat(alice.next("presence").getString("state")).isEqualTo("unknown");
            edge.presence.onSettings(hides("alice", Visibility.EVERYONE, Visibility.EVERYONE, 14));
            JsonObject back = alice.next("presence");
            assertThat(back.getString("state")).as("the latest presence, now visible").isEqualTo("offline");
            assertThat(back.getLong("lastSeenAt")).isEqualTo(2_000L);
        }
    }

    @Test
    void subscriptionsPerConnectionAreLimited() throws Exception {
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            for (String u : List.of("bob", "carol", "dave")) {
                alice.send(presence("subscribe", u));
            }
            List<JsonObject> answers = List.of(alice.next(), alice.next(), alice.next());
            assertThat(answers).extracting(f -> f.getString("type") + " " + f.getString(f.containsKey("code") ? "code" : "userId"))
                    .containsExactlyInAnyOrder("presence bob", "presence carol", "error SUBSCRIPTION_LIMIT");
            alice.send(presence("follow", "bob"));
            assertThat(alice.next("error").getString("message")).contains("'op' must be 'subscribe' or 'unsubscribe'");
        }
    }

    @Test
    void closingTheConnectionEndsItsSubscriptions() throws Exception {
        TestClient alice = edge.connect(edge.register("alice"));
        alice.send(presence("subscribe", "bob"));
        alice.next("presence");
        alice.close();
        await().until(() -> edge.devices.size() == 0);
        edge.presence.onPresence(online("bob", 5_000)); // must not fail on the closed connection
        try (TestClient again = edge.connect(edge.register("erin"))) {
            again.send(new JsonObject().put("type", "ping"));
            assertThat(again.next().getString("type")).isEqualTo("pong");
        }
    }

    @Test
    void settingsAreChangedOverHttpWithPreciseErrors() throws Exception {
        JsonObject alice = edge.register("alice");
        var res = edge.http("PUT", "/v1/settings", alice.getString("token"),
                "{\"lastSeenVisibility\":\"contacts\",\"contactUserIds\":[\"bob\"]}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(new JsonObject(res.body()).getString("onlineVisibility")).isEqualTo("everyone");
        assertThat(edge.state.settings.get("alice").getLastSeenVisibility()).isEqualTo(Visibility.CONTACTS);
        assertThat(edge.state.settings.get("alice").getContactUserIds()).containsExactly("bob");
        var bad = edge.http("PUT", "/v1/settings", alice.getString("token"), "{\"onlineVisibility\":\"friends\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(bad.body()).getString("message")).contains("everyone, contacts, nobody");
        assertThat(edge.http("PUT", "/v1/settings", null, "{}").statusCode()).isEqualTo(401);
    }
}
