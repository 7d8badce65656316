package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceAddress;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.Envelope;
import org.parley.client.crypto.KeyBundle;
import org.parley.client.crypto.PairwiseCipher;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;

/**
 * The load tool's {@code --e2e} mode (docs/e2e.md, "Load with --e2e"): every simulated device has real libsignal keys
 * published in the key directory ({@code PUT /v1/keys}) and sessions started from the bundles the directory serves
 * ({@code GET /v1/keys/{user}}), so one-to-one sends carry real per-device envelopes (PQXDH PreKey messages first,
 * then Double Ratchet messages) and every receiving device decrypts its own. Keys are made once per device at set-up;
 * stores are libsignal's in-memory ones (the SDK's file store would add an fsync per ratchet step, measured apart by
 * {@code --scenario e2e-cost}).
 *
 * <p>A user's identity key pair is kept in a file beside the device cache ({@code <devices-file>.e2e-keys}), because
 * the directory refuses a device's second identity: a later run rotates the signed and last-resort prekeys under the
 * same identity and registration id, and waits until the directory serves the new ones before starting sessions.
 */
public final class E2eCrypto {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** One device's crypto: its store and cipher; used by the pacer (encrypt) and its event loop (decrypt). */
    private static final class DeviceCrypto {
        final DeviceAddress address;
        final DeviceKeys keys;
        final InMemorySignalProtocolStore store;
        final PairwiseCipher cipher;

        DeviceCrypto(DeviceAddress address, DeviceKeys keys) {
            this.address = address;
            this.keys = keys;
            this.store = new InMemorySignalProtocolStore(keys.identity(), keys.registrationId());
            store.storeSignedPreKey(keys.signedPreKey().getId(), keys.signedPreKey());
            store.storeKyberPreKey(keys.kyberLastResort().getId(), keys.kyberLastResort());
            for (PreKeyRecord r : keys.oneTimePreKeys()) {
                store.storePreKey(r.getId(), r);
            }
            for (KyberPreKeyRecord r : keys.oneTimeKyberPreKeys()) {
                store.storeKyberPreKey(r.getId(), r);
            }
            this.cipher = new PairwiseCipher(store);
        }
    }

    private final List<BenchDevice> devices;
    private final DeviceCrypto[] crypto;
    private final byte[] payload;
    private final JsonObject setUp = new JsonObject();
    private final LongAdder[] envelopes = {new LongAdder(), new LongAdder()}; // prekey, message
    private final LongAdder[] envelopeBytes = {new LongAdder(), new LongAdder()};
    private final long[] envelopeMax = new long[2];
    private final LongAdder encryptNanos = new LongAdder();
    private final LongAdder encryptedMessages = new LongAdder();
    private final LongAdder decryptNanos = new LongAdder();
    private final LongAdder decrypted = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder wrongContent = new LongAdder();
    private final LongAdder frameChars = new LongAdder();
    private volatile String firstFailure;

    private E2eCrypto(List<BenchDevice> devices, byte[] payload) {
        this.devices = devices;
        this.crypto = new DeviceCrypto[devices.size()];
        this.payload = payload.clone();
    }

