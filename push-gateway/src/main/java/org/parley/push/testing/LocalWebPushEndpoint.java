package org.parley.push.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.parley.push.webpush.Base64Url;
import org.parley.push.webpush.P256;
import org.parley.push.webpush.VapidToken;
import org.parley.push.webpush.WebPushEncryption;

/**
 * A local Web Push service and user agent in one, for tests: hands out subscriptions ({@link #subscribe}), and on
 * every {@code POST /push/<id>} checks what a push service checks — RFC 8030 headers ({@code TTL} required,
 * {@code Urgency} and {@code Topic} well-formed), RFC 8292 VAPID ({@code Authorization: vapid t=<jwt>, k=<key>}: an
 * ES256 signature that verifies with {@code k}, {@code aud} = this endpoint's origin, {@code exp} in the future and
 * within 24 h, a mailto:/https: {@code sub}, {@code k} = the subscription's applicationServerKey if it had one) —
 * and then what the user agent does: decrypts the RFC 8291 {@code aes128gcm} body with the subscription's private
 * key and auth secret. Accepted pushes (201) are recorded in {@link #received()}, refused ones (4xx) in
 * {@link #rejections()}. {@link #unsubscribe} makes the endpoint answer 410 Gone.
 *
 * <p>Binds 127.0.0.1 on a free port. Used by this module's tests, by the end-to-end tests in {@code infra} and by
 * the load harness's {@code push} scenario in {@code benchmarks}.
 */
public final class LocalWebPushEndpoint implements AutoCloseable {
    private static final Pattern VAPID = Pattern.compile("^vapid\\s+(?:t=([^,\\s]+)\\s*,\\s*k=([^,\\s]+)|k=([^,\\s]+)\\s*,\\s*t=([^,\\s]+))\\s*$");
    private static final Pattern TOPIC = Pattern.compile("^[A-Za-z0-9_-]{1,32}$");
    private static final Set<String> URGENCIES = Set.of("very-low", "low", "normal", "high");
    private static final long MAX_EXP_SECONDS = 24 * 3600;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A refused request: which subscription, the HTTP status answered, and why. */
    public record Rejection(String subscriberId, int status, String reason) {
    }

    private final HttpServer server;
    private final Clock clock;
    private final String host;
    private final Map<String, WebPushSubscriber> subscribers = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final List<ReceivedPush> received = new CopyOnWriteArrayList<>();
    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    private volatile Consumer<ReceivedPush> listener = p -> {
    };

    private LocalWebPushEndpoint(HttpServer server, Clock clock, String host) {
        this.server = server;
        this.clock = clock;
        this.host = host;
    }

    public static LocalWebPushEndpoint start() {
        return start("127.0.0.1", Clock.systemUTC());
    }

