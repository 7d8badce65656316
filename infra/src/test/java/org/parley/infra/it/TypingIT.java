package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/** Typing indicators through real WebSockets and the real {@code signals} topic (ADR 0008). */
@ExtendWith(LocalStackExtension.class)
class TypingIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Vertx vertx;
    private static String edge;
    private static long expiryMs;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        Settings settings = Settings.load();
        edge = "http://" + settings.host() + ":" + settings.edgePort(0);
        expiryMs = settings.getLong("typing.expiry-ms");
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static boolean typing(JsonObject f, String state) {
        return "typing".equals(f.getString("type")) && state.equals(f.getString("state"));
    }

    @Test
    void onlineDevicesGetTypingThatExpiresOnItsOwnAndOfflineDevicesNeverDo() throws Exception {
        ParleyClient.Device a = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        ParleyClient.Device bobLaptop = TestUsers.linkedDevice(edge, b); // offline while alice types
        String conversation = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(vertx, edge, a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(vertx, edge, b, null, WAIT)) {
            alice.typing(conversation, "start");
            JsonObject start = bob.awaitFrame(f -> typing(f, "start"), WAIT);
            assertThat(start.getString("conversationId")).isEqualTo(conversation);
            assertThat(start.getString("userId")).isEqualTo(a.userId());
            assertThat(start.getString("deviceId")).isEqualTo(a.deviceId());
            assertThat(start.getLong("expiresInMs")).isEqualTo(expiryMs);
            // Alice never says stop: the server does once the start is not renewed within the expiry.
            JsonObject stop = bob.awaitFrame(f -> typing(f, "stop"), WAIT);
            assertThat(stop.getString("userId")).isEqualTo(a.userId());
            assertThat(alice.frames("typing")).as("not echoed to the sender").isEmpty();

            try (ParleyClient laptop = ParleyClient.connect(vertx, edge, bobLaptop, null, WAIT)) {
                alice.typing(conversation, "stop");
                alice.send("after", b.userId(), new byte[] {1});
                laptop.awaitFrame(f -> "message".equals(f.getString("type")), WAIT);
                laptop.awaitFrame(f -> typing(f, "stop"), WAIT);
                assertThat(laptop.frames("typing")).as("nothing from before it connected: typing is never stored")
                        .singleElement().satisfies(f -> assertThat(f.getString("state")).isEqualTo("stop"));
            }
        }
    }

    @Test
    void typingInAConversationOfOthersIsRefusedAndTheConnectionStaysOpen() throws Exception {
        ParleyClient.Device a = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(vertx, edge, a, null, WAIT)) {
            alice.typing(Conversations.direct(user("bob"), user("carol")), "start");
            assertThat(alice.awaitFrame(f -> "error".equals(f.getString("type")), WAIT).getString("code"))
                    .isEqualTo("NOT_A_MEMBER");
            alice.sendText(new JsonObject().put("type", "ping").encode());
            alice.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
        }
    }
}
