package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;

/**
 * Uploads and downloads straight to and from the real S3 endpoint (s3proxy) with the edge's presigned URLs: a single
 * PUT, a multipart upload resumed after only part of it went up, Range reads (progressive download), completion
 * checks, size and quota limits, access, and URLs that were tampered with or have expired.
 */
@ExtendWith(LocalStackExtension.class)
class MediaTransfersIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String edge;
    private static long partBytes;

    @BeforeAll
    static void start() {
        Settings settings = Settings.load();
        edge = "http://" + settings.host() + ":" + settings.edgePort(0);
        partBytes = settings.getLong("media.part-bytes");
    }

    private static HttpResponse<String> post(ParleyClient.Device d, String path, JsonObject body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(edge + path)).header("Authorization", "Bearer " + d.token())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject ok(HttpResponse<String> res, int status) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        return new JsonObject(res.body());
    }

    private static int put(String url, byte[] bytes, int from, int to) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes, from, to - from)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<byte[]> get(String url, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (range != null) {
            b.header("Range", range);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aSinglePutUploadIsCompletedAndReadByRangeAndTheWholeObject() throws Exception {
        ParleyClient.Device alice = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        byte[] photo = random(300_000, 1);
        JsonObject upload = ok(post(alice, "/v1/uploads", new JsonObject().put("bytes", photo.length)
                .put("contentType", "image/jpeg")), 201);
        assertThat(upload.containsKey("parts")).isFalse();
        assertThat(upload.getString("key")).startsWith("media/" + alice.userId() + "/");

        // Completing before the bytes are there is refused: nothing to serve yet.
        JsonObject early = ok(post(alice, "/v1/uploads/" + upload.getString("uploadId") + "/complete", new JsonObject()), 409);
        assertThat(early.getString("error")).isEqualTo("UPLOAD_INCOMPLETE");

        assertThat(put(upload.getString("url"), photo, 0, photo.length)).isEqualTo(200);
        JsonObject done = ok(post(alice, "/v1/uploads/" + upload.getString("uploadId") + "/complete", new JsonObject()), 200);
        assertThat(done.getLong("bytes")).isEqualTo(photo.length);

        JsonObject download = ok(post(alice, "/v1/downloads", new JsonObject().put("key", upload.getString("key"))), 200);
        assertThat(download.getLong("bytes")).isEqualTo(photo.length);
        assertThat(download.getString("contentType")).isEqualTo("image/jpeg");
        HttpResponse<byte[]> middle = get(download.getString("url"), "bytes=100000-100999");
        assertThat(middle.statusCode()).isEqualTo(206);
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(photo, 100_000, 101_000));
        assertThat(get(download.getString("url"), null).body()).isEqualTo(photo);
    }

    @Test
    void aMultipartUploadResumesWithWhatS3AlreadyHoldsAndAVideoPlaysFromItsMiddle() throws Exception {
        ParleyClient.Device bob = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        int size = (int) (2 * partBytes + 12_345);
        byte[] video = random(size, 2);
        JsonObject upload = ok(post(bob, "/v1/uploads", new JsonObject().put("bytes", size)
                .put("contentType", "video/mp4")), 201);
        String id = upload.getString("uploadId");
        JsonArray parts = upload.getJsonArray("parts");
        assertThat(parts).hasSize(3);
        assertThat(parts.getJsonObject(2).getLong("size")).isEqualTo(12_345L);

        // The connection breaks after the first part: the client asks what went up and gets fresh URLs for the rest.
        assertThat(put(parts.getJsonObject(0).getString("url"), video, 0, (int) partBytes)).isEqualTo(200);
        JsonObject incomplete = ok(post(bob, "/v1/uploads/" + id + "/complete", new JsonObject()), 409);
        assertThat(incomplete.getString("message")).contains("part 2 of 3 is missing");
        HttpResponse<String> statusRes = HTTP.send(HttpRequest.newBuilder(URI.create(edge + "/v1/uploads/" + id))
                .header("Authorization", "Bearer " + bob.token()).build(), HttpResponse.BodyHandlers.ofString());
        JsonObject status = ok(statusRes, 200);
        assertThat(status.getJsonArray("uploaded")).extracting(o -> ((JsonObject) o).getInteger("partNumber")).containsExactly(1);
        JsonArray rest = status.getJsonArray("parts");
        assertThat(rest).extracting(o -> ((JsonObject) o).getInteger("partNumber")).containsExactly(2, 3);
        assertThat(put(rest.getJsonObject(0).getString("url"), video, (int) partBytes, (int) (2 * partBytes))).isEqualTo(200);
        assertThat(put(rest.getJsonObject(1).getString("url"), video, (int) (2 * partBytes), size)).isEqualTo(200);

        ok(post(bob, "/v1/uploads/" + id + "/complete", new JsonObject()), 200);
        // Idempotent: a client that lost the answer completes again.
        ok(post(bob, "/v1/uploads/" + id + "/complete", new JsonObject()), 200);

        JsonObject download = ok(post(bob, "/v1/downloads", new JsonObject().put("key", upload.getString("key"))), 200);
        int from = (int) partBytes - 1_000; // across the boundary of parts 1 and 2
        HttpResponse<byte[]> range = get(download.getString("url"), "bytes=" + from + "-" + (from + 1_999));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(video, from, from + 2_000));
        assertThat(get(download.getString("url"), null).body()).isEqualTo(video);
    }

    @Test
    void sizeQuotaAccessTamperingAndExpiryAreRefusedPrecisely() throws Exception {
        ParleyClient.Device carol = ParleyClient.register(edge, user("carol"), CodeOutbox::latest);
        ParleyClient.Device mallory = ParleyClient.register(edge, user("mallory"), CodeOutbox::latest);
        Settings s = Settings.load();

        JsonObject tooBig = ok(post(carol, "/v1/uploads", new JsonObject()
                .put("bytes", s.getLong("media.max-upload-bytes") + 1)), 413);
        assertThat(tooBig.getString("error")).isEqualTo("PAYLOAD_TOO_LARGE");
        ok(post(carol, "/v1/uploads", new JsonObject().put("bytes", 10).put("kind", "sticker")), 400);

        // The quota counts what was started: documents up to it, then one byte more is refused.
        long quota = s.getLong("media.quota-bytes");
        long maxDocument = s.getLong("media.max-document-bytes");
        long held = 0;
        while (held + maxDocument <= quota) {
            ok(post(carol, "/v1/uploads", new JsonObject().put("bytes", maxDocument).put("kind", "document")), 201);
            held += maxDocument;
        }
        long left = quota - held;
        if (left > 0) {
            ok(post(carol, "/v1/uploads", new JsonObject().put("bytes", left).put("kind", "document")), 201);
        }
        JsonObject over = ok(post(carol, "/v1/uploads", new JsonObject().put("bytes", 1)), 413);
        assertThat(over.getString("error")).isEqualTo("QUOTA_EXCEEDED");

        // Mallory shares no conversation with the uploader: no URL for her.
        ParleyClient.Device dave = ParleyClient.register(edge, user("dave"), CodeOutbox::latest);
        byte[] doc = random(5_000, 3);
        JsonObject upload = ok(post(dave, "/v1/uploads", new JsonObject().put("bytes", doc.length)), 201);
        assertThat(put(upload.getString("url"), doc, 0, doc.length)).isEqualTo(200);
        ok(post(dave, "/v1/uploads/" + upload.getString("uploadId") + "/complete", new JsonObject()), 200);
        JsonObject refused = ok(post(mallory, "/v1/downloads", new JsonObject().put("key", upload.getString("key"))), 403);
        assertThat(refused.getString("error")).isEqualTo("NOT_A_MEMBER");
        JsonObject unknown = ok(HTTP.send(HttpRequest.newBuilder(URI.create(edge + "/v1/uploads/"
                + upload.getString("uploadId"))).header("Authorization", "Bearer " + mallory.token()).build(),
                HttpResponse.BodyHandlers.ofString()), 404);
        assertThat(unknown.getString("error")).isEqualTo("UPLOAD_UNKNOWN");

        // A URL whose signature was changed, or whose time ran out, opens nothing.
        JsonObject shortLived = ok(post(dave, "/v1/downloads", new JsonObject().put("key", upload.getString("key"))
                .put("expiresInSeconds", 1)), 200);
        String url = shortLived.getString("url");
        int sig = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        String tampered = url.substring(0, sig) + (url.charAt(sig) == 'a' ? 'b' : 'a') + url.substring(sig + 1);
        assertThat(get(tampered, null).statusCode()).isEqualTo(403);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                .until(() -> get(url, null).statusCode(), status -> status == 403);
        JsonObject fresh = ok(post(dave, "/v1/downloads", new JsonObject().put("key", upload.getString("key"))), 200);
        assertThat(get(fresh.getString("url"), null).body()).isEqualTo(doc);
    }
}
