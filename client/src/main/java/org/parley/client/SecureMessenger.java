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
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceAddress;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.Envelope;
import org.parley.client.crypto.GroupSendState;
import org.parley.client.crypto.GroupSenderKeys;
import org.parley.client.crypto.KeyBundle;
import org.parley.client.crypto.PairwiseCipher;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.parley.client.crypto.SafetyNumber;
import org.parley.client.crypto.Verification;
import org.parley.client.history.HistoryEntry;
import org.parley.client.history.MessageLog;
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
 * <p>Groups (docs/adr/0012) with Sender Keys: {@link #sendToGroup} encrypts the message once under this device's
 * current sender key of the group (the {@code payload}) and attaches the sender key's distribution message, encrypted
 * pairwise, for exactly the member devices that were not given it yet ({@code envelopes}). When a member is no longer in
 * the member list given (it left or was removed), the next send rotates: a new distribution id, distributed to the
 * remaining member devices only. {@link #open} takes a delivered distribution message before it decrypts the payload.
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
    private final GroupSenderKeys groupKeys;
    /** Per group: this device's current sender key and who holds it. */
    private final Map<String, GroupKey> groupKeysByConversation = new HashMap<>();
    private boolean published;
    /** Refills one-time prekeys on {@code keysLow} and rotates the signed ones (docs/e2e.md, "Key upkeep"). */
    private final KeyUpkeep upkeep;
    /** Where decrypted and sent messages are kept (for the device itself, and for a newly linked one); may be null. */
    private MessageLog history;
    private org.parley.client.search.LocalSearchIndex searchIndex;

    /**
     * This device's current sender key in a group: its distribution id, the members it was made for, the holders. A
     * cache of the {@link GroupSendState} in the device store, which every change is written to (so a restarted
     * device keeps its key and knows who holds it).
     */
    private static final class GroupKey {
        final UUID distributionId;
        final Set<String> members = new LinkedHashSet<>();
        /** Member devices given the distribution message ({@code userId/deviceId}). */
        final Set<String> holders = new LinkedHashSet<>();

        GroupKey(GroupSendState state) {
            this.distributionId = state.distributionId();
            this.members.addAll(state.members());
            this.holders.addAll(state.holders());
        }

        GroupSendState state() {
            return new GroupSendState(distributionId, members, holders);
        }
    }

    /** This device's current key in the group: cached, else from the device store, else null. */
    private GroupKey groupKey(String conversationId) {
        GroupKey key = groupKeysByConversation.get(conversationId);
        if (key == null) {
            GroupSendState stored = store.loadGroupSendState(conversationId);
            if (stored != null) {
                key = new GroupKey(stored);
                groupKeysByConversation.put(conversationId, key);
            }
        }
        return key;
    }

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
        this.groupKeys = new GroupSenderKeys(store, new DeviceAddress(userId, deviceId));
        this.upkeep = new KeyUpkeep(httpBase, client.device(), store, KeyUpkeep.Policy.defaults(),
                java.time.Clock.systemUTC()).watch(client);
    }

    /** This device's key upkeep: it answers {@code keysLow} by itself; {@code check()} runs one now. */
    public KeyUpkeep keyUpkeep() {
        return upkeep;
    }

    /** The fields a send may carry beside its encrypted content: metadata the server sees (docs/security.md). */
    public static final Set<String> METADATA = Set.of("mediaType", "mediaObjectId", "replyToSeq", "forwardOf");

    private static void checkMetadata(JsonObject metadata) {
        if (metadata != null && !METADATA.containsAll(metadata.fieldNames())) {
            throw new IllegalArgumentException("a send's metadata may hold only " + METADATA + ", not "
                    + metadata.fieldNames());
        }
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
            JsonObject upload = keys.upload();
            if (keys.grant() == null) { // not provisioned: the identity's holder authorises its own device
                upload.put("deviceGrant", org.parley.client.crypto.DeviceGrant.selfSigned(keys.identity(), userId,
                        deviceId, keys.registrationId()).toJson());
            }
            HttpResponse<String> up = http("PUT", "/v1/keys", upload);
            if (up.statusCode() != 200) {
                throw new IOException("PUT /v1/keys failed: HTTP " + up.statusCode() + " " + up.body());
            }
        }
        published = true;
    }

    /**
     * Keeps every message this messenger sends or decrypts from now on in {@code log} (one-to-one and group; the
     * content of an edit replaces the message's). A newly linked device gets them as a history archive
     * ({@link HistoryTransfer}). Null stops keeping.
     */
    public void keepHistory(MessageLog log) {
        this.history = log;
    }

    /**
     * Indexes every message this messenger sends or decrypts from now on in {@code index} (its text, for local
     * search; docs/search.md), re-indexes edits and removes what is deleted for everyone or hidden for this user.
     * Null stops indexing.
     */
    public void indexInto(org.parley.client.search.LocalSearchIndex index) {
        this.searchIndex = index;
    }

    /** The log set with {@link #keepHistory}, or null. */
    public MessageLog history() {
        return history;
    }

    /**
     * Sends {@code plaintext} to {@code toUserId}, end-to-end encrypted per device, and returns the answer: {@code sent},
     * or the {@code error} (a {@code MISMATCHED_DEVICES} only if the device set changed again during the one retry).
     */
    public JsonObject send(String toUserId, String clientMessageId, byte[] plaintext, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        return send(toUserId, clientMessageId, plaintext, timeout, (JsonObject) null);
    }

    /**
     * {@link #send(String, String, byte[], Duration)} with server-visible fields of the {@code send} frame beside the
     * encrypted content ({@link #METADATA}: {@code mediaType}, {@code mediaObjectId}, {@code replyToSeq},
     * {@code forwardOf}; docs/protocol.md), e.g. an attachment's media type and object (org.parley.client.media).
     */
    public JsonObject send(String toUserId, String clientMessageId, byte[] plaintext, Duration timeout,
                           JsonObject metadata)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        checkMetadata(metadata);
        JsonObject frame = new JsonObject().put("type", "send").put("clientMessageId", clientMessageId).put("to", toUserId);
        if (metadata != null) {
            frame.mergeIn(metadata);
        }
        JsonObject answer = sendSealed(frame, toUserId, device -> plaintext, timeout);
        keepSent(answer, plaintext);
        return answer;
    }

    /**
     * A reply ({@code replyToSeq}) or a forward ({@code forwardOf}) and a media type, beside the encrypted content: the
     * server keeps them for its rules (the target must exist; the forward count). Any may be null.
     */
    public record SendOptions(Long replyToSeq, String forwardOfConversationId, Long forwardOfSeq, String mediaType) {
        public static SendOptions replyTo(long seq) {
            return new SendOptions(seq, null, null, null);
        }

        public static SendOptions forwardOf(String conversationId, long seq) {
            return new SendOptions(null, conversationId, seq, null);
        }

        /** The send frame's server-visible fields ({@link #METADATA}) these options name. */
        JsonObject toMetadata() {
            JsonObject frame = new JsonObject();
            if (replyToSeq != null) {
                frame.put("replyToSeq", replyToSeq);
            }
            if (forwardOfConversationId != null) {
                frame.put("forwardOf", new JsonObject().put("conversationId", forwardOfConversationId)
                        .put("seq", forwardOfSeq));
            }
            if (mediaType != null) {
                frame.put("mediaType", mediaType);
            }
            return frame;
        }
    }

    /** {@link #send(String, String, byte[], Duration)} as a reply or a forward ({@code options} may be null). */
    public JsonObject send(String toUserId, String clientMessageId, byte[] plaintext, SendOptions options,
                           Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        return send(toUserId, clientMessageId, plaintext, timeout, options == null ? null : options.toMetadata());
    }

    /**
     * Edits this device's one-to-one message {@code targetSeq} with {@code toUserId}: the new content end-to-end
     * encrypted per device, as a message's ({@code edit} with {@code envelopes}); the server keeps sender, target and
     * kind (and checks that the sender edits its own message within the window). Receivers open the
     * {@code message_edited} delivery with {@link #open}.
     */
    public JsonObject edit(String toUserId, long targetSeq, String clientMessageId, byte[] plaintext, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        JsonObject frame = new JsonObject().put("type", "edit").put("clientMessageId", clientMessageId)
                .put("conversationId", direct(userId, toUserId)).put("targetSeq", targetSeq);
        JsonObject answer = sendSealed(frame, toUserId, device -> plaintext, timeout);
        keepEdit(answer, direct(userId, toUserId), targetSeq, plaintext);
        return answer;
    }

    /**
     * Reacts to message {@code targetSeq} of the one-to-one conversation with {@code toUserId}: the emoji (UTF-8; ""
     * removes this user's reaction) end-to-end encrypted per device ({@code react} with {@code envelopes}). The server
     * keeps that the user reacted, not with what (history shows {@code "*"}).
     */
    public JsonObject react(String toUserId, long targetSeq, String clientMessageId, String emoji, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        JsonObject frame = new JsonObject().put("type", "react").put("clientMessageId", clientMessageId)
                .put("conversationId", direct(userId, toUserId)).put("targetSeq", targetSeq);
        byte[] content = emoji.getBytes(StandardCharsets.UTF_8);
        return sendSealed(frame, toUserId, device -> content, timeout);
    }

    /** The one-to-one conversation id of two users: {@code dm:} and the two ids sorted. */
    private static String direct(String a, String b) {
        return a.compareTo(b) <= 0 ? "dm:" + a + ":" + b : "dm:" + b + ":" + a;
    }

    /**
     * Sends {@code frame} with one envelope per device of {@code toUserId} and per other device of this user, each
     * holding {@code contentFor(deviceId)}; answers {@code MISMATCHED_DEVICES} once by resyncing the devices.
     */
    private JsonObject sendSealed(JsonObject frame, String toUserId, Function<String, byte[]> contentFor,
                                  Duration timeout) throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        if (!toUserId.equals(userId) && store.isChanged(toUserId)) {
            throw changed(toUserId);
        }
        publishKeys();
        know(toUserId);
        know(userId);
        for (int attempt = 1; ; attempt++) {
            JsonArray envelopes = encrypt(toUserId, contentFor);
            if (envelopes.isEmpty()) {
                throw new IOException("no device of " + toUserId + " has published keys: nothing to encrypt for");
            }
            JsonObject answer = client.actRetrying(frame.copy().put("envelopes", envelopes), timeout, 3);
            if (attempt > 1 || !"MISMATCHED_DEVICES".equals(answer.getString("code"))) {
                return answer;
            }
            client.forget(answer);
            resync(answer);
        }
    }

    /**
     * A note to this user's own other devices with a different content for each ({@code contentFor} is asked once per
     * device id, again after a device-set change), e.g. a history archive's key for one device only
     * ({@link HistoryTransfer}). Not kept in the history. Returns {@code sent} or the {@code error}.
     */
    public JsonObject sendToOwnDevices(String clientMessageId, Function<String, byte[]> contentFor, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        devicesOf.remove(userId); // a device linked a moment ago is the usual addressee: ask the directory now
        return sendSealed(new JsonObject().put("type", "send").put("clientMessageId", clientMessageId).put("to", userId),
                userId, contentFor, timeout);
    }

    private void keepSent(JsonObject answer, byte[] plaintext) {
        if (searchIndex != null && "sent".equals(answer.getString("type")) && !HistoryTransfer.isControl(plaintext)) {
            searchIndex.index(new org.parley.client.search.LocalSearchIndex.Entry(answer.getString("conversationId"),
                    answer.getLong("seq"), userId, System.currentTimeMillis(), null,
                    new String(plaintext, java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (history != null && "sent".equals(answer.getString("type")) && !HistoryTransfer.isControl(plaintext)) {
            history.add(new HistoryEntry(answer.getString("conversationId"), answer.getLong("seq"), userId, deviceId,
                    System.currentTimeMillis(), false, plaintext));
        }
    }

    /** Keeps what {@code frame} decrypted to (a message, or an edit's new content). */
    private Opened kept(JsonObject frame, Opened opened) {
        if (history == null || !(opened instanceof Opened.Content c) || !(c.decrypted() instanceof Decrypted.Plaintext p)) {
            return opened;
        }
        byte[] content = p.content();
        if (HistoryTransfer.isControl(content)) {
            return opened;
        }
        String conversation = frame.getString("conversationId");
        String kind = frame.getString("kind", "message");
        if ("message_edited".equals(kind) && frame.getValue("targetSeq") instanceof Number target) {
            history.edit(conversation, target.longValue(), content);
        } else if ("message".equals(kind) && frame.getValue("seq") instanceof Number seq) {
            history.add(new HistoryEntry(conversation, seq.longValue(), frame.getString("senderUserId"),
                    frame.getString("senderDeviceId"), frame.getLong("sentAt", 0L), false, content));
        }
        return opened;
    }

    /**
     * Opens a received {@code message} frame or history item with this device's store. Messages from a peer whose
     * identity CHANGED are held: {@code Content(UntrustedIdentity)} without decrypting (nothing is consumed; open the
     * same frame again after {@link #acceptIdentityChange}). {@code identity_changed}, {@code device_linked} and
     * {@code device_unlinked} events are acted on (see {@link Opened.IdentityChanged},
     * {@link Opened.DeviceListChanged}).
     */
    public Opened open(JsonObject frame) {
        return indexed(frame, kept(frame, openFrame(frame)));
    }

    /** Feeds the local search index: what {@code frame} decrypted to, or what it deleted. */
    private Opened indexed(JsonObject frame, Opened opened) {
        if (searchIndex == null) {
            return opened;
        }
        String conversation = frame.getString("conversationId");
        String kind = frame.getString("kind", "message");
        if (conversation == null) {
            return opened;
        }
        if (opened instanceof Opened.Content c && c.decrypted() instanceof Decrypted.Plaintext p
                && !HistoryTransfer.isControl(p.content())) {
            String text = new String(p.content(), java.nio.charset.StandardCharsets.UTF_8);
            if ("message_edited".equals(kind) && frame.getValue("targetSeq") instanceof Number target) {
                searchIndex.edit(conversation, target.longValue(), text);
            } else if ("message".equals(kind) && frame.getValue("seq") instanceof Number seq) {
                searchIndex.index(new org.parley.client.search.LocalSearchIndex.Entry(conversation, seq.longValue(),
                        frame.getString("senderUserId"), frame.getLong("sentAt", 0L), frame.getString("mediaType"), text));
            }
        } else {
            searchIndex.observe(frame); // deletes, hidden, plain (not encrypted) messages
        }
        return opened;
    }

    private Opened openFrame(JsonObject frame) {
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
                // In a group, the next send gives a linked device this device's sender key (it fetches the member's
                // bundles again, and the new device is no holder); an unlinked one holds the key: start a new one.
                String conversation = frame.getString("conversationId", "");
                if (!linked && conversation.startsWith("g:") && !device.equals(deviceId)) {
                    rotateGroupKey(conversation);
                }
                return new Opened.DeviceListChanged(sender, device, linked);
            }
            default -> {
            }
        }
        String conversation = frame.getString("conversationId", "");
        if (conversation.startsWith("g:") && !frame.getBoolean("encrypted", false)) {
            return openGroup(frame);
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
     * A group message: first the sender's key distribution message, if this device's delivery carries one (pairwise
     * encrypted for it), then the payload, if it is a Sender Key message. A payload that is not (a group message sent
     * without end-to-end encryption) is {@link Opened.NotEncrypted}.
     */
    private Opened openGroup(JsonObject frame) {
        DeviceAddress from = new DeviceAddress(frame.getString("senderUserId"), frame.getString("senderDeviceId"));
        JsonObject envelope = frame.getJsonObject("envelope");
        if (envelope != null) {
            int type = "prekey".equals(envelope.getString("type")) ? Envelope.PREKEY : Envelope.SIGNAL;
            Decrypted d = cipher.decrypt(from, new Envelope(type, Base64.getDecoder().decode(envelope.getString("body"))));
            if (d instanceof Decrypted.Plaintext p) {
                try {
                    groupKeys.acceptDistribution(from, p.content());
                } catch (InvalidMessageException e) {
                    return new Opened.Content(new Decrypted.Invalid("not a sender key distribution message: "
                            + e.getMessage()));
                }
            } else if (!(d instanceof Decrypted.Duplicate)) {
                return new Opened.Content(d); // e.g. UntrustedIdentity: the payload cannot be opened without it
            }
        }
        String payload = frame.getString("payload");
        byte[] bytes = payload == null ? new byte[0] : Base64.getDecoder().decode(payload);
        if (bytes.length < 2 || (bytes[0] & 0xff) != Envelope.SENDER_KEY) {
            return new Opened.NotEncrypted(bytes);
        }
        return new Opened.Content(groupKeys.decrypt(from, Envelope.decode(bytes)));
    }

    /**
     * Sends {@code plaintext} into group {@code conversationId}, end-to-end encrypted with this device's sender key of
     * the group, and returns the answer ({@code sent}, or the {@code error}). {@code memberUserIds}: the group's current
     * members as the application knows them (from {@code group} or the membership events); a former member missing
     * from it makes this send rotate the sender key first. The distribution message goes, pairwise encrypted, to each
     * current device of each member that does not have it yet (first use of a user: its bundles are fetched). On
     * {@code MISMATCHED_DEVICES} (an envelope for a device that is not a current member's), the extra devices are
     * left out of this send and the same payload is sent once more with the same clientMessageId.
     */
    public JsonObject sendToGroup(String conversationId, Collection<String> memberUserIds, String clientMessageId,
                                  byte[] plaintext, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        return sendToGroup(conversationId, memberUserIds, clientMessageId, plaintext, timeout, null);
    }

    /** {@link #sendToGroup(String, Collection, String, byte[], Duration)} with server-visible fields ({@link #METADATA}). */
    public JsonObject sendToGroup(String conversationId, Collection<String> memberUserIds, String clientMessageId,
                                  byte[] plaintext, Duration timeout, JsonObject metadata)
            throws IOException, InterruptedException, TimeoutException, IdentityChangedException {
        checkMetadata(metadata);
        if (!conversationId.startsWith("g:")) {
            throw new IllegalArgumentException("not a group: " + conversationId);
        }
        publishKeys();
        Set<String> members = new LinkedHashSet<>(memberUserIds);
        members.add(userId);
        GroupKey key = groupKey(conversationId);
        if (key == null || !members.containsAll(key.members)) {
            // New group, or someone left: a key the former member never holds.
            key = new GroupKey(GroupSendState.fresh(members));
            groupKeysByConversation.put(conversationId, key);
        }
        key.members.clear();
        key.members.addAll(members);
        store.storeGroupSendState(conversationId, key.state());
        for (String member : members) {
            know(member);
        }
        // The distribution message first: it names the chain's current iteration, the one the payload is encrypted at
        // (taken after the encryption, it would name the next one, and its receivers could not open this message).
        byte[] distribution = groupKeys.distributionMessage(key.distributionId);
        String payload;
        try {
            payload = Base64.getEncoder().encodeToString(groupKeys.encrypt(key.distributionId, plaintext).encode());
        } catch (NoSessionException e) {
            throw new IllegalStateException("no sender key right after creating it", e);
        }
        Map<String, JsonObject> envelopes = new LinkedHashMap<>(); // userId/deviceId -> envelope
        for (String member : members) {
            for (String device : devicesOf.getOrDefault(member, Set.of())) {
                String holder = member + "/" + device;
                if (device.equals(deviceId) || key.holders.contains(holder)) {
                    continue;
                }
                envelopes.put(holder, pairwise(member, device, distribution));
            }
        }
        for (int attempt = 1; ; attempt++) {
            JsonObject frame = new JsonObject().put("type", "send").put("clientMessageId", clientMessageId)
                    .put("conversationId", conversationId).put("payload", payload);
            if (metadata != null) {
                frame.mergeIn(metadata);
            }
            if (!envelopes.isEmpty()) {
                frame.put("envelopes", new JsonArray(new ArrayList<>(envelopes.values())));
            }
            JsonObject answer = client.actRetrying(frame, timeout, 3);
            if ("sent".equals(answer.getString("type"))) {
                if (!envelopes.isEmpty()) {
                    key.holders.addAll(envelopes.keySet());
                    store.storeGroupSendState(conversationId, key.state());
                }
                keepSent(answer, plaintext);
                return answer;
            }
            if (attempt > 1 || !"MISMATCHED_DEVICES".equals(answer.getString("code"))) {
                return answer;
            }
            client.forget(answer);
            // Only this send drops them: the edge reads the group's members from a projection that can lag a change by
            // a moment, so a device named extra may be a new member's; it is offered the key again on the next send.
            for (Object extra : answer.getJsonArray("extraDevices", new JsonArray())) {
                String gone = String.valueOf(extra);
                envelopes.keySet().removeIf(holder -> holder.endsWith("/" + gone));
            }
        }
    }

    /**
     * Edits this device's message {@code targetSeq} in a group: the new content is encrypted under the device's current
     * sender key, like a message, and travels as the {@code edit}'s payload (an edit carries no envelopes, so every
     * member device must hold the key already: send at least one message under it first). Receivers open the
     * {@code message_edited} delivery with {@link #open}.
     */
    public JsonObject editInGroup(String conversationId, long targetSeq, String clientMessageId, byte[] plaintext,
                                  Duration timeout) throws InterruptedException, TimeoutException {
        GroupKey key = groupKey(conversationId);
        if (key == null) {
            throw new IllegalStateException("no sender key in " + conversationId + " yet: send a message first");
        }
        String payload;
        try {
            payload = Base64.getEncoder().encodeToString(groupKeys.encrypt(key.distributionId, plaintext).encode());
        } catch (NoSessionException e) {
            throw new IllegalStateException("the sender key of " + conversationId + " is gone from the store", e);
        }
        JsonObject answer = client.actRetrying(new JsonObject().put("type", "edit").put("clientMessageId", clientMessageId)
                .put("conversationId", conversationId).put("targetSeq", targetSeq).put("payload", payload), timeout, 3);
        keepEdit(answer, conversationId, targetSeq, plaintext);
        return answer;
    }

    private void keepEdit(JsonObject answer, String conversationId, long targetSeq, byte[] plaintext) {
        if (history != null && "sent".equals(answer.getString("type"))) {
            history.edit(conversationId, targetSeq, plaintext);
        }
    }

    /**
     * Reacts to message {@code targetSeq} in a group: the emoji (UTF-8; "" removes this user's reaction) encrypted
     * under this device's current sender key as the {@code react}'s payload (no {@code reaction} field); the server
     * keeps that the user reacted, not with what. Receivers open the {@code reaction} delivery with {@link #open}.
     */
    public JsonObject reactInGroup(String conversationId, long targetSeq, String clientMessageId, String emoji,
                                   Duration timeout) throws InterruptedException, TimeoutException {
        GroupKey key = groupKey(conversationId);
        if (key == null) {
            throw new IllegalStateException("no sender key in " + conversationId + " yet: send a message first");
        }
        String payload;
        try {
            payload = Base64.getEncoder().encodeToString(groupKeys.encrypt(key.distributionId,
                    emoji.getBytes(StandardCharsets.UTF_8)).encode());
        } catch (NoSessionException e) {
            throw new IllegalStateException("the sender key of " + conversationId + " is gone from the store", e);
        }
        return client.actRetrying(new JsonObject().put("type", "react").put("clientMessageId", clientMessageId)
                .put("conversationId", conversationId).put("targetSeq", targetSeq).put("payload", payload), timeout, 3);
    }

    /** Starts a new sender key for the group now (the next send distributes it to the members it names). */
    public void rotateGroupKey(String conversationId) {
        groupKeysByConversation.remove(conversationId);
        store.deleteGroupSendState(conversationId);
    }

    /** This device's current distribution id in a group, or null before its first send there (tests, diagnostics). */
    public UUID groupDistributionId(String conversationId) {
        GroupKey key = groupKey(conversationId);
        return key == null ? null : key.distributionId;
    }

    /** The member devices ({@code userId/deviceId}) given this device's current sender key of the group. */
    public Set<String> groupKeyHolders(String conversationId) {
        GroupKey key = groupKey(conversationId);
        return key == null ? Set.of() : Set.copyOf(key.holders);
    }

    private JsonObject pairwise(String user, String device, byte[] plaintext) throws IdentityChangedException {
        try {
            Envelope e = cipher.encrypt(new DeviceAddress(user, device), plaintext);
            return new JsonObject().put("deviceId", device).put("type", e.type() == Envelope.PREKEY ? "prekey" : "message")
                    .put("body", Base64.getEncoder().encodeToString(e.body()));
        } catch (NoSessionException e) {
            throw new IllegalStateException("no session to " + user + "/" + device + " after its bundle", e);
        } catch (UntrustedIdentityException e) {
            throw new IdentityChangedException("the identity of " + user + " changed: confirm the new safety"
                    + " number before sending", e);
        }
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

    private JsonArray encrypt(String toUserId, Function<String, byte[]> contentFor) throws IdentityChangedException {
        JsonArray out = new JsonArray();
        List<String> users = toUserId.equals(userId) ? List.of(userId) : List.of(toUserId, userId);
        for (String user : users) {
            for (String device : devicesOf.getOrDefault(user, Set.of())) {
                if (device.equals(deviceId)) {
                    continue;
                }
                try {
                    Envelope e = cipher.encrypt(new DeviceAddress(user, device), contentFor.apply(device));
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
            // After the identity check (another identity is an identity change), the device's own authorisation.
            String unauthorised = d.unauthorised();
            if (unauthorised != null) {
                store.deleteSession(d.address().signal());
                devicesOf.remove(user); // nothing is sent to the user; the next send fetches again
                throw new UnauthorisedDeviceException(user, device, unauthorised);
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