    /**
     * Makes and publishes every device's keys and starts each device's sessions with the devices it sends to (its
     * one-to-one partner's and its own other ones, {@code partnerOf}). {@code keyCache}: the users' identities.
     */
    public static E2eCrypto setUp(String edgeBase, List<BenchDevice> devices, IntUnaryOperator partnerOf,
                                  Map<Integer, int[]> devicesOfUser, byte[] payload, Path keyCache, int threads,
                                  Consumer<String> progress) throws Exception {
        E2eCrypto e = new E2eCrypto(devices, payload);
        Map<String, String[]> identities = readKeyCache(keyCache);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            // 1. Keys: a user's identity (kept across runs), each device's own prekeys and registration id.
            long t0 = System.nanoTime();
            Map<Integer, IdentityKeyPair> userIdentity = new HashMap<>();
            for (BenchDevice d : devices) {
                String[] known = identities.get(d.credentials.deviceId());
                IdentityKeyPair id = userIdentity.get(d.user);
                if (known != null) {
                    id = new IdentityKeyPair(Base64.getDecoder().decode(known[0]));
                } else if (id == null) {
                    id = IdentityKeyPair.generate();
                }
                userIdentity.putIfAbsent(d.user, id);
            }
            int oneTime = 2 * devicesOfUser.values().stream().mapToInt(a -> a.length).max().orElse(1);
            List<Future<?>> work = new ArrayList<>();
            for (BenchDevice d : devices) {
                work.add(pool.submit(() -> {
                    String[] known = identities.get(d.credentials.deviceId());
                    IdentityKeyPair id = userIdentity.get(d.user);
                    DeviceKeys keys = known != null
                            ? DeviceKeys.generate(id, Integer.parseInt(known[1]), oneTime, 0)
                            : DeviceKeys.generate(id, oneTime, 0);
                    e.crypto[d.index] = new DeviceCrypto(new DeviceAddress(d.userId(), d.credentials.deviceId()), keys);
                    return null;
                }));
            }
            await(work);
            double keygen = (System.nanoTime() - t0) / 1e9;
            progress.accept(String.format("e2e: keys made for %d devices in %.1f s (%d one-time EC prekeys each, Kyber-1024"
                    + " last resort)", devices.size(), keygen, oneTime));
            writeKeyCache(keyCache, e);

            // 2. Publish: PUT /v1/keys per device (a rotation under the same identity for a device known from earlier runs).
            long t1 = System.nanoTime();
            work.clear();
            for (BenchDevice d : devices) {
                work.add(pool.submit(() -> {
                    HttpResponse<String> r = http(edgeBase, d, "PUT", "/v1/keys", e.crypto[d.index].keys.upload());
                    if (r.statusCode() != 200) {
                        throw new IOException("PUT /v1/keys for device " + d.index + ": HTTP " + r.statusCode() + " "
                                + r.body());
                    }
                    return null;
                }));
            }
            await(work);
            double publish = (System.nanoTime() - t1) / 1e9;
            progress.accept(String.format("e2e: keys published in %.1f s", publish));

            // 3. Sessions: each device fetches its partner's bundles and its own user's, as the SDK's first send does.
            long t2 = System.nanoTime();
            work.clear();
            for (BenchDevice d : devices) {
                work.add(pool.submit(() -> {
                    e.startSessions(edgeBase, d, devices.get(devicesOfUser.get(partnerOf.applyAsInt(d.user))[0]).userId(),
                            devicesOfUser.get(partnerOf.applyAsInt(d.user)));
                    if (devicesOfUser.get(d.user).length > 1) {
                        e.startSessions(edgeBase, d, d.userId(), devicesOfUser.get(d.user));
                    }
                    return null;
                }));
            }
            await(work);
            double sessions = (System.nanoTime() - t2) / 1e9;
            progress.accept(String.format("e2e: sessions started in %.1f s (bundles fetched from the directory)", sessions));
            e.setUp.put("devices", devices.size()).put("keygenSeconds", round(keygen)).put("publishSeconds", round(publish))
                    .put("sessionSeconds", round(sessions)).put("totalSeconds", round(keygen + publish + sessions))
                    .put("oneTimePreKeysPerDevice", oneTime).put("threads", threads);
            return e;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Keys made and sessions started in memory, from bundles built here instead of fetched (tests of the envelopes and
     * the decryption accounting, without a stack): every device has a session with every other.
     */
    static E2eCrypto local(List<BenchDevice> devices, byte[] payload) throws Exception {
        E2eCrypto e = new E2eCrypto(devices, payload);
        for (BenchDevice d : devices) {
            e.crypto[d.index] = new DeviceCrypto(new DeviceAddress(d.userId(), d.credentials.deviceId()),
                    DeviceKeys.generate(2, 0));
        }
        for (BenchDevice from : devices) {
            for (BenchDevice to : devices) {
                if (from != to) {
                    JsonObject upload = e.crypto[to.index].keys.upload();
                    JsonObject bundle = new JsonObject().put("userId", to.userId()).put("devices", new JsonArray().add(
                            new JsonObject().put("deviceId", to.credentials.deviceId())
                                    .put("registrationId", upload.getInteger("registrationId"))
                                    .put("identityKey", upload.getString("identityKey"))
                                    .put("signedPreKey", upload.getJsonObject("signedPreKey"))
                                    .put("kyberPreKey", upload.getJsonObject("kyberLastResort"))));
                    e.crypto[from.index].cipher.startSession(KeyBundle.fromJson(bundle).devices().get(0));
                }
            }
        }
        return e;
    }

    /** Bundles of {@code userId}'s devices, retried until the directory serves the keys each device published now. */
    private void startSessions(String edgeBase, BenchDevice d, String userId, int[] deviceIndexes) throws Exception {
        Map<String, Integer> expected = new HashMap<>();
        for (int i : deviceIndexes) {
            if (i != d.index) {
                expected.put(devices.get(i).credentials.deviceId(), i);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            HttpResponse<String> r = http(edgeBase, d, "GET", "/v1/keys/" + URLEncoder.encode(userId, StandardCharsets.UTF_8),
                    null);
            if (r.statusCode() != 200 && r.statusCode() != 404) {
                throw new IOException("GET /v1/keys/" + userId + ": HTTP " + r.statusCode() + " " + r.body());
            }
            List<KeyBundle.Device> fresh = new ArrayList<>();
            if (r.statusCode() == 200) {
                for (KeyBundle.Device b : KeyBundle.fromJson(new JsonObject(r.body())).devices()) {
                    Integer i = expected.get(b.address().deviceId());
                    if (i != null && java.util.Arrays.equals(b.preKeyBundle().getSignedPreKey().serialize(),
                            crypto[i].keys.signedPreKey().getKeyPair().getPublicKey().serialize())) {
                        fresh.add(b);
                    }
                }
            }
            if (fresh.size() == expected.size()) {
                synchronized (crypto[d.index]) {
                    for (KeyBundle.Device b : fresh) {
                        PairwiseCipher.SessionStart s = crypto[d.index].cipher.startSession(b);
                        if (!(s instanceof PairwiseCipher.Started)) {
                            throw new IOException("session " + d.index + " -> " + b.address() + ": " + s);
                        }
                    }
                }
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the key directory did not serve the keys published for " + userId + " within 60 s");
            }
            Thread.sleep(200); // the directory's projection catches up with the uploads
        }
    }

    /** The {@code envelopes} JSON array of one message from {@code sender} to the devices {@code recipients}. */
    String envelopes(BenchDevice sender, int[] recipients) {
        long t = System.nanoTime();
        StringBuilder out = new StringBuilder(recipients.length * 400).append('[');
        DeviceCrypto c = crypto[sender.index];
        synchronized (c) {
            for (int r : recipients) {
                Envelope e;
                try {
                    e = c.cipher.encrypt(crypto[r].address, payload);
                } catch (Exception x) {
                    throw new IllegalStateException("encrypting " + sender.index + " -> " + r + ": " + x, x);
                }
                int kind = e.type() == Envelope.PREKEY ? 0 : 1;
                String body = Base64.getEncoder().encodeToString(e.body());
                envelopes[kind].increment();
                envelopeBytes[kind].add(e.body().length);
                if (e.body().length > envelopeMax[kind]) {
                    envelopeMax[kind] = e.body().length;
                }
                if (out.length() > 1) {
                    out.append(',');
                }
                out.append("{\"deviceId\":\"").append(crypto[r].address.deviceId()).append("\",\"type\":\"")
                        .append(kind == 0 ? "prekey" : "message").append("\",\"body\":\"").append(body).append("\"}");
            }
        }
        encryptNanos.add(System.nanoTime() - t);
        encryptedMessages.increment();
        String s = out.append(']').toString();
        frameChars.add(s.length());
        return s;
    }

    /** Decrypts the device's own envelope of a delivered message; counts what it gave. */
    void open(BenchDevice d, JsonObject frame) {
        JsonObject envelope = frame.getJsonObject("envelope");
        if (envelope == null) {
            if (frame.getBoolean("envelopeMissing", false)) {
                fail("envelopeMissing on a delivery to device " + d.index);
            }
            return;
        }
        DeviceAddress sender = new DeviceAddress(frame.getString("senderUserId"), frame.getString("senderDeviceId"));
        Envelope e = new Envelope("prekey".equals(envelope.getString("type")) ? Envelope.PREKEY : Envelope.SIGNAL,
                Base64.getDecoder().decode(envelope.getString("body")));
        long t = System.nanoTime();
        Decrypted out;
        DeviceCrypto c = crypto[d.index];
        synchronized (c) {
            out = c.cipher.decrypt(sender, e);
        }
        decryptNanos.add(System.nanoTime() - t);
        if (out instanceof Decrypted.Plaintext p) {
            decrypted.increment();
            if (!java.util.Arrays.equals(p.content(), payload)) {
                wrongContent.increment();
            }
        } else if (out instanceof Decrypted.Duplicate) {
            duplicates.increment();
        } else {
            fail("device " + d.index + " decrypting from " + sender + ": " + out);
        }
    }

    private void fail(String what) {
        failed.increment();
        if (firstFailure == null) {
            firstFailure = what;
        }
    }

    /** Set-up times, envelope sizes and the per-message crypto cost seen in the run. */
    public JsonObject result() {
        JsonObject sizes = new JsonObject();
        String[] names = {"prekey", "message"};
        for (int k = 0; k < 2; k++) {
            long n = envelopes[k].sum();
            sizes.put(names[k], new JsonObject().put("count", n)
                    .put("meanBodyBytes", n == 0 ? 0 : round((double) envelopeBytes[k].sum() / n))
                    .put("maxBodyBytes", envelopeMax[k]));
        }
        long m = encryptedMessages.sum();
        long dec = decrypted.sum() + duplicates.sum() + failed.sum();
        return new JsonObject().put("setUp", setUp).put("plaintextBytes", payload.length).put("envelopes", sizes)
                .put("meanEnvelopesJsonChars", m == 0 ? 0 : round((double) frameChars.sum() / m))
                .put("encryptMicrosPerMessage", m == 0 ? 0 : round(encryptNanos.sum() / 1e3 / m))
                .put("decryptMicrosPerEnvelope", dec == 0 ? 0 : round(decryptNanos.sum() / 1e3 / dec))
                .put("decrypted", decrypted.sum()).put("duplicates", duplicates.sum()).put("failed", failed.sum())
                .put("wrongContent", wrongContent.sum()).put("firstFailure", firstFailure);
    }

    private static HttpResponse<String> http(String base, BenchDevice d, String method, String path, JsonObject body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + d.credentials.token());
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(List<Future<?>> work) throws Exception {
        for (Future<?> f : work) {
            f.get(10, TimeUnit.MINUTES);
        }
    }

    /** deviceId -> {identity key pair (base64), registration id}. */
    private static Map<String, String[]> readKeyCache(Path file) throws IOException {
        Map<String, String[]> out = new HashMap<>();
        if (file != null && Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split("\t");
                if (f.length == 3) {
                    out.put(f[0], new String[] {f[1], f[2]});
                }
            }
        }
        return out;
    }

    private static void writeKeyCache(Path file, E2eCrypto e) throws IOException {
        if (file == null) {
            return;
        }
        Map<String, String[]> all = readKeyCache(file);
        for (DeviceCrypto c : e.crypto) {
            all.put(c.address.deviceId(), new String[] {Base64.getEncoder().encodeToString(c.keys.identity().serialize()),
                    String.valueOf(c.keys.registrationId())});
        }
        StringBuilder b = new StringBuilder();
        all.forEach((k, v) -> b.append(k).append('\t').append(v[0]).append('\t').append(v[1]).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b);
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the folder's permissions apply
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
