package org.parley.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.parley.client.history.HistoryArchive;
import org.parley.client.history.HistoryArchiveException;
import org.parley.client.history.HistoryEntry;
import org.parley.client.history.MessageLog;

/**
 * History for a newly linked device (docs/e2e.md): the primary seals the messages it kept ({@link MessageLog}) into a
 * {@link HistoryArchive} under a fresh key, uploads the ciphertext to S3 with the presigned upload API
 * ({@code POST /v1/uploads}, {@code PUT}, {@code .../complete}; docs/media.md), and sends the object key, the archive
 * key and its SHA-256 in an end-to-end note to its own devices whose envelope for the new device alone carries them
 * (its other devices get a notice without the key). The new device opens that note, downloads the object
 * ({@code POST /v1/downloads}: any device of the uploader may), checks the digest, decrypts and keeps the messages.
 *
 * <p>The note's plaintext is {@link #PREFIX} followed by JSON: {@code {"v":1, "for": deviceId, "object", "key",
 * "digest", "bytes", "entries"}} (key and digest base64), or {@code {"v":1, "for": deviceId}} for the other devices.
 * The prefix starts with a NUL byte, which no text message starts with; {@link SecureMessenger} keeps no such note in
 * the history.
 */
public final class HistoryTransfer {
    /** What a history note's plaintext starts with. */
    public static final String PREFIX = "\u0000parley-history:1\n";
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.UTF_8);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(60);

    /**
     * A history note, opened. {@code key} and {@code digest} are null in the notice an other device gets
     * ({@link Pointer#isFor} false for it).
     */
    public record Pointer(String forDevice, String object, byte[] key, byte[] digest, long bytes, int entries) {
        public boolean isFor(String deviceId) {
            return forDevice.equals(deviceId) && key != null;
        }

        byte[] plaintext() {
            JsonObject json = new JsonObject().put("v", 1).put("for", forDevice);
            if (key != null) {
                json.put("object", object).put("key", Base64.getEncoder().encodeToString(key))
                        .put("digest", Base64.getEncoder().encodeToString(digest)).put("bytes", bytes)
                        .put("entries", entries);
            }
            return (PREFIX + json.encode()).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** What {@link #offer} did: the note's {@code sent} (or error), the object and the archive's size. */
    public record Offered(JsonObject answer, String object, int entries, long bytes) {
    }

    private HistoryTransfer() {
    }

    /** Whether a decrypted plaintext is a history note (not a message to show or keep). */
    public static boolean isControl(byte[] plaintext) {
        return plaintext.length >= PREFIX_BYTES.length
                && Arrays.equals(plaintext, 0, PREFIX_BYTES.length, PREFIX_BYTES, 0, PREFIX_BYTES.length);
    }

    /** The history note in a decrypted plaintext, or empty if it is none (or a malformed one). */
    public static Optional<Pointer> parse(byte[] plaintext) {
        if (!isControl(plaintext)) {
            return Optional.empty();
        }
        try {
            JsonObject json = new JsonObject(new String(plaintext, PREFIX_BYTES.length,
                    plaintext.length - PREFIX_BYTES.length, StandardCharsets.UTF_8));
            if (json.getInteger("v", 0) != 1 || json.getString("for") == null) {
                return Optional.empty();
            }
            if (json.getString("key") == null) {
                return Optional.of(new Pointer(json.getString("for"), null, null, null, 0, 0));
            }
            return Optional.of(new Pointer(json.getString("for"), json.getString("object"),
                    Base64.getDecoder().decode(json.getString("key")), Base64.getDecoder().decode(json.getString("digest")),
                    json.getLong("bytes"), json.getInteger("entries")));
        } catch (DecodeException | ClassCastException | IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
    }

    /**
     * The primary's side: seals what {@code messenger} kept ({@link SecureMessenger#keepHistory}), uploads it and sends
     * its key to {@code newDeviceId} only. The new device must have published its keys.
     */
    public static Offered offer(String httpBase, SecureMessenger messenger, ParleyClient.Device device,
                                String newDeviceId, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, SecureMessenger.IdentityChangedException {
        MessageLog log = messenger.history();
        if (log == null) {
            throw new IllegalStateException("this messenger keeps no history (keepHistory was not called)");
        }
        List<HistoryEntry> entries = log.entries();
        HistoryArchive.Sealed sealed = HistoryArchive.seal(entries);
        String object = upload(httpBase, device, sealed.ciphertext());
        Pointer forNew = new Pointer(newDeviceId, object, sealed.key(), sealed.digest(), sealed.ciphertext().length,
                sealed.entries());
        byte[] notice = new Pointer(newDeviceId, null, null, null, 0, 0).plaintext();
        JsonObject answer = messenger.sendToOwnDevices("history-" + UUID.randomUUID(),
                d -> d.equals(newDeviceId) ? forNew.plaintext() : notice, timeout);
        return new Offered(answer, object, entries.size(), sealed.ciphertext().length);
    }

    /**
     * The new device's side: downloads the archive a note names, checks its digest and decrypts it; the entries are
     * added to {@code into} if given. A changed object fails with {@link HistoryArchiveException.DigestMismatch}
     * before anything of it is read.
     */
    public static List<HistoryEntry> receive(String httpBase, ParleyClient.Device device, Pointer pointer,
                                             MessageLog into) throws IOException, InterruptedException,
            HistoryArchiveException {
        if (pointer.key() == null) {
            throw new IllegalArgumentException("a notice for another device carries no archive");
        }
        byte[] sealed = download(httpBase, device, pointer.object());
        List<HistoryEntry> entries = HistoryArchive.open(sealed, pointer.key(), pointer.digest());
        if (into != null) {
            entries.forEach(into::add);
        }
        return entries;
    }

    /** Uploads {@code bytes} as one object through the presigned upload API; returns its key. */
    static String upload(String httpBase, ParleyClient.Device device, byte[] bytes)
            throws IOException, InterruptedException {
        JsonObject upload = post(httpBase, device, "/v1/uploads", new JsonObject().put("bytes", bytes.length)
                .put("kind", "document").put("contentType", "application/octet-stream"), 201);
        if (upload.getString("url") != null) {
            put(upload.getString("url"), bytes, 0, bytes.length);
        } else {
            long offset = 0;
            for (Object o : upload.getJsonArray("parts", new JsonArray())) {
                JsonObject part = (JsonObject) o;
                int size = part.getInteger("size");
                put(part.getString("url"), bytes, (int) offset, size);
                offset += size;
            }
        }
        post(httpBase, device, "/v1/uploads/" + upload.getString("uploadId") + "/complete", new JsonObject(), 200);
        return upload.getString("key");
    }

    /** The object's bytes, through a presigned download. */
    static byte[] download(String httpBase, ParleyClient.Device device, String object)
            throws IOException, InterruptedException {
        JsonObject grant = post(httpBase, device, "/v1/downloads", new JsonObject().put("key", object), 200);
        HttpResponse<byte[]> res = HTTP.send(HttpRequest.newBuilder(URI.create(grant.getString("url")))
                .timeout(HTTP_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IOException("downloading " + object + " failed: HTTP " + res.statusCode());
        }
        return res.body();
    }

    private static void put(String url, byte[] bytes, int from, int length) throws IOException, InterruptedException {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(HTTP_TIMEOUT)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes, from, length)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("uploading to S3 failed: HTTP " + res.statusCode() + " " + res.body());
        }
    }

    private static JsonObject post(String httpBase, ParleyClient.Device device, String path, JsonObject body,
                                   int expected) throws IOException, InterruptedException {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + path)).timeout(HTTP_TIMEOUT)
                .header("Authorization", "Bearer " + device.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != expected) {
            throw new IOException("POST " + path + " failed: HTTP " + res.statusCode() + " " + res.body());
        }
        return new JsonObject(res.body());
    }
}
