package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.events.Presence;

/** A registration lock PIN: a proven phone number alone (a SIM swap) no longer re-registers a locked user. */
@ExtendWith(VertxExtension.class)
class RegistrationLockTest {
    private static final String MAIL = TestIdentity.mail("alice");
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static String error(HttpResponse<String> res) {
        return new JsonObject(res.body()).getString("error");
    }

    private String newCode() throws Exception {
        assertThat(TestIdentity.requestCode(edge.port, MAIL).statusCode()).isEqualTo(202);
        return edge.identity.sender.latest.get(MAIL);
    }

    private HttpResponse<String> reRegister(String code, String pin) throws Exception {
        JsonObject body = new JsonObject().put("identifier", MAIL).put("code", code);
        if (pin != null) {
            body.put("pin", pin);
        }
        return TestIdentity.post(edge.port, "/v1/devices", body.encode());
    }

    private JsonObject lockedAlice() throws Exception {
        JsonObject alice = edge.register("alice");
        HttpResponse<String> set = edge.http("PUT", "/v1/registration-lock", alice.getString("token"), "{\"pin\":\"4921\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(204);
        return alice;
    }

    @Test
    void onlyThePrimarySetsAValidPinAndOnlyItsHashIsKept() throws Exception {
        JsonObject alice = edge.register("alice");
        JsonObject laptop = edge.link(alice);
        HttpResponse<String> byCompanion = edge.http("PUT", "/v1/registration-lock", laptop.getString("token"),
                "{\"pin\":\"4921\"}");
        assertThat(byCompanion.statusCode()).isEqualTo(403);
        assertThat(error(byCompanion)).isEqualTo("NOT_PRIMARY");
        assertThat(edge.http("PUT", "/v1/registration-lock", null, "{\"pin\":\"4921\"}").statusCode()).isEqualTo(401);
        HttpResponse<String> tooShort = edge.http("PUT", "/v1/registration-lock", alice.getString("token"), "{\"pin\":\"12\"}");
        assertThat(tooShort.statusCode()).isEqualTo(400);
        assertThat(error(tooShort)).isEqualTo("INVALID_FIELD");
        assertThat(error(edge.http("PUT", "/v1/registration-lock", alice.getString("token"), "{}"))).isEqualTo("MISSING_FIELD");
        assertThat(edge.http("PUT", "/v1/registration-lock", alice.getString("token"), "{\"pin\":\"4921\"}").statusCode())
                .isEqualTo(204);
        String stored = edge.identity.identities.byUser.get("alice").registrationLock();
        assertThat(stored).startsWith("pbkdf2-sha256:1000:").doesNotContain("4921");
    }

    @Test
    void aReRegistrationOfALockedUserNeedsThePinAndAWrongOneBurnsTheCode() throws Exception {
        JsonObject alice = lockedAlice();
        String code = newCode();
        HttpResponse<String> noPin = reRegister(code, null);
        assertThat(noPin.statusCode()).isEqualTo(423);
        assertThat(error(noPin)).isEqualTo("REGISTRATION_LOCKED");
        HttpResponse<String> wrongPin = reRegister(code, "0000"); // the code survived the missing PIN
        assertThat(wrongPin.statusCode()).isEqualTo(403);
        assertThat(error(wrongPin)).isEqualTo("PIN_INVALID");
        assertThat(error(reRegister(code, "4921"))).isEqualTo("CODE_INVALID"); // a wrong PIN used the code up
        assertThat(edge.identity.codes.rows.get(MAIL).failures()).isEqualTo(1);
        assertThat(edge.readModel.devices.get(alice.getString("deviceId")).revoked()).isFalse();

        HttpResponse<String> right = reRegister(newCode(), "4921");
        assertThat(right.statusCode()).as(right.body()).isEqualTo(201);
        assertThat(edge.readModel.devices.get(alice.getString("deviceId")).revoked()).isTrue();
        // The lock stays: the next re-registration needs the PIN again.
        assertThat(reRegister(newCode(), null).statusCode()).isEqualTo(423);
    }

    @Test
    void theLockLapsesAfterAWeekWithoutAnyDeviceOnlineAndIsThenDropped() throws Exception {
        lockedAlice();
        Instant lastSeen = Instant.now().minus(Duration.ofDays(8));
        edge.identity.presence.put("alice", Presence.newBuilder().setUserId("alice").setOnline(false)
                .setLastSeenAt(lastSeen).setAt(lastSeen).build());
        HttpResponse<String> res = reRegister(newCode(), null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        assertThat(edge.identity.identities.byUser.get("alice").registrationLock()).isNull();

        // Seen recently, the lock would have held.
        lockedAliceAgain(new JsonObject(res.body()));
        edge.identity.presence.put("alice", Presence.newBuilder().setUserId("alice").setOnline(false)
                .setLastSeenAt(Instant.now().minus(Duration.ofDays(6))).setAt(Instant.now()).build());
        assertThat(reRegister(newCode(), null).statusCode()).isEqualTo(423);
    }

    private void lockedAliceAgain(JsonObject primary) throws Exception {
        assertThat(edge.http("PUT", "/v1/registration-lock", primary.getString("token"), "{\"pin\":\"7777\"}").statusCode())
                .isEqualTo(204);
    }

    @Test
    void aRemovedLockNoLongerAsksForThePin() throws Exception {
        JsonObject alice = lockedAlice();
        assertThat(edge.http("DELETE", "/v1/registration-lock", alice.getString("token"), null).statusCode()).isEqualTo(204);
        assertThat(reRegister(newCode(), null).statusCode()).isEqualTo(201);
    }
}
