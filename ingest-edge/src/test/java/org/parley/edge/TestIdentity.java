package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.parley.edge.identity.AddressLimiter;
import org.parley.edge.identity.IdentityRegistration;
import org.parley.edge.identity.InMemoryCodeStore;
import org.parley.edge.identity.RecordingCodeSender;
import org.parley.edge.identity.RegistrationLock;
import org.parley.edge.identity.VerificationCodes;
import org.parley.edge.log.ActionLog;

/** Registration with proof of identity for edge unit tests: in-memory stores, codes read from a recording sender. */
final class TestIdentity {
    /** Generous limits (no resend interval), so tests register and re-register freely. */
    static final VerificationCodes.Limits LIMITS = new VerificationCodes.Limits(6, Duration.ofMinutes(10), 5,
            Duration.ofHours(1), 20, Duration.ZERO, 20);

    final InMemoryCodeStore codes = new InMemoryCodeStore();
    final RecordingCodeSender sender = new RecordingCodeSender();
    final InMemoryIdentityStore identities;
    final IdentityRegistration registration;
    /** What the registration lock sees of each user's presence (absent: never seen, the lock holds). */
    final java.util.Map<String, org.parley.events.Presence> presence = new java.util.concurrent.ConcurrentHashMap<>();

    TestIdentity(InMemoryReadModel readModel, ActionLog log, int edgeId) {
        this(readModel, log, edgeId, LIMITS, 1000, Clock.systemUTC());
    }

    TestIdentity(InMemoryReadModel readModel, ActionLog log, int edgeId, VerificationCodes.Limits limits,
                 int perAddress, Clock clock) {
        this.identities = new InMemoryIdentityStore(readModel);
        byte[] key = new byte[32];
        this.registration = new IdentityRegistration(new VerificationCodes(codes, sender, limits, clock, key), identities,
                new AddressLimiter(perAddress, Duration.ofHours(1), Set.of(), clock, 1000),
                new AddressLimiter(perAddress, Duration.ofHours(1), Set.of(), clock, 1000), log, readModel, edgeId, 4,
                clock, new RegistrationLock(user -> io.vertx.core.Future.succeededFuture(
                        java.util.Optional.ofNullable(presence.get(user))), Duration.ofDays(7), 1000));
    }

    /** The e-mail address the tests' users prove. */
    static String mail(String userId) {
        return userId.toLowerCase(java.util.Locale.ROOT) + "@parley.test";
    }

    static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> requestCode(int port, String identifier) throws Exception {
        return post(port, "/v1/registration/code", new JsonObject().put("identifier", identifier).encode());
    }

    static HttpResponse<String> verify(int port, String identifier, String code, String userId) throws Exception {
        JsonObject body = new JsonObject().put("identifier", identifier).put("code", code);
        if (userId != null) {
            body.put("userId", userId);
        }
        return post(port, "/v1/devices", body.encode());
    }

    /** The user's primary device, registered the way a client does: request a code, send it back. */
    JsonObject register(int port, String userId) throws Exception {
        HttpResponse<String> sent = requestCode(port, mail(userId));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        HttpResponse<String> res = verify(port, mail(userId), sender.latest.get(mail(userId)), userId);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return new JsonObject(res.body());
    }
}
