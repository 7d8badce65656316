package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.client.media.AttachmentDescriptor;
import org.parley.client.media.Attachments;
import org.parley.client.media.MediaFile;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.media.CqlMediaLifecycleStore;
import org.parley.projections.media.MediaSweepRules;
import org.parley.projections.media.MediaSweeper;
import org.parley.projections.media.S3SweptObjects;
import org.parley.schemas.CodeOutbox;

/**
 * The media objects' lifecycle against the real stack (edge, Kafka, sequencer, fan-out, projection writer, CQL,
 * s3proxy): the projection writer records each attachment reference and its release from the log; the media sweeper
 * (the class the projection writer runs on its timer, here called with explicit thresholds and only over this test's
 * users, since the stack's own sweeper waits days) keeps an object while a forward still references it, removes it once
 * every reference was deleted for everyone and the retention passed, removes orphan uploads, aborts a multipart upload
 * never completed and frees the quota; a download of a removed object answers 410 MEDIA_GONE.
 */
class MediaLifecycleIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @RegisterExtension
    static final SecureDeviceSessions DEVICES = new SecureDeviceSessions(STACK, WAIT);

    private static CqlSession cql;
    private static CqlMediaLifecycleStore store;
    private static S3SweptObjects bucket;
    private static final okhttp3.OkHttpClient S3_HTTP = new okhttp3.OkHttpClient();
    private static io.minio.MinioAsyncClient s3;
    private static String bucketName;

    @BeforeAll
    static void open() {
        cql = CqlSessionFactory.open(STACK.settings(), true);
        store = new CqlMediaLifecycleStore(cql);
        bucket = new S3SweptObjects(STACK.settings());
        bucketName = STACK.settings().get("s3.media-bucket");
        s3 = io.minio.MinioAsyncClient.builder().endpoint(STACK.s3Endpoint()).region("us-east-1")
                .credentials(STACK.settings().get("s3.access-key"), STACK.settings().get("s3.secret-key"))
                .httpClient(S3_HTTP).build();
    }

    @AfterAll
    static void close() {
        bucket.close();
        S3_HTTP.dispatcher().executorService().shutdown();
        S3_HTTP.connectionPool().evictAll();
        cql.close();
    }

    private static MediaSweeper sweeper(Duration retention, Duration orphanTtl) {
        return new MediaSweeper(store, bucket, new MediaSweepRules(retention, orphanTtl), Clock.systemUTC());
    }

    /** Whether the bucket holds the key (a HEAD: NoSuchKey is false, any other failure fails the test). */
    private static boolean stored(String key) throws Exception {
        try {
            s3.statObject(io.minio.StatObjectArgs.builder().bucket(bucketName).object(key).build()).get();
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof io.minio.errors.ErrorResponseException r
                    && List.of("NoSuchKey", "NoSuchObject").contains(r.errorResponse().code())) {
                return false;
            }
            throw e;
        }
    }

    /** The parts S3 holds of a multipart upload; fails when S3 does not know the upload (aborted). */
    private static java.util.concurrent.CompletableFuture<Integer> parts(MediaSweepRules.Upload u) throws Exception {
        return s3.listPartsAsync(bucketName, "us-east-1", u.key(), 1000, 0, u.s3UploadId(),
                com.google.common.collect.HashMultimap.create(), com.google.common.collect.HashMultimap.create())
                .thenApply(r -> r.result().partList().size());
    }

    private static HttpResponse<String> post(ParleyClient.Device d, String path, JsonObject body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(DEVICES.edge() + path))
                .header("Authorization", "Bearer " + d.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> download(ParleyClient.Device d, String key, String conversationId)
            throws Exception {
        JsonObject body = new JsonObject().put("key", key);
        if (conversationId != null) {
            body.put("conversationId", conversationId);
        }
        return post(d, "/v1/downloads", body);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static JsonObject deleteForEveryone(SecureDevices.Connected who, String id, JsonObject sent) throws Exception {
        JsonObject deleted = who.client().actRetrying(new JsonObject().put("type", "delete").put("clientMessageId", id)
                .put("conversationId", sent.getString("conversationId")).put("targetSeq", sent.getLong("seq"))
                .put("scope", "everyone"), WAIT, 3);
        assertThat(deleted.getString("type")).as("%s", deleted).isEqualTo("sent");
        return deleted;
    }

    @Test
    void aForwardKeepsTheObjectAfterTheOriginalIsDeletedForEveryoneAndTheLastDeleteLetsTheRetentionRemoveIt()
            throws Exception {
        ParleyClient.Device a1 = ParleyClient.register(DEVICES.edge(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(DEVICES.edge(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c1 = ParleyClient.register(DEVICES.edge(), user("carol"), CodeOutbox::latest);
        SecureDevices.Connected alice = DEVICES.connect(a1, org.parley.client.crypto.DeviceKeys.generate(10, 0));
        SecureDevices.Connected bob = DEVICES.connect(b1, org.parley.client.crypto.DeviceKeys.generate(10, 0));
        DEVICES.connect(c1, org.parley.client.crypto.DeviceKeys.generate(10, 0));

        AttachmentDescriptor photo = new Attachments(DEVICES.edge(), a1)
                .upload(new MediaFile(random(150_000, 1), "image/jpeg", 400, 300, null, null, null));
        String key = photo.objectId();
        JsonObject sent = Attachments.send(alice.messenger(), b1.userId(), "img-1", photo, "look", WAIT);
        assertThat(sent.getString("type")).as("%s", sent).isEqualTo("sent");
        JsonObject atBob = bob.client().awaitFrame(f -> TestUsers.is(f, "message", "img-1"), WAIT);
        JsonObject forward = Attachments.forward(bob.messenger(), c1.userId(), "fwd-1", photo,
                atBob.getString("conversationId"), atBob.getLong("seq"), WAIT);
        assertThat(forward.getString("type")).as("%s", forward).isEqualTo("sent");

        // Alice deletes her message for everyone; the projection writer records the release from the log.
        deleteForEveryone(alice, "del-1", sent);
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.references(key))
                .extracting(MediaSweepRules.Reference::conversationId, r -> r.releasedAt() != null)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(sent.getString("conversationId"), true),
                        org.assertj.core.groups.Tuple.tuple(forward.getString("conversationId"), false)));

        // Carol's forward still references it: even with no retention at all, the object stays, and carol reads it.
        MediaSweeper.Report kept = sweeper(Duration.ZERO, Duration.ZERO).sweepUsers(List.of(a1.userId()));
        assertThat(kept.swept()).as("%s", kept).isZero();
        assertThat(stored(key)).isTrue();
        assertThat(download(c1, key, forward.getString("conversationId")).statusCode()).isEqualTo(200);

        // Bob deletes his forward for everyone too: no reference is left.
        deleteForEveryone(bob, "del-2", forward);
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.references(key))
                .allSatisfy(r -> assertThat(r.releasedAt()).isNotNull()).hasSize(2));
        // Within the retention it stays (here a day after the last delete) ...
        MediaSweeper.Report withinRetention = sweeper(Duration.ofDays(1), Duration.ZERO).sweepUsers(List.of(a1.userId()));
        assertThat(withinRetention.swept()).as("%s", withinRetention).isZero();
        assertThat(stored(key)).isTrue();
        // ... past it, it is removed from the bucket, once.
        MediaSweeper.Report swept = sweeper(Duration.ZERO, Duration.ZERO).sweepUsers(List.of(a1.userId()));
        assertThat(swept.sweptReleased()).as("%s", swept).isEqualTo(1);
        assertThat(swept.freedBytes()).isEqualTo(photo.encryptedBytes());
        assertThat(stored(key)).isFalse();
        assertThat(sweeper(Duration.ZERO, Duration.ZERO).sweepUsers(List.of(a1.userId())).scanned()).isZero();

        // The uploader's download now says the object is gone, when and why.
        HttpResponse<String> gone = download(a1, key, null);
        assertThat(gone.statusCode()).as(gone.body()).isEqualTo(410);
        JsonObject error = new JsonObject(gone.body());
        assertThat(error.getString("error")).isEqualTo("MEDIA_GONE");
        assertThat(error.getString("message")).contains("deleted for everyone");
    }

    @Test
    void orphanUploadsAreRemovedAfterTheirTtlAnOpenMultipartIsAbortedAndTheQuotaIsFreed() throws Exception {
        ParleyClient.Device dave = ParleyClient.register(DEVICES.edge(), user("dave"), CodeOutbox::latest);
        // A completed upload never sent.
        byte[] bytes = random(50_000, 2);
        JsonObject single = new JsonObject(post(dave, "/v1/uploads", new JsonObject().put("bytes", bytes.length)
                .put("contentType", "image/jpeg")).body());
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(single.getString("url")))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(200);
        assertThat(post(dave, "/v1/uploads/" + single.getString("uploadId") + "/complete", new JsonObject())
                .statusCode()).isEqualTo(200);
        String key = single.getString("key");
        assertThat(stored(key)).isTrue();
        // Two 2 GiB documents started and abandoned: they fill the quota (counted from the start).
        long big = STACK.settings().getLong("media.max-document-bytes");
        List<JsonObject> started = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> res = post(dave, "/v1/uploads", new JsonObject().put("bytes", big).put("kind", "document"));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
            started.add(new JsonObject(res.body()));
        }
        // The first one got a part up before it was abandoned.
        String firstPart = started.get(0).getJsonArray("parts").getJsonObject(0).getString("url");
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(firstPart))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(random(1024, 3))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        HttpResponse<String> full = post(dave, "/v1/uploads", new JsonObject().put("bytes", big).put("kind", "document"));
        assertThat(full.statusCode()).as(full.body()).isEqualTo(413);
        assertThat(new JsonObject(full.body()).getString("error")).isEqualTo("QUOTA_EXCEEDED");
        List<MediaSweepRules.Upload> open = store.uploadsOf(dave.userId()).stream()
                .filter(MediaSweepRules.Upload::multipartOpen).toList();
        assertThat(open).hasSize(2);
        MediaSweepRules.Upload withPart = open.stream()
                .filter(u -> u.uploadId().equals(started.get(0).getString("uploadId"))).findFirst().orElseThrow();
        assertThat(parts(withPart).get()).isEqualTo(1);

        // Within the orphan TTL nothing goes.
        MediaSweeper.Report early = sweeper(Duration.ZERO, Duration.ofHours(1)).sweepUsers(List.of(dave.userId()));
        assertThat(early.kept()).as("%s", early).isEqualTo(3);
        assertThat(stored(key)).isTrue();

        MediaSweeper.Report report = sweeper(Duration.ZERO, Duration.ZERO).sweepUsers(List.of(dave.userId()));
        assertThat(report.sweptOrphans()).as("%s", report).isEqualTo(3);
        assertThat(report.freedBytes()).isEqualTo(bytes.length + 2 * big);
        assertThat(stored(key)).isFalse();
        // The multipart upload was aborted: S3 holds none of its parts any more (or no longer knows the upload).
        assertThat(parts(withPart).handle((n, err) -> err != null || n == 0)).succeedsWithin(WAIT).isEqualTo(true);
        HttpResponse<String> gone = download(dave, key, null);
        assertThat(gone.statusCode()).as(gone.body()).isEqualTo(410);
        assertThat(new JsonObject(gone.body()).getString("message")).contains("no message referenced it");
        // The quota is free again.
        HttpResponse<String> again = post(dave, "/v1/uploads", new JsonObject().put("bytes", big).put("kind", "document"));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
    }
}
