package org.parley.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceAddress;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.Envelope;
import org.parley.client.crypto.KeyBundle;
import org.parley.client.crypto.PairwiseCipher;
import org.parley.client.crypto.SafetyNumber;
import org.parley.client.crypto.Verification;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.UntrustedIdentityException;

/**
 * End-to-end encrypted one-to-one messages over a {@link ParleyClient} (docs/e2e.md, docs/adr/0011): publishes the
 * device's keys on first use, fetches the bundles of the recipient's devices and of the sender's own other devices,
 * encrypts one envelope per device with {@link PairwiseCipher}, sends them as a {@code send} with {@code envelopes}, and
 * answers {@code MISMATCHED_DEVICES} by fetching the missing devices' bundles, dropping the extra ones and sending once
 * more with the same clientMessageId. Received deliveries and history items are opened with the device's store.
 *
 * <p>One instance per connected device; not thread-safe (call it from one thread).
 */
public final class SecureMessenger {
    /** What a received {@code message} frame (or history item) holds for this device. */
    public sealed interface Opened {
        /** This device's envelope, with what decrypting it gave (see {@link Decrypted}). */
        record Content(Decrypted decrypted) implements Opened {
        }

        /** Encrypted, but not for this device (e.g. linked after the send): show "waiting for this message". */
        record WaitingForMessage() implements Opened {
        }

        /** A message sent without end-to-end encryption (a plain {@code payload}). */
        record NotEncrypted(byte[] payload) implements Opened {
        }

        /**
         * An {@code identity_changed} event: {@code userId} re-registered with a new identity. It is CHANGED now (see
         * {@link SecureMessenger#verificationState}); show "X's security code changed".
         */
        record IdentityChanged(String userId) implements Opened {
        }

        /**
         * A {@code device_linked} or {@code device_unlinked} event: the device list of {@code userId} changed (the SDK
         * fetches its bundles again on the next send); show "X linked a new device" / "X removed a device".
         */
        record DeviceListChanged(String userId, String deviceId, boolean linked) implements Opened {
        }
    }

    /**
     * The peer's identity changed (CHANGED): nothing is sent to it until the application calls
     * {@link #acceptIdentityChange} after its user saw the new safety number.
     */
    public static final class IdentityChangedException extends Exception {
        public IdentityChangedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

    private final String httpBase;
    private final ParleyClient client;
    private final DeviceStore store;
    private final DeviceKeys keys;
    private final PairwiseCipher cipher;
    private final Verification verification;
    private final String userId;
    private final String deviceId;
    /** The devices of each user this device encrypts to (the sender's own: its other devices). */
    private final Map<String, Set<String>> devicesOf = new HashMap<>();
    private boolean published;

    /**
     * @param keys the device's generated keys, uploaded on first use if the directory has none for the device yet; null
     *             for a device that published before
     */
    public SecureMessenger(String httpBase, ParleyClient client, DeviceStore store, DeviceKeys keys) {
        this.httpBase = httpBase;
        this.client = client;
        this.store = store;
        this.keys = keys;
        this.cipher = new PairwiseCipher(store);
        this.userId = client.device().userId();
        this.verification = new Verification(store, userId);
        this.deviceId = client.device().deviceId();
        this.published = keys == null;
    }

    /** Uploads the device's keys ({@code PUT /v1/keys}) unless the directory has them already. */
    public void publishKeys() throws IOException, InterruptedException {
        if (published) {
            return;
        }
        HttpResponse<String> status = http("GET", "/v1/keys", null);
        if (status.statusCode() != 200) {
            throw new IOException("GET /v1/keys failed: HTTP " + status.statusCode() + " " + status.body());
        }
        if (new JsonObject(status.body()).getValue("signedPreKeyId") == null) {
            HttpResponse<String> up = http("PUT", "/v1/keys", keys.upload());
            if (up.statusCode() != 200) {
                throw new IOException("PUT /v1/keys failed: HTTP " + up.statusCode() + " " + up.body());
            }
        }
        published = true;
    }

