package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * Identity on the real stack: a user id is bound to the identifier that first registered it (codes from the file
 * sender's outbox), nobody else can take it over once its primary is gone, and a re-registration of the rightful
 * owner starts with no history while its conversation peers get an identity_changed event.
 */
class IdentityIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @Test
    void aFreedUserIdCannotBeTakenByAnotherIdentifier() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        assertThat(ParleyClient.unlink(EDGES.url(), a, a.deviceId())).isEqualTo(204);
        String mallory = user("mallory") + "@evil.test";
        ParleyClient.requestCode(EDGES.url(), mallory);
        String code = CodeOutbox.read(CodeOutbox.dir(Settings.load()), mallory).orElseThrow();
        assertThatThrownBy(() -> ParleyClient.registerWithCode(EDGES.url(), mallory, code, a.userId()))
                .isInstanceOf(IOException.class).hasMessageContaining("409").hasMessageContaining("USER_ID_TAKEN");
    }

    @Test
    void aReRegisteredUserReadsNothingFromBeforeAndItsPeerLearnsOfIt() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        String dm = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient oldPhone = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT)) {
            oldPhone.send("before-1", b.userId(), "secret".getBytes());
            bob.awaitFrame(f -> is(f, "message", "before-1"), WAIT);
            // History is the projection's, written beside the delivery path, not before it: it may be a moment behind.
            org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(history(oldPhone, dm))
                    .contains("message"));

            // Alice's new phone: the same identifier proved again (ParleyClient waits out the resend interval).
            ParleyClient.Device phone = ParleyClient.register(EDGES.url(), a.userId(), CodeOutbox::latest);
            assertThat(phone.userId()).isEqualTo(a.userId());
            org.awaitility.Awaitility.await().atMost(WAIT).until(oldPhone::isClosed);
            assertThat(oldPhone.closeCode()).isEqualTo((short) 4003);

            JsonObject changed = bob.awaitFrame(f -> "message".equals(f.getString("type"))
                    && "identity_changed".equals(f.getString("kind")) && dm.equals(f.getString("conversationId")), WAIT);
            assertThat(changed.getString("senderUserId")).isEqualTo(a.userId());
            assertThat(changed.getString("senderDeviceId")).isEqualTo(phone.deviceId());

            try (ParleyClient newPhone = ParleyClient.connect(EDGES.vertx(), EDGES.url(), phone, null, WAIT)) {
                assertThat(history(newPhone, dm)).doesNotContain("message");
                bob.send("after-1", a.userId(), "hello again".getBytes());
                newPhone.awaitFrame(f -> is(f, "message", "after-1"), WAIT);
                assertThat(newPhone.frames("message")).extracting(f -> f.getString("clientMessageId"))
                        .doesNotContain("before-1");
            }
        }
        assertThatThrownBy(() -> ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT)).isInstanceOf(Exception.class);
    }

    /** The kinds of the conversation's latest events the device may read. */
    private static java.util.List<String> history(ParleyClient device, String conversation) throws Exception {
        JsonArray events = device.request(new JsonObject().put("type", "history")
                .put("requestId", java.util.UUID.randomUUID().toString()).put("conversationId", conversation), WAIT)
                .getJsonArray("events");
        return events.stream().map(e -> ((JsonObject) e).getString("kind")).toList();
    }
}
