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
import org.parley.edge.identity.MutableClock;
import org.parley.edge.identity.VerificationCodes;

/** The two registration requests over HTTP: every refusal has its precise code, and none gives anything away. */
@ExtendWith(VertxExtension.class)
class RegistrationCodesTest {
    private static final String MAIL = "erin@parley.test";
    private static final String PHONE = "+14155550100";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        VerificationCodes.Limits limits = new VerificationCodes.Limits(6, Duration.ofMinutes(10), 3, Duration.ofHours(1),
                3, Duration.ofSeconds(30), 5);
        edge = new EdgeHarness(vertx, EdgeHarness.config(),
                (readModel, log) -> new TestIdentity(readModel, log, 1, limits, 8, clock));
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static String error(HttpResponse<String> res) {
        return new JsonObject(res.body()).getString("error");
    }

    private String code(String identifier) {
        return edge.identity.sender.latest.get(identifier);
    }

    private static String wrong(String code) {
        return code.equals("000000") ? "111111" : "000000";
    }

    @Test
    void badRequestsAreRefusedPreciselyAndSendNothing() throws Exception {
        HttpResponse<String> noId = TestIdentity.post(edge.port, "/v1/registration/code", "{}");
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(error(noId)).isEqualTo("MISSING_FIELD");
        for (String bad : new String[] {"\"12345\"", "\"+0123456789\"", "\"not-an-address\"", "\"a@b\"", "42"}) {
            HttpResponse<String> res = TestIdentity.post(edge.port, "/v1/registration/code", "{\"identifier\":" + bad + "}");
            assertThat(res.statusCode()).as(bad).isEqualTo(400);
            assertThat(error(res)).isEqualTo("INVALID_FIELD");
            assertThat(new JsonObject(res.body()).getString("message")).contains("E.164");
        }
        assertThat(error(TestIdentity.post(edge.port, "/v1/registration/code", "[1]"))).isEqualTo("BAD_FRAME");
        assertThat(edge.identity.sender.sent).isZero();

        assertThat(TestIdentity.requestCode(edge.port, PHONE).statusCode()).isEqualTo(202);
        HttpResponse<String> noCode = TestIdentity.post(edge.port, "/v1/devices", "{\"identifier\":\"" + PHONE + "\"}");
        assertThat(error(noCode)).isEqualTo("MISSING_FIELD");
        HttpResponse<String> shortCode = TestIdentity.verify(edge.port, PHONE, "123", "erin");
        assertThat(shortCode.statusCode()).isEqualTo(400);
        assertThat(error(shortCode)).isEqualTo("INVALID_FIELD");
        HttpResponse<String> badUser = TestIdentity.verify(edge.port, PHONE, code(PHONE), "a b");
        assertThat(error(badUser)).isEqualTo("INVALID_FIELD");
        // A new identifier needs its user id; the code is not used up by asking without one.
        HttpResponse<String> noUser = TestIdentity.verify(edge.port, PHONE, code(PHONE), null);
        assertThat(noUser.statusCode()).isEqualTo(400);
        assertThat(error(noUser)).isEqualTo("MISSING_FIELD");
        assertThat(TestIdentity.verify(edge.port, PHONE, code(PHONE), "erin").statusCode()).isEqualTo(201);
    }

    @Test
    void theAnswerToACodeRequestDoesNotTellWhetherTheIdentifierIsRegistered() throws Exception {
        edge.register("frank");
        clock.advance(Duration.ofMinutes(1));
        HttpResponse<String> known = TestIdentity.requestCode(edge.port, TestIdentity.mail("frank"));
        HttpResponse<String> unknown = TestIdentity.requestCode(edge.port, "nobody@parley.test");
        assertThat(known.statusCode()).isEqualTo(202).isEqualTo(unknown.statusCode());
        JsonObject a = new JsonObject(known.body());
        JsonObject b = new JsonObject(unknown.body());
        assertThat(a.fieldNames()).isEqualTo(b.fieldNames());
        assertThat(a.remove("identifier")).isNotEqualTo(b.remove("identifier"));
        assertThat(a).isEqualTo(b);
        assertThat(a.getLong("expiresInSeconds")).isEqualTo(600L);
    }

    @Test
    void wrongCodesCountAndAnExhaustedCodeIsDeadEvenWhenRight() throws Exception {
        TestIdentity.requestCode(edge.port, MAIL);
        String right = code(MAIL);
        HttpResponse<String> first = TestIdentity.verify(edge.port, MAIL, wrong(right), "erin");
        assertThat(first.statusCode()).isEqualTo(403);
        assertThat(error(first)).isEqualTo("CODE_INVALID");
        assertThat(new JsonObject(first.body()).getString("message")).contains("2 attempts left");
        TestIdentity.verify(edge.port, MAIL, wrong(right), "erin");
        HttpResponse<String> third = TestIdentity.verify(edge.port, MAIL, wrong(right), "erin");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(error(third)).isEqualTo("CODE_ATTEMPTS_EXCEEDED");
        HttpResponse<String> late = TestIdentity.verify(edge.port, MAIL, right, "erin");
        assertThat(error(late)).isEqualTo("CODE_ATTEMPTS_EXCEEDED");
        assertThat(edge.log.devices).isEmpty();
    }