    /**
     * Sends {@code plaintext} to {@code toUserId}, end-to-end encrypted per device, and returns the answer: {@code sent},
     * or the {@code error} (a {@code MISMATCHED_DEVICES} only if the device set changed again during the one retry).
     */
    public JsonObject send(String toUserId, String clientMessageId, byte[] plaintext, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        if (!toUserId.equals(userId) && store.isChanged(toUserId)) {
            throw changed(toUserId);
        }
        publishKeys();
        know(toUserId);
        know(userId);
        for (int attempt = 1; ; attempt++) {
            JsonArray envelopes = encrypt(toUserId, plaintext);
            if (envelopes.isEmpty()) {
                throw new IOException("no device of " + toUserId + " has published keys: nothing to encrypt for");
            }
            JsonObject frame = new JsonObject().put("type", "send").put("clientMessageId", clientMessageId)
                    .put("to", toUserId).put("envelopes", envelopes);
            JsonObject answer = client.actRetrying(frame, timeout, 3);
            if (attempt > 1 || !"MISMATCHED_DEVICES".equals(answer.getString("code"))) {
                return answer;
            }
            client.forget(answer);
            resync(answer);
        }
    }

    /**
     * Opens a received {@code message} frame or history item with this device's store. Messages from a peer whose
     * identity CHANGED are held: {@code Content(UntrustedIdentity)} without decrypting (nothing is consumed; open the
     * same frame again after {@link #acceptIdentityChange}). {@code identity_changed}, {@code device_linked} and
     * {@code device_unlinked} events are acted on (see {@link Opened.IdentityChanged},
     * {@link Opened.DeviceListChanged}).
     */
    public Opened open(JsonObject frame) {
        String kind = frame.getString("kind", "message");
        String sender = frame.getString("senderUserId");
        switch (kind) {
            case "identity_changed" -> {
                // A notice handled once (redelivered, or paged again with history) is not a new change.
                if (!sender.equals(userId) && store.newNotice(sender, frame.getString("conversationId", ""),
                        frame.getLong("seq", 0L))) {
                    verification.identityChanged(sender, null);
                    devicesOf.remove(sender);
                }
                return new Opened.IdentityChanged(sender);
            }
            case "device_linked", "device_unlinked" -> {
                String device = frame.getString("senderDeviceId");
                boolean linked = "device_linked".equals(kind);
                devicesOf.remove(sender); // fetch the user's bundles again on the next send
                if (!linked && !device.equals(deviceId)) {
                    store.deleteSession(new DeviceAddress(sender, device).signal());
                }
                return new Opened.DeviceListChanged(sender, device, linked);
            }
            default -> {
            }
        }
        if (!frame.getBoolean("encrypted", false)) {
            String payload = frame.getString("payload");
            return new Opened.NotEncrypted(payload == null ? new byte[0] : Base64.getDecoder().decode(payload));
        }
        JsonObject envelope = frame.getJsonObject("envelope");
        if (envelope == null) {
            return new Opened.WaitingForMessage();
        }
        if (!sender.equals(userId) && store.isChanged(sender)) {
            return new Opened.Content(new Decrypted.UntrustedIdentity(store.changedIdentity(sender)));
        }
        int type = "prekey".equals(envelope.getString("type")) ? Envelope.PREKEY : Envelope.SIGNAL;
        Envelope e = new Envelope(type, Base64.getDecoder().decode(envelope.getString("body")));
        DeviceAddress from = new DeviceAddress(sender, frame.getString("senderDeviceId"));
        Decrypted d = cipher.decrypt(from, e);
        if (d instanceof Decrypted.Plaintext) {
            Set<String> known = devicesOf.get(from.userId());
            if (known != null && !from.deviceId().equals(deviceId)) {
                known.add(from.deviceId()); // a session exists now: encrypt to it from here on
            }
        } else if (d instanceof Decrypted.UntrustedIdentity u && !sender.equals(userId)) {
            store.markChanged(sender, u.identityKey()); // sessions stay: the envelope opens after the acceptance
            devicesOf.remove(sender);
        }
        return new Opened.Content(d);
    }