    /** Binds {@code host}; subscriptions name it as given ({@code localhost} stays a name in their URLs). */
    public static LocalWebPushEndpoint start(String host, Clock clock) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, 0), 64);
            LocalWebPushEndpoint endpoint = new LocalWebPushEndpoint(server, clock, host);
            server.createContext("/push/", endpoint::handle);
            server.setExecutor(Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "local-web-push");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return endpoint;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** scheme://host:port, the VAPID audience this endpoint expects. */
    public String origin() {
        return "http://" + host + ":" + server.getAddress().getPort();
    }

    /** A new subscription; with an applicationServerKey (base64url), only pushes signed by that VAPID key pass. */
    public WebPushSubscriber subscribe(String applicationServerKey) {
        String id = UUID.randomUUID().toString();
        WebPushSubscriber s = WebPushSubscriber.create(id, origin() + "/push/" + id, applicationServerKey);
        subscribers.put(id, s);
        return s;
    }

    /** From now on pushes to it are answered 410 Gone, as a push service does for an expired subscription. */
    public void unsubscribe(WebPushSubscriber s) {
        gone.add(s.id());
    }

    /**
     * Called on the endpoint's thread with each accepted push, once it is verified and decrypted (a load tool takes
     * its arrival time here instead of polling {@link #received()}).
     */
    public void onReceived(Consumer<ReceivedPush> listener) {
        this.listener = listener;
    }

    public List<ReceivedPush> received() {
        return List.copyOf(received);
    }

    public List<ReceivedPush> received(WebPushSubscriber s) {
        return received.stream().filter(p -> p.subscriberId().equals(s.id())).toList();
    }

    public List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    // ------------------------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        long arrived = clock.millis();
        String id = ex.getRequestURI().getPath().substring("/push/".length());
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!"POST".equals(ex.getRequestMethod())) {
                answer(ex, id, 405, "method " + ex.getRequestMethod());
                return;
            }
            WebPushSubscriber s = subscribers.get(id);
            if (s == null) {
                answer(ex, id, 404, "no such subscription");
                return;
            }
            if (gone.contains(id)) {
                answer(ex, id, 410, "unsubscribed");
                return;
            }
            ReceivedPush push;
            try {
                push = verify(ex, s, body, arrived);
            } catch (Refused r) {
                answer(ex, id, r.status, r.getMessage());
                return;
            }
            received.add(push);
            listener.accept(push);
            ex.getResponseHeaders().add("Location", origin() + "/message/" + UUID.randomUUID());
            ex.sendResponseHeaders(201, -1);
        }
    }

    private ReceivedPush verify(HttpExchange ex, WebPushSubscriber s, byte[] body, long arrived) throws Refused {
        var h = ex.getRequestHeaders();
        String ttl = h.getFirst("TTL");
        if (ttl == null || !ttl.matches("\\d{1,10}")) {
            throw new Refused(400, "TTL header missing or not a non-negative integer: " + ttl);
        }
        String urgency = h.getFirst("Urgency");
        if (urgency != null && !URGENCIES.contains(urgency)) {
            throw new Refused(400, "bad Urgency " + urgency);
        }
        String topic = h.getFirst("Topic");
        if (topic != null && !TOPIC.matcher(topic).matches()) {
            throw new Refused(400, "bad Topic (max 32 base64url characters): " + topic);
        }
        if (!"aes128gcm".equalsIgnoreCase(h.getFirst("Content-Encoding"))) {
            throw new Refused(415, "Content-Encoding must be aes128gcm, got " + h.getFirst("Content-Encoding"));
        }
        String auth = h.getFirst("Authorization");
        Matcher m = auth == null ? null : VAPID.matcher(auth);
        if (m == null || !m.matches()) {
            throw new Refused(401, "Authorization must be 'vapid t=<jwt>, k=<key>', got " + auth);
        }
        String jwt = m.group(1) != null ? m.group(1) : m.group(4);
        String k = m.group(2) != null ? m.group(2) : m.group(3);
        String subject = verifyJwt(jwt, k);
        if (s.applicationServerKey() != null && !s.applicationServerKey().equals(k)) {
            throw new Refused(403, "signed with a VAPID key other than the subscription's applicationServerKey");
        }
        byte[] plaintext;
        try {
            plaintext = WebPushEncryption.decrypt(body, s.privateKey(), s.publicKey(), s.authSecret());
        } catch (RuntimeException e) {
            throw new Refused(400, "payload does not decrypt: " + e.getMessage());
        }
        return new ReceivedPush(s.id(), plaintext, Long.parseLong(ttl), urgency, topic, subject, k, arrived);
    }

    /** Verifies the ES256 JWT against k and its claims against this endpoint; returns the subject. */
    private String verifyJwt(String jwt, String k) throws Refused {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new Refused(401, "the JWT must have three parts");
        }
        try {
            JsonNode header = JSON.readTree(Base64Url.decode(parts[0]));
            if (!"ES256".equals(header.path("alg").asText())) {
                throw new Refused(401, "JWT alg must be ES256, got " + header.path("alg"));
            }
            Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format");
            es256.initVerify(P256.publicKey(Base64Url.decode(k)));
            es256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!es256.verify(Base64Url.decode(parts[2]))) {
                throw new Refused(401, "the JWT signature does not verify with k");
            }
            JsonNode claims = JSON.readTree(Base64Url.decode(parts[1]));
            String aud = claims.path("aud").asText();
            if (!VapidToken.audience(URI.create(origin() + "/")).equals(aud)) {
                throw new Refused(401, "aud " + aud + " is not this push service's origin " + origin());
            }
            long now = clock.millis() / 1000;
            long exp = claims.path("exp").asLong(0);
            if (exp <= now || exp > now + MAX_EXP_SECONDS) {
                throw new Refused(401, "exp " + exp + " is not within the next 24 hours (now " + now + ")");
            }
            String sub = claims.path("sub").asText("");
            if (!sub.startsWith("mailto:") && !sub.startsWith("https:")) {
                throw new Refused(401, "sub must be a mailto: or https: URI, got '" + sub + "'");
            }
            return sub;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new Refused(401, "malformed VAPID JWT or key: " + e);
        }
    }

    private void answer(HttpExchange ex, String id, int status, String reason) throws IOException {
        rejections.add(new Rejection(id, status, reason));
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static final class Refused extends Exception {
        private final int status;

        Refused(int status, String reason) {
            super(reason);
            this.status = status;
        }
    }
}
