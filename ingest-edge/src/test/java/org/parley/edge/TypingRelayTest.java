package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.events.TypingSignal;
import org.parley.events.TypingState;

@ExtendWith(VertxExtension.class)
class TypingRelayTest {
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static JsonObject typing(String conversationId, String state) {
        return new JsonObject().put("type", "typing").put("conversationId", conversationId).put("state", state);
    }

    @Test
    void aStartIsAppendedForTheOtherMembersAndStoppedByTheServerWhenNotRenewed() throws Exception {
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(typing("dm:alice:bob", "start"));
            await().until(() -> edge.signals.typing.size() == 2); // the start, then the automatic stop
            TypingSignal start = edge.signals.typing.get(0);
            assertThat(start.getState()).isEqualTo(TypingState.START);
            assertThat(start.getRecipientUserIds()).containsExactly("bob");
            assertThat(start.getExpiresInMs()).isEqualTo(EdgeHarness.TYPING_EXPIRY_MS);
            assertThat(edge.signals.typing.get(1).getState()).isEqualTo(TypingState.STOP);
        }
    }

    @Test
    void anExplicitStopCancelsTheAutomaticOne() throws Exception {
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(typing("dm:alice:bob", "start"));
            alice.send(typing("dm:alice:bob", "stop"));
            // A later start's automatic stop comes after the first one's would have: it is the sentinel.
            alice.send(typing("dm:alice:carol", "start"));
            await().until(() -> edge.signals.typing.size() == 4);
            assertThat(edge.signals.typing).extracting(s -> s.getConversationId() + " " + s.getState()).containsExactly(
                    "dm:alice:bob START", "dm:alice:bob STOP", "dm:alice:carol START", "dm:alice:carol STOP");
        }
    }

    @Test
    void closingWhileTypingSendsTheStop() throws Exception {
        JsonObject a = edge.register("alice");
        TestClient alice = edge.connect(a);
        alice.send(typing("dm:alice:bob", "start"));
        await().until(() -> edge.signals.typing.size() == 1);
        alice.close();
        await().until(() -> edge.signals.typing.size() == 2);
        assertThat(edge.signals.typing.get(1).getState()).isEqualTo(TypingState.STOP);
    }

    @Test
    void outsidersAndBadFramesAreRefusedAndTheConnectionStaysOpen() throws Exception {
        edge.state.groups.put("g:team-0001", List.of("bob", "carol"));
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(typing("dm:bob:carol", "start"));
            assertThat(alice.next("error").getString("code")).isEqualTo("NOT_A_MEMBER");
            alice.send(typing("g:team-0001", "start"));
            assertThat(alice.next("error").getString("code")).isEqualTo("NOT_A_MEMBER");
            alice.send(typing("g:nobody-01", "start"));
            assertThat(alice.next("error").getString("code")).isEqualTo("UNKNOWN_CONVERSATION");
            alice.send(typing("dm:alice:bob", "typing-hard"));
            JsonObject bad = alice.next("error");
            assertThat(bad.getString("code")).isEqualTo("INVALID_FIELD");
            assertThat(bad.getString("message")).contains("'state' must be 'start' or 'stop'");
            alice.send(new JsonObject().put("type", "typing").put("state", "start"));
            assertThat(alice.next("error").getString("code")).isEqualTo("MISSING_FIELD");
            assertThat(edge.signals.typing).isEmpty();
        }
    }

    @Test
    void groupMembersComeFromTheMembership() throws Exception {
        edge.state.groups.put("g:team-0001", List.of("alice", "bob", "carol"));
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            alice.send(typing("g:team-0001", "stop"));
            await().until(() -> edge.signals.typing.size() == 1);
            assertThat(edge.signals.typing.get(0).getRecipientUserIds()).containsExactly("bob", "carol");
        }
    }

    @Test
    void tooManyTypingFramesAreRateLimited() throws Exception {
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            for (int i = 0; i < EdgeHarness.TYPING_PER_SECOND + 1; i++) {
                alice.send(typing("dm:alice:bob", "stop"));
            }
            JsonObject refused = alice.next("error");
            assertThat(refused.getString("code")).isEqualTo("RATE_LIMITED");
            alice.send(new JsonObject().put("type", "ping"));
            alice.next("pong");
        }
    }

    @Test
    void aSignalReachesTheRecipientsConnectedDevicesOnly() throws Exception {
        JsonObject bobPhone = edge.register("bob");
        JsonObject bobLaptop = edge.link(bobPhone);
        try (TestClient alice = edge.connect(edge.register("alice"));
             TestClient phone = edge.connect(bobPhone);
             TestClient laptop = edge.connect(bobLaptop)) {
            await().until(() -> edge.devices.ofUser("bob").size() == 2);
            edge.typing.onSignal(TypingSignal.newBuilder().setConversationId("dm:alice:bob").setSenderUserId("alice")
                    .setSenderDeviceId("a1").setRecipientUserIds(List.of("bob")).setState(TypingState.START)
                    .setExpiresInMs(5000).setAt(java.time.Instant.now()).build());
            for (TestClient c : List.of(phone, laptop)) {
                JsonObject f = c.next("typing");
                assertThat(f.getString("userId")).isEqualTo("alice");
                assertThat(f.getString("conversationId")).isEqualTo("dm:alice:bob");
                assertThat(f.getString("state")).isEqualTo("start");
                assertThat(f.getLong("expiresInMs")).isEqualTo(5000L);
            }
            alice.send(new JsonObject().put("type", "ping"));
            assertThat(alice.next().getString("type")).as("the sender gets no typing of its own").isEqualTo("pong");
        }
    }
}
