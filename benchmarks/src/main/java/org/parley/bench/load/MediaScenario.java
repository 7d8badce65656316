package org.parley.bench.load;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Media messages (docs/media.md): operation n is a one-to-one message with an attachment. The sender uploads
 * {@code bytes} through the presigned flow ({@code POST /v1/uploads}, a {@code PUT} straight to S3,
 * {@code POST .../complete}), then sends the message with its {@code mediaObjectId}; each device that displays it asks
 * for a download ({@code POST /v1/downloads}) and reads the whole object from S3. Figures: {@code media.upload}
 * (operation due → upload complete, so a slow S3 shows), {@code media.delivered} (the send, after the upload →
 * displayed: comparable with one-to-one), {@code media.download} (display → last byte read) and, with media in the
 * mix, {@code messages.delivered} (every message scenario's deliveries together: the mix's figure).
 * The bytes are random (an encrypted attachment looks random); the SDK's encryption is not part of this load.
 */
public final class MediaScenario implements Scenario {
    /** The seed's average media message. */
    public static final int DEFAULT_BYTES = 500_000;
    /** {@code --media-share} given without a value. */
    public static final double DEFAULT_SHARE = 0.10;
    private static final String TYPE = "image/jpeg";

    private final int bytes;
    private volatile String edgeBase;
    private final Buffer body;
    private volatile HttpClient http;

    public MediaScenario(int bytes) {
        if (bytes < 1 || bytes > 100 * 1024 * 1024) {
            throw new IllegalArgumentException("--media-bytes 1..104857600 (one PUT up to media.part-bytes, else multipart"
                    + " which this scenario does not do)");
        }
        this.bytes = bytes;
        byte[] b = new byte[bytes];
        new Random(7).nextBytes(b);
        this.body = Buffer.buffer(b);
    }

    @Override
    public String name() {
        return "media";
    }

    /**
     * The mix {@code spec} with {@code media} taking {@code share} of it and the other scenarios the rest in their
     * proportions: {@code withShare("one-to-one=1", 0.1)} is {@code one-to-one=0.9,media=0.1}.
     */
    public static String withShare(String spec, double share) {
        if (!(share > 0) || !(share < 1)) {
            throw new IllegalArgumentException("--media-share must be in (0, 1): " + share);
        }
        Map<String, Double> w = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String name = eq < 0 ? p : p.substring(0, eq).trim();
            if (name.equals("media")) {
                throw new IllegalArgumentException("--media-share and a media weight in --mix: give one of them");
            }
            w.put(name, eq < 0 ? 1.0 : Double.parseDouble(p.substring(eq + 1).trim()));
        }
        double sum = w.values().stream().mapToDouble(Double::doubleValue).sum();
        if (!(sum > 0)) {
            throw new IllegalArgumentException("--mix needs at least one scenario with a weight > 0");
        }
        StringBuilder out = new StringBuilder();
        w.forEach((name, weight) -> out.append(name).append('=').append(weight / sum * (1 - share)).append(','));
        return out.append("media=").append(share).toString();
    }

    @Override
    public void prepare(LoadRun run) {
        if (run.sharedUsers() < 2) {
            throw new IllegalArgumentException("media needs at least 2 users besides the reserved ones");
        }
        edgeBase = run.edgeBase();
        if (http == null) {
            http = run.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(true),
                    new PoolOptions().setHttp1MaxSize(64));
        }
        run.mediaReceiver(this);
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        BenchDevice sender = run.sender(name(), n);
        if (sender == null) {
            return;
        }
        int toUser = run.partnerOf(sender.user);
        upload(sender.credentials.token()).onSuccess(key -> {
            long uploaded = System.nanoTime();
            run.stats("media.upload").record(dueNanos, uploaded, measured);
            run.count("media.uploaded");
            run.sendDirectWithMedia(name(), (int) n, sender, toUser, uploaded, measured, key, TYPE);
        }).onFailure(err -> {
            run.count("media.upload-failed");
            run.accounting().error("MEDIA_UPLOAD_FAILED");
            firstFailure(err);
        });
    }

    /** On the first display of a media message by device {@code d}: presign, then read the whole object. */
    void download(LoadRun run, BenchDevice d, JsonObject message, boolean measured) {
        long start = System.nanoTime();
        JsonObject ask = new JsonObject().put("key", message.getString("mediaObjectId"))
                .put("conversationId", message.getString("conversationId")).put("seq", message.getLong("seq"));
        api(HttpMethod.POST, "/v1/downloads", d.credentials.token(), ask, 200)
                .compose(answer -> call(HttpMethod.GET, answer.getString("url"), null, null, 200))
                .onSuccess(read -> {
                    if (read.length() != bytes) {
                        run.count("media.download-wrong-size");
                        return;
                    }
                    run.stats("media.download").record(start, System.nanoTime(), measured);
                    run.count("media.downloaded");
                })
                .onFailure(err -> {
                    run.count("media.download-failed");
                    run.accounting().error("MEDIA_DOWNLOAD_FAILED");
                    firstFailure(err);
                });
    }

    /** The presigned single-PUT upload; the object's key. */
    private Future<String> upload(String token) {
        return api(HttpMethod.POST, "/v1/uploads", token, new JsonObject().put("bytes", bytes).put("contentType", TYPE), 201)
                .compose(started -> {
                    if (started.getString("url") == null) {
                        return Future.failedFuture("a multipart plan for " + bytes + " bytes: lower --media-bytes");
                    }
                    return call(HttpMethod.PUT, started.getString("url"), null, body, 200)
                            .compose(v -> api(HttpMethod.POST, "/v1/uploads/" + started.getString("uploadId") + "/complete",
                                    token, new JsonObject(), 200))
                            .map(done -> started.getString("key"));
                });
    }

    private Future<JsonObject> api(HttpMethod method, String path, String token, JsonObject json, int expected) {
        return call(method, edgeBase + path, token, json.toBuffer(), expected).map(Buffer::toJsonObject);
    }

    private Future<Buffer> call(HttpMethod method, String url, String token, Buffer payload, int expected) {
        RequestOptions o = new RequestOptions().setMethod(method).setAbsoluteURI(url);
        return http.request(o).compose(req -> {
            if (token != null) {
                req.putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json");
            }
            return payload == null ? req.send() : req.send(payload);
        }).compose(res -> res.body().compose(b -> res.statusCode() == expected ? Future.succeededFuture(b)
                : Future.failedFuture(res.statusCode() + " " + method + " " + url.replaceAll("\\?.*", "") + ": "
                        + b.toString().substring(0, Math.min(200, b.length())))));
    }

    private final java.util.concurrent.atomic.AtomicBoolean failureLogged = new java.util.concurrent.atomic.AtomicBoolean();

    /** The first failure of the run in the log (the counters say how many there were). */
    private void firstFailure(Throwable err) {
        if (failureLogged.compareAndSet(false, true)) {
            LoadBench.log("media: first failure: %s", err.getMessage());
        }
    }

    @Override
    public void finish(LoadRun run) {
        HttpClient h = http;
        if (h != null) {
            h.close();
            http = null;
        }
    }
}
