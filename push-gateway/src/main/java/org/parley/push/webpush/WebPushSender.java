package org.parley.push.webpush;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.nio.entity.AbstractBinAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.parley.projections.PushEndpointPolicy;
import org.parley.push.PushMessage;
import org.parley.push.PushOutcome;
import org.parley.push.PushSender;
import org.parley.push.PushSubscription;

/**
 * Web Push: RFC 8030 delivery (POST to the subscription's push resource with {@code TTL}, {@code Urgency},
 * {@code Topic}), RFC 8291 payload encryption ({@code Content-Encoding: aes128gcm}) and RFC 8292 VAPID
 * ({@code Authorization: vapid t=..., k=...}).
 *
 * <p>Where a push may go is checked here, at send time, whatever the edge accepted earlier: the endpoint URL against
 * the {@link PushEndpointPolicy} (https, allowed push service), and every address its host resolves to, through the
 * client's only resolver ({@link PushAddressResolver}): the connection goes to an address that was checked, never to
 * a second lookup's answer. A refused endpoint is {@link PushOutcome.Status#REJECTED} without a request. The client
 * follows no redirects, uses no proxy, keeps at most 1 KiB of a response body and gives each attempt
 * {@code timeout} in all.
 */
public final class WebPushSender implements PushSender, AutoCloseable {
    /** Response bytes kept for the log; the rest of a body is read and dropped. */
    static final int MAX_RESPONSE_BODY = 1024;

    private final CloseableHttpAsyncClient http;
    private final VapidToken vapid;
    private final Duration timeout;
    private final PushEndpointPolicy policy;

    /** A sender resolving names with the system resolver, through the policy's address check. */
    public WebPushSender(VapidToken vapid, Duration timeout, PushEndpointPolicy policy, int maxConnections) {
        this(vapid, timeout, policy, maxConnections, PushAddressResolver.SYSTEM);
    }

    public WebPushSender(VapidToken vapid, Duration timeout, PushEndpointPolicy policy, int maxConnections,
            PushAddressResolver.Lookup lookup) {
        this.vapid = vapid;
        this.timeout = timeout;
        this.policy = policy;
        Timeout t = Timeout.of(timeout);
        this.http = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setDnsResolver(new PushAddressResolver(policy, lookup))
                        .setMaxConnTotal(maxConnections)
                        .setMaxConnPerRoute(maxConnections) // FCM alone takes most pushes
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(t).setSocketTimeout(t)
                                .build())
                        .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(t)
                                .setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(t).setResponseTimeout(t)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries() // the dispatcher owns retries
                .disableCookieManagement()
                .disableAuthCaching()
                .build();
        this.http.start();
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
        String refused = policy.refuseUrl(subscription.endpoint());
        if (refused != null) {
            return CompletableFuture.completedFuture(new PushOutcome(PushOutcome.Status.REJECTED, 0,
                    "refused endpoint: " + refused));
        }
        SimpleHttpRequest request;
        try {
            URI endpoint = URI.create(subscription.endpoint());
            byte[] body = WebPushEncryption.encrypt(message.payload(),
                    P256.publicKey(Base64Url.decode(subscription.p256dh())), Base64Url.decode(subscription.auth()));
            request = SimpleRequestBuilder.post(endpoint)
                    .setHeader("TTL", Long.toString(Math.max(0, message.ttl().toSeconds())))
                    .setHeader("Urgency", message.urgency())
                    .setHeader("Topic", topic(message.collapseKey()))
                    .setHeader("Content-Encoding", "aes128gcm")
                    .setHeader("Authorization", vapid.authorization(endpoint))
                    .setBody(body, ContentType.APPLICATION_OCTET_STREAM)
                    .build();
        } catch (RuntimeException bad) { // malformed subscription: keys or URL
            return CompletableFuture.completedFuture(
                    new PushOutcome(PushOutcome.Status.REJECTED, 0, "unusable subscription: " + bad.getMessage()));
        }
        CompletableFuture<PushOutcome> outcome = new CompletableFuture<>();
        Future<Message<HttpResponse, String>> exchange = http.execute(SimpleRequestProducer.create(request),
                new BasicResponseConsumer<>(new BoundedText(MAX_RESPONSE_BODY)),
                new FutureCallback<>() {
                    @Override
                    public void completed(Message<HttpResponse, String> response) {
                        outcome.complete(PushOutcome.ofHttp(response.getHead().getCode(),
                                abbreviate(response.getBody())));
                    }

                    @Override
                    public void failed(Exception e) {
                        outcome.complete(failure(e));
                    }

                    @Override
                    public void cancelled() {
                        outcome.complete(new PushOutcome(PushOutcome.Status.RETRY, 0, "cancelled"));
                    }
                });
        // One deadline for the whole attempt (a trickling answer resets the socket timeout, not this).
        return outcome.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(o -> {
                    if (o != null) {
                        return o;
                    }
                    exchange.cancel(true);
                    return new PushOutcome(PushOutcome.Status.RETRY, 0, new TimeoutException("no answer within "
                            + timeout.toMillis() + " ms").toString());
                });
    }

    /** A refused address is final (REJECTED); anything else that kept the request from an answer may pass (RETRY). */
    private static PushOutcome failure(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof PushAddressResolver.RefusedAddressException refused) {
                return new PushOutcome(PushOutcome.Status.REJECTED, 0, "refused endpoint: " + refused.getMessage());
            }
        }
        return new PushOutcome(PushOutcome.Status.RETRY, 0, e.toString());
    }

    @Override
    public void close() {
        http.close(CloseMode.GRACEFUL);
    }

    /** The response body as text, at most {@code limit} bytes of it kept. */
    private static final class BoundedText extends AbstractBinAsyncEntityConsumer<String> {
        private final ByteBuffer kept;

        BoundedText(int limit) {
            this.kept = ByteBuffer.allocate(limit);
        }

        @Override
        protected void streamStart(ContentType contentType) {
        }

        @Override
        protected int capacityIncrement() {
            return 64 * 1024;
        }

        @Override
        protected void data(ByteBuffer src, boolean endOfStream) {
            int n = Math.min(src.remaining(), kept.remaining());
            ByteBuffer slice = src.slice();
            slice.limit(n);
            kept.put(slice);
            src.position(src.limit()); // the rest is dropped
        }

        @Override
        protected String generateContent() {
            return new String(kept.array(), 0, kept.position(), StandardCharsets.UTF_8);
        }

        @Override
        public void releaseResources() {
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