    @Test
    void anExpiredCodeIsRefusedAndAUsedOneCannotBeReplayed() throws Exception {
        TestIdentity.requestCode(edge.port, MAIL);
        clock.advance(Duration.ofMinutes(10));
        HttpResponse<String> expired = TestIdentity.verify(edge.port, MAIL, code(MAIL), "erin");
        assertThat(expired.statusCode()).isEqualTo(410);
        assertThat(error(expired)).isEqualTo("CODE_EXPIRED");

        TestIdentity.requestCode(edge.port, MAIL);
        String fresh = code(MAIL);
        assertThat(TestIdentity.verify(edge.port, MAIL, fresh, "erin").statusCode()).isEqualTo(201);
        HttpResponse<String> replay = TestIdentity.verify(edge.port, MAIL, fresh, "erin");
        assertThat(replay.statusCode()).isEqualTo(403);
        assertThat(error(replay)).isEqualTo("CODE_INVALID");
        assertThat(edge.log.devices).hasSize(1);
    }

    @Test
    void codeRequestsAreLimitedPerIdentifierWithRetryAfter() throws Exception {
        assertThat(TestIdentity.requestCode(edge.port, MAIL).statusCode()).isEqualTo(202);
        HttpResponse<String> tooSoon = TestIdentity.requestCode(edge.port, MAIL);
        assertThat(tooSoon.statusCode()).isEqualTo(429);
        assertThat(error(tooSoon)).isEqualTo("RATE_LIMITED");
        assertThat(tooSoon.headers().firstValue("Retry-After")).hasValue("30");
        clock.advance(Duration.ofSeconds(30));
        assertThat(TestIdentity.requestCode(edge.port, MAIL).statusCode()).isEqualTo(202);
        clock.advance(Duration.ofSeconds(30));
        assertThat(TestIdentity.requestCode(edge.port, MAIL).statusCode()).isEqualTo(202);
        clock.advance(Duration.ofSeconds(30));
        HttpResponse<String> fourth = TestIdentity.requestCode(edge.port, MAIL);
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(new JsonObject(fourth.body()).getString("message")).contains("too many codes");
        assertThat(edge.identity.sender.sent).isEqualTo(3);
    }

    @Test
    void oneAddressGetsALimitedNumberOfCodeRequestsAndVerifications() throws Exception {
        for (int i = 0; i < 8; i++) {
            assertThat(TestIdentity.requestCode(edge.port, "user" + i + "@parley.test").statusCode()).isEqualTo(202);
        }
        HttpResponse<String> ninth = TestIdentity.requestCode(edge.port, "user9@parley.test");
        assertThat(ninth.statusCode()).isEqualTo(429);
        assertThat(new JsonObject(ninth.body()).getString("message")).contains("your address");
        for (int i = 0; i < 8; i++) {
            TestIdentity.verify(edge.port, "user" + i + "@parley.test", "000000", "u" + i);
        }
        HttpResponse<String> limited = TestIdentity.verify(edge.port, "user0@parley.test",
                code("user0@parley.test"), "u0");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(error(limited)).isEqualTo("RATE_LIMITED");
    }

    @Test
    void anIdentifierIsBoundToOneUserIdAndTheRightCodeIsKeptWhenTheUserIdIsWrong() throws Exception {
        JsonObject first = edge.register("grace");
        clock.advance(Duration.ofMinutes(1));
        TestIdentity.requestCode(edge.port, TestIdentity.mail("grace"));
        String c = code(TestIdentity.mail("grace"));
        HttpResponse<String> other = TestIdentity.verify(edge.port, TestIdentity.mail("grace"), c, "grace2");
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(error(other)).isEqualTo("IDENTIFIER_BOUND");
        assertThat(new JsonObject(other.body()).getString("message")).contains("grace");
        HttpResponse<String> again = TestIdentity.verify(edge.port, TestIdentity.mail("grace"), c, "grace");
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(new JsonObject(again.body()).getString("deviceId")).isNotEqualTo(first.getString("deviceId"));
    }

    @Test
    void aSenderOutageIsAnswered503() throws Exception {
        edge.identity.sender.failing = true;
        HttpResponse<String> res = TestIdentity.requestCode(edge.port, MAIL);
        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(error(res)).isEqualTo("UNAVAILABLE");
        assertThat(new JsonObject(res.body()).getString("message")).doesNotContain("gateway");
    }
}
