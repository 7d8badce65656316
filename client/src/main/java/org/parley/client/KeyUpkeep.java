package org.parley.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.PreKeyUpkeep;

/**
 * Keeps a device's keys in the directory stocked and fresh (docs/e2e.md, "Key upkeep"): on every {@code keysLow} frame
 * (a fetch left the device below the server's {@code keys.low-threshold}, or it connected while below) it reads the
 * stock ({@code GET /v1/keys}) and uploads new one-time prekeys up to {@link Policy#targetOneTimePreKeys}
 * ({@code PUT /v1/keys}, the signatures checked by the server as on every upload); and when the signed prekey is
 * {@link Policy#rotateAfter} old, it rotates the signed prekey and the last-resort Kyber prekey and deletes those two
 * rotations back. The work runs on one daemon thread shared by all devices of the JVM, never on the connection's
 * event loop; checks of one device never overlap. {@link SecureMessenger} starts one for its device.
 */
public final class KeyUpkeep {
    /**
     * @param targetOneTimePreKeys the stock a refill tops up to (above the server's low threshold, 10 by default;
     *                             at most its {@code keys.max-one-time-prekeys}, 200)
     * @param maxPerUpload         one-time prekeys per {@code PUT /v1/keys} (the server's
     *                             {@code keys.max-one-time-prekeys-per-request}, 100)
     * @param rotateAfter          the signed and last-resort prekeys' age at which a check rotates them
     */
    public record Policy(int targetOneTimePreKeys, int maxPerUpload, Duration rotateAfter) {
        public Policy {
            if (targetOneTimePreKeys < 1 || maxPerUpload < 1 || rotateAfter.isNegative() || rotateAfter.isZero()) {
                throw new IllegalArgumentException("a target, an upload size and a rotation age above 0");
            }
        }

        /** 100 one-time prekeys, uploads of 100, rotation weekly (Signal rotates its signed prekey every 2 days to weeks). */
        public static Policy defaults() {
            return new Policy(100, 100, Duration.ofDays(7));
        }
    }

    /** What one check did: the directory's stock before, the one-time prekeys uploaded, whether it rotated. */
    public record Result(int stockBefore, int uploaded, boolean rotated, int pruned) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "parley-key-upkeep");
        t.setDaemon(true);
        return t;
    });

    private final String httpBase;
    private final ParleyClient.Device device;
    private final PreKeyUpkeep keys;
    private final Policy policy;
    private final Clock clock;
    private final AtomicInteger uploads = new AtomicInteger();
    private volatile Exception lastFailure;

    public KeyUpkeep(String httpBase, ParleyClient.Device device, DeviceStore store, Policy policy, Clock clock) {
        this.httpBase = httpBase;
        this.device = device;
        this.keys = new PreKeyUpkeep(store);
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * Answers the connection's {@code keysLow} frames from now on (a check each, on the upkeep thread), and one the
     * edge sent on connect, before this watcher existed.
     */
    public KeyUpkeep watch(ParleyClient client) {
        client.watchFrames(frame -> {
            if ("keysLow".equals(frame.getString("type"))) {
                WORKER.execute(this::checkQuietly);
            }
        });
        if (!client.frames("keysLow").isEmpty()) {
            WORKER.execute(this::checkQuietly);
        }
        return this;
    }

    /** Refill uploads done so far (one per check that found the stock below the target). */
    public int refills() {
        return uploads.get();
    }

    /** The failure of the last check that failed (null if none did): the next {@code keysLow} tries again. */
    public Exception lastFailure() {
        return lastFailure;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (IOException | RuntimeException e) {
            lastFailure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One check, now, on the caller's thread (an application may call it, say, daily; {@code keysLow} frames call it
     * on the upkeep thread): rotates if due, then refills if the stock is below the target. A device that never
     * published keys is left alone ({@link SecureMessenger#publishKeys} does the first upload).
     */
    public synchronized Result check() throws IOException, InterruptedException {
        HttpResponse<String> status = http("GET", null);
        if (status.statusCode() != 200) {
            throw new IOException("GET /v1/keys failed: HTTP " + status.statusCode() + " " + status.body());
        }
        JsonObject stock = new JsonObject(status.body());
        if (stock.getValue("signedPreKeyId") == null) {
            return new Result(0, 0, false, 0);
        }
        int before = stock.getInteger("oneTimePreKeys", 0);
        boolean rotated = false;
        int pruned = 0;
        if (keys.rotationDue(policy.rotateAfter(), clock.instant())) {
            put(keys.rotate(clock.instant()));
            rotated = true;
            pruned = keys.pruneRetired(2);
        }
        int count = PreKeyUpkeep.refillCount(before, policy.targetOneTimePreKeys(), policy.maxPerUpload());
        if (count > 0) {
            put(keys.refill(count));
            uploads.incrementAndGet();
        }
        return new Result(before, count, rotated, pruned);
    }

    private void put(JsonObject upload) throws IOException, InterruptedException {
        HttpResponse<String> res = http("PUT", upload);
        if (res.statusCode() != 200) {
            throw new IOException("PUT /v1/keys failed: HTTP " + res.statusCode() + " " + res.body());
        }
    }

    private HttpResponse<String> http(String method, JsonObject body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(httpBase + "/v1/keys")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + device.token());
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
