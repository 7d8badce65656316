package org.parley.push.webpush;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.parley.push.PushMessage;
import org.parley.push.PushOutcome;
import org.parley.push.PushSender;
import org.parley.push.PushSubscription;

/**
 * Web Push: RFC 8030 delivery (POST to the subscription's push resource with {@code TTL}, {@code Urgency},
 * {@code Topic}), RFC 8291 payload encryption ({@code Content-Encoding: aes128gcm}) and RFC 8292 VAPID
 * ({@code Authorization: vapid t=..., k=...}). JDK HTTP client and crypto only.
 */
public final class WebPushSender implements PushSender {
    private final HttpClient http;
    private final VapidToken vapid;
    private final Duration timeout;

    public WebPushSender(HttpClient http, VapidToken vapid, Duration timeout) {
        this.http = http;
        this.vapid = vapid;
        this.timeout = timeout;
    }

    @Override
    public String kind() {
        return PushSubscription.WEB_PUSH;
    }

    /**
     * RFC 8030 §5.4: a Topic is at most 32 characters of the base64url alphabet. Conversation ids are not, so the
     * topic is the first 32 characters of base64url(SHA-256(collapse key)): stable, opaque to the push service.
     */
    public static String topic(String collapseKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(collapseKey.getBytes(StandardCharsets.UTF_8));
            return Base64Url.encode(digest).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public CompletableFuture<PushOutcome> send(PushSubscription subscription, PushMessage message) {
        HttpRequest request;
        try {
            URI endpoint = URI.create(subscription.endpoint());
            byte[] body = WebPushEncryption.encrypt(message.payload(),
                    P256.publicKey(Base64Url.decode(subscription.p256dh())), Base64Url.decode(subscription.auth()));
            request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("TTL", Long.toString(Math.max(0, message.ttl().toSeconds())))
                    .header("Urgency", message.urgency())
                    .header("Topic", topic(message.collapseKey()))
                    .header("Content-Encoding", "aes128gcm")
                    .header("Content-Type", "application/octet-stream")
                    .header("Authorization", vapid.authorization(endpoint))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (RuntimeException bad) { // malformed subscription: keys or URL
            return CompletableFuture.completedFuture(
                    new PushOutcome(PushOutcome.Status.REJECTED, 0, "unusable subscription: " + bad.getMessage()));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> PushOutcome.ofHttp(r.statusCode(), abbreviate(r.body())))
                .exceptionally(e -> new PushOutcome(PushOutcome.Status.RETRY, 0, String.valueOf(e.getCause() == null
                        ? e : e.getCause())));
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
