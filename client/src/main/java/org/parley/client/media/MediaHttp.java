package org.parley.client.media;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.parley.client.ParleyClient;

/**
 * The presigned upload and download API of the edge (docs/protocol.md, "Uploads and downloads straight to S3") from a
 * device: start an upload, {@code PUT} its bytes (one request, or each part of a multipart upload, retried a few times
 * when a connection breaks, and resumed from what S3 holds), complete it; presign a download and read it whole or by
 * HTTP Range. The bytes go between the device and S3; the edge only hands out URLs.
 */
public final class MediaHttp {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final Duration API_TIMEOUT = Duration.ofSeconds(30);
    private static final int PUT_ATTEMPTS = 3;

    private final String httpBase;
    private final ParleyClient.Device device;
    private final Duration transferTimeout;

    public MediaHttp(String httpBase, ParleyClient.Device device, Duration transferTimeout) {
        this.httpBase = httpBase;
        this.device = device;
        this.transferTimeout = transferTimeout;
    }

    /** Uploads {@code object} ({@code kind}: media or document) and returns its key once the edge completed it. */
    public String upload(byte[] object, String kind) throws IOException, InterruptedException {
        JsonObject started = api("POST", "/v1/uploads", new JsonObject().put("bytes", object.length).put("kind", kind)
                .put("contentType", "application/octet-stream"), 201);
        String uploadId = started.getString("uploadId");
        if (started.containsKey("url")) {
            put(started.getString("url"), object, 0, object.length);
        } else {
            putParts(uploadId, started, object);
        }
        return api("POST", "/v1/uploads/" + uploadId + "/complete", new JsonObject(), 200).getString("key");
    }

    /**
     * Sends the parts S3 does not hold yet: each {@code PUT} is retried on a broken connection, and if parts are still
     * missing the edge is asked which ({@code GET /v1/uploads/{id}}, fresh URLs) before giving up.
     */
    private void putParts(String uploadId, JsonObject plan, byte[] object) throws IOException, InterruptedException {
        long partBytes = plan.getLong("partBytes");
        for (int round = 1; ; round++) {
            Set<Integer> failed = new HashSet<>();
            for (Object p : plan.getJsonArray("parts", new JsonArray())) {
                JsonObject part = (JsonObject) p;
                int n = part.getInteger("partNumber");
                int from = Math.toIntExact((n - 1) * partBytes);
                try {
                    put(part.getString("url"), object, from, from + part.getInteger("size"));
                } catch (IOException e) {
                    failed.add(n);
                }
            }
            if (failed.isEmpty()) {
                return;
            }
            if (round >= PUT_ATTEMPTS) {
                throw new IOException("upload " + uploadId + ": parts " + failed + " could not be sent");
            }
            plan = api("GET", "/v1/uploads/" + uploadId, null, 200); // what arrived, and fresh URLs for the rest
        }
    }

    private void put(String url, byte[] bytes, int from, int to) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= PUT_ATTEMPTS; attempt++) {
            HttpResponse<String> res;
            try {
                res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(transferTimeout)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes, from, to - from)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException broken) {
                last = broken; // the connection broke: send the same bytes again
                continue;
            }
            if (res.statusCode() == 200) {
                return;
            }
            IOException refused = new IOException("PUT to S3 failed: HTTP " + res.statusCode() + " " + res.body());
            if (res.statusCode() < 500) {
                throw refused; // an expired or altered URL: sending again gets the same answer
            }
            last = refused;
        }
        throw last;
    }

    /** A presigned download URL of {@code key}, shown in {@code conversationId} at {@code seq} (both optional). */
    public String downloadUrl(String key, String conversationId, Long seq) throws IOException, InterruptedException {
        JsonObject body = new JsonObject().put("key", key);
        if (conversationId != null) {
            body.put("conversationId", conversationId);
        }
        if (seq != null) {
            body.put("seq", seq);
        }
        long deadline = System.nanoTime() + API_TIMEOUT.toNanos();
        while (true) {
            HttpResponse<String> res = call("POST", "/v1/downloads", body);
            if (res.statusCode() == 200) {
                return new JsonObject(res.body()).getString("url");
            }
            // 503: the edge's read model has not reached the message yet (retry, as its Retry-After says).
            if (res.statusCode() != 503 || System.nanoTime() > deadline) {
                throw new IOException("POST /v1/downloads failed: HTTP " + res.statusCode() + " " + res.body());
            }
            Thread.sleep(res.headers().firstValue("Retry-After").map(s -> Long.parseLong(s) * 1000).orElse(1000L));
        }
    }

    /** The whole object. */
    public byte[] get(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(transferTimeout).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IOException("GET from S3 failed: HTTP " + res.statusCode());
        }
        return res.body();
    }

    /** The object as a stream, read as it arrives. */
    public InputStream stream(String url) throws IOException, InterruptedException {
        HttpResponse<InputStream> res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(transferTimeout)
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        if (res.statusCode() != 200) {
            res.body().close();
            throw new IOException("GET from S3 failed: HTTP " + res.statusCode());
        }
        return res.body();
    }

    /** Bytes {@code from}..{@code to} (inclusive) of the object: HTTP Range, answered 206. */
    public byte[] range(String url, long from, long to) throws IOException, InterruptedException {
        HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(transferTimeout)
                .header("Range", "bytes=" + from + "-" + to).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 206) {
            throw new IOException("ranged GET from S3 failed: HTTP " + res.statusCode() + " (expected 206)");
        }
        return res.body();
    }

    private JsonObject api(String method, String path, JsonObject body, int expected)
            throws IOException, InterruptedException {
        HttpResponse<String> res = call(method, path, body);
        if (res.statusCode() != expected) {
            throw new IOException(method + " " + path + " failed: HTTP " + res.statusCode() + " " + res.body());
        }
        return new JsonObject(res.body());
    }

    private HttpResponse<String> call(String method, String path, JsonObject body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(httpBase + path)).timeout(API_TIMEOUT)
                .header("Authorization", "Bearer " + device.token());
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