    /**
     * The safety number with {@code peerUserId}, to show (60 digits) and to scan ({@code scannable()}): for its trusted
     * identity key, or for its new one once it CHANGED (fetched from the key directory if only the server's notice is
     * known yet).
     */
    public SafetyNumber safetyNumber(String peerUserId) throws IOException, InterruptedException {
        if (verification.peerIdentity(peerUserId) == null) {
            IdentityKey current = currentIdentity(peerUserId);
            if (store.isChanged(peerUserId)) {
                store.markChanged(peerUserId, current);
            } else {
                store.trustIdentity(peerUserId, current); // first use: trusted as a session start would be
            }
        }
        return verification.safetyNumber(peerUserId);
    }

    /** Verifies the peer with the code scanned from its screen; false if it does not match (or the peer CHANGED). */
    public boolean verify(String peerUserId, byte[] scanned) throws IOException, InterruptedException {
        safetyNumber(peerUserId);
        return verification.verify(peerUserId, scanned);
    }

    /** Verifies the peer because the user confirmed both screens show the same 60 digits ({@code false} unverifies). */
    public boolean verify(String peerUserId, boolean confirmed) throws IOException, InterruptedException {
        safetyNumber(peerUserId);
        return verification.verify(peerUserId, confirmed);
    }

    /** UNVERIFIED, VERIFIED or CHANGED (messages from and to a CHANGED peer are held). */
    public Verification.State verificationState(String peerUserId) {
        return verification.state(peerUserId);
    }

    /**
     * The user accepted the peer's new identity (after seeing the new safety number): trusted from now on, UNVERIFIED;
     * the next send fetches its bundles and starts new sessions. The key accepted is the one the key directory serves
     * now, which must be the same on every device of the peer and, if a bundle or message showed one already (the one
     * {@link #safetyNumber} was computed from), that one.
     *
     * @throws IOException the peer's devices present different identity keys (a device was added without the user's
     *                     identity), or another key than the one shown: nothing is accepted
     */
    public void acceptIdentityChange(String peerUserId) throws IOException, InterruptedException {
        IdentityKey current = currentIdentity(peerUserId);
        IdentityKey seen = store.changedIdentity(peerUserId);
        if (seen != null && !seen.equals(current)) {
            store.markChanged(peerUserId, current);
            throw new IOException("the identity of " + peerUserId + " changed again since its safety number was shown:"
                    + " show the new one, then accept");
        }
        verification.acceptIdentityChange(peerUserId, current);
        devicesOf.remove(peerUserId);
    }

    /** Its devices' identity key as the directory serves it now; every device of a user has the same one. */
    private IdentityKey currentIdentity(String peerUserId) throws IOException, InterruptedException {
        String path = "/v1/keys/" + URLEncoder.encode(peerUserId, StandardCharsets.UTF_8);
        HttpResponse<String> res = http("GET", path, null);
        if (res.statusCode() != 200) {
            throw new IOException("GET " + path + " failed: HTTP " + res.statusCode() + " " + res.body());
        }
        Map<String, IdentityKey> keys = new HashMap<>();
        for (KeyBundle.Device d : KeyBundle.fromJson(new JsonObject(res.body())).devices()) {
            IdentityKey k = d.preKeyBundle().getIdentityKey();
            keys.put(Base64.getEncoder().encodeToString(k.serialize()), k);
        }
        if (keys.size() != 1) {
            throw new IOException(peerUserId + "'s devices present " + keys.size() + " different identity keys: a device"
                    + " was added without the user's identity (not linked through provisioning)");
        }
        return keys.values().iterator().next();
    }

    private IdentityChangedException changed(String user) {
        return new IdentityChangedException("the identity of " + user + " changed: show the new safety number and"
                + " call acceptIdentityChange before sending", null);
    }

    /** The devices this device encrypts to for {@code user} (tests, diagnostics). */
    public Set<String> knownDevices(String user) {
        return Set.copyOf(devicesOf.getOrDefault(user, Set.of()));
    }

