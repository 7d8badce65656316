package org.parley.edge.identity;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;

/**
 * The production sender ({@code identity.sender=http}): POSTs each code as JSON to a configured endpoint (an SMS or
 * e-mail gateway, or a small relay in front of one):
 * {@code {"channel": "sms"|"email", "to": "+14155550100", "code": "123456", "expiresInSeconds": 600, "text": "..."}},
 * with the configured {@code Authorization} header if any. Any 2xx answer means the gateway took the message;
 * anything else, or no answer within the timeout, fails the send (the client gets 503 and may ask again).
 */
public class HttpCodeSender implements CodeSender {
    private final Vertx vertx;
    private final HttpClient client;
    private final URI url;
    private final String authorization;
    private final long timeoutMs;

    public HttpCodeSender(Vertx vertx, URI url, String authorization, long timeoutMs) {
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("identity.http-sender.url must be an http(s) URL, not " + url);
        }
        this.vertx = vertx;
        this.url = url;
        this.authorization = authorization == null || authorization.isBlank() ? null : authorization;
        this.timeoutMs = timeoutMs;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)));
    }

    @Override
    public Future<Void> send(Identifier to, String code, Duration validFor) {
        // The request and its response must be handled on one Vert.x context: called from a plain thread, the
        // response could end on the event loop before its body handler was set here, and the send would never end.
        if (Vertx.currentContext() != null) {
            return post(to, code, validFor);
        }
        Promise<Void> done = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> post(to, code, validFor).onComplete(done));
        return done.future();
    }

    private Future<Void> post(Identifier to, String code, Duration validFor) {
        boolean tls = "https".equals(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost()).setPort(port)
                .setSsl(tls).setURI(path).setIdleTimeout(timeoutMs).putHeader("Content-Type", "application/json");
        if (authorization != null) {
            options.putHeader("Authorization", authorization);
        }
        long minutes = Math.max(1, validFor.toMinutes());
        JsonObject body = new JsonObject()
                .put("channel", to.kind() == Identifier.Kind.PHONE ? "sms" : "email")
                .put("to", to.value())
                .put("code", code)
                .put("expiresInSeconds", validFor.toSeconds())
                .put("text", "Your Parley code is " + code + ". It expires in " + minutes + " minute"
                        + (minutes == 1 ? "" : "s") + ". Never share it with anyone.");
        return client.request(options)
                .compose(req -> req.send(body.toBuffer()))
                .compose(res -> res.body().compose(b -> res.statusCode() / 100 == 2 ? Future.<Void>succeededFuture()
                        : Future.failedFuture("code gateway answered HTTP " + res.statusCode())));
    }

    @Override
    public String describe() {
        return "http (" + url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "")
                + url.getPath() + ")";
    }
}