    private JsonArray encrypt(String toUserId, byte[] plaintext) throws IdentityChangedException {
        JsonArray out = new JsonArray();
        List<String> users = toUserId.equals(userId) ? List.of(userId) : List.of(toUserId, userId);
        for (String user : users) {
            for (String device : devicesOf.getOrDefault(user, Set.of())) {
                if (device.equals(deviceId)) {
                    continue;
                }
                try {
                    Envelope e = cipher.encrypt(new DeviceAddress(user, device), plaintext);
                    out.add(new JsonObject().put("deviceId", device)
                            .put("type", e.type() == Envelope.PREKEY ? "prekey" : "message")
                            .put("body", Base64.getEncoder().encodeToString(e.body())));
                } catch (NoSessionException e) {
                    throw new IllegalStateException("no session to " + user + "/" + device + " after its bundle", e);
                } catch (UntrustedIdentityException e) {
                    verification.identityChanged(user, e.getUntrustedIdentity());
                    devicesOf.remove(user);
                    throw changed(user);
                }
            }
        }
        return out;
    }

    /** The first time a user is written to: every device's bundle, and a session with each (not with this device). */
    private void know(String user) throws IOException, InterruptedException, IdentityChangedException {
        if (!devicesOf.containsKey(user)) {
            devicesOf.put(user, new LinkedHashSet<>());
            fetch(user, null);
        }
    }

    /** After MISMATCHED_DEVICES: drop the extra devices, fetch the missing ones' bundles. */
    private void resync(JsonObject mismatch) throws IOException, InterruptedException, IdentityChangedException {
        JsonArray extra = mismatch.getJsonArray("extraDevices", new JsonArray());
        for (Object d : extra) {
            devicesOf.values().forEach(set -> set.remove(String.valueOf(d)));
        }
        JsonObject missing = mismatch.getJsonObject("missingDevices", new JsonObject());
        for (String user : missing.fieldNames()) {
            devicesOf.computeIfAbsent(user, u -> new LinkedHashSet<>());
            for (Object d : missing.getJsonArray(user)) {
                fetch(user, String.valueOf(d));
            }
        }
    }

    /** {@code GET /v1/keys/{user}[?deviceId=]}: starts a session with each device that has none, and knows it. */
    private void fetch(String user, String onlyDevice) throws IOException, InterruptedException, IdentityChangedException {
        String path = "/v1/keys/" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + (onlyDevice == null ? "" : "?deviceId=" + URLEncoder.encode(onlyDevice, StandardCharsets.UTF_8));
        HttpResponse<String> res = http("GET", path, null);
        if (res.statusCode() == 404) {
            return; // NO_KEYS: no device of the user (or not this one) published keys
        }
        if (res.statusCode() != 200) {
            throw new IOException("GET " + path + " failed: HTTP " + res.statusCode() + " " + res.body());
        }
        List<String> added = new ArrayList<>();
        for (KeyBundle.Device d : KeyBundle.fromJson(new JsonObject(res.body())).devices()) {
            String device = d.address().deviceId();
            if (user.equals(userId) && device.equals(deviceId)) {
                continue;
            }
            if (!cipher.hasSession(d.address())) {
                PairwiseCipher.SessionStart start = cipher.startSession(d);
                if (start instanceof PairwiseCipher.IdentityChanged c) {
                    // Another identity key than the one trusted: a re-registration, or a device the user's identity
                    // never authorised (added by the server). Never used silently: CHANGED, held.
                    verification.identityChanged(user, c.identityKey());
                    devicesOf.remove(user);
                    throw changed(user);
                }
                if (start instanceof PairwiseCipher.InvalidBundle invalid) {
                    throw new IOException("unusable bundle of " + d.address() + ": " + invalid.reason());
                }
            }
            added.add(device);
        }
        devicesOf.get(user).addAll(added);
    }

    private HttpResponse<String> http(String method, String path, JsonObject body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(httpBase + path)).timeout(HTTP_TIMEOUT)
                .header("Authorization", "Bearer " + client.device().token());
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
