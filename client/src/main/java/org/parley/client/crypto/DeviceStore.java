package org.parley.client.crypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.ReusedBaseKeyException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.groups.state.SenderKeyRecord;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SessionRecord;
import org.signal.libsignal.protocol.state.SignalProtocolStore;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * A device's libsignal state (identity, prekeys, sessions, trusted identities, sender keys) in one local file,
 * encrypted at rest with AES-256-GCM under a key the application supplies (from the platform's key store).
 *
 * <p>Every change is written before the call returns, by writing a temporary file and moving it over the old one, so
 * a crash leaves the old state or the new one, never half of either. A ratchet step that is not saved would make the
 * next messages undecryptable, which is why nothing is batched.
 *
 * <p>File: {@code "PRLYDS01"}, a key-check block (12-byte nonce, GCM tag over nothing), then a 12-byte nonce and the
 * GCM ciphertext of the state, authenticated together with everything before it. The key check tells a wrong key
 * ({@link DeviceStoreException.WrongKey}) from a changed file ({@link DeviceStoreException.Tampered}).
 *
 * <p>Trust is on first use: a user's first identity key is kept, and a different one is untrusted until
 * {@link #trustIdentity} accepts it (after the user has seen the new safety number).
 */
public final class DeviceStore implements SignalProtocolStore {
    private static final byte[] MAGIC = "PRLYDS01".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int HEADER_BYTES = MAGIC.length + NONCE_BYTES + TAG_BITS / 8 + NONCE_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final SecretKey key;
    private final IdentityKeyPair identity;
    private final int registrationId;
    private final Map<String, byte[]> identities = new LinkedHashMap<>();
    private final Map<String, byte[]> sessions = new LinkedHashMap<>();
    private final Map<Integer, byte[]> preKeys = new LinkedHashMap<>();
    private final Map<Integer, byte[]> signedPreKeys = new LinkedHashMap<>();
    private final Map<Integer, byte[]> kyberPreKeys = new LinkedHashMap<>();
    private final Set<Integer> kyberLastResortIds = new HashSet<>();
    // (kyber id, signed prekey id, base key) triples a last-resort key was used with: a second use is a replay.
    private final Set<String> lastResortUses = new HashSet<>();
    private final Map<String, byte[]> senderKeys = new LinkedHashMap<>();
    // Verification (docs/e2e.md, "Verification"): the identity key each verified user was verified with, and the users
    // whose identity changed and is not accepted yet (the new key, or empty while only the server's notice is known).
    private final Map<String, byte[]> verified = new LinkedHashMap<>();
    private final Map<String, byte[]> changed = new LinkedHashMap<>();
    // The last identity-change notice handled per (user, conversation): its seq, so a redelivered or paged notice is
    // not taken for a new change.
    private final Map<String, byte[]> notices = new LinkedHashMap<>();
    // Per group conversation: this device's sending state (GroupSendState), so a restart keeps its sender key in use.
    private final Map<String, byte[]> groupSendStates = new LinkedHashMap<>();
    // Key upkeep (PreKeyUpkeep): the next key id per kind ("preKey", "signedPreKey", "kyberPreKey"), 4 bytes each, so
    // a refill or a rotation never gives a new key the id of one handed out before.
    private final Map<String, byte[]> nextKeyIds = new LinkedHashMap<>();

    private DeviceStore(Path file, SecretKey key, IdentityKeyPair identity, int registrationId) {
        this.file = file;
        this.key = key;
        this.identity = identity;
        this.registrationId = registrationId;
    }

    /** A fresh AES-256 key, for applications without a platform key store (and tests). */
    public static SecretKey newKey() {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256, RANDOM);
            return generator.generateKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES is part of every Java platform", e);
        }
    }

    /** A store key from its 32 raw bytes. */
    public static SecretKey key(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("a store key is 32 bytes, not " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    /**
     * Creates the store of a new device from its freshly generated keys. Refuses to overwrite an existing file: that
     * would throw away an identity and every session.
     */
    public static DeviceStore create(Path file, SecretKey key, DeviceKeys keys) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "a device store is there already");
        }
        DeviceStore store = new DeviceStore(file, key, keys.identity(), keys.registrationId());
        store.signedPreKeys.put(keys.signedPreKey().getId(), keys.signedPreKey().serialize());
        store.kyberPreKeys.put(keys.kyberLastResort().getId(), keys.kyberLastResort().serialize());
        store.kyberLastResortIds.add(keys.kyberLastResort().getId());
        for (PreKeyRecord r : keys.oneTimePreKeys()) {
            store.preKeys.put(r.getId(), r.serialize());
        }
        for (KyberPreKeyRecord r : keys.oneTimeKyberPreKeys()) {
            store.kyberPreKeys.put(r.getId(), r.serialize());
        }
        store.nextKeyIds.put(PRE_KEY, intBytes(1 + store.preKeys.keySet().stream().mapToInt(i -> i).max().orElse(0)));
        store.nextKeyIds.put(SIGNED_PRE_KEY, intBytes(1 + keys.signedPreKey().getId()));
        store.nextKeyIds.put(KYBER_PRE_KEY, intBytes(1 + store.kyberPreKeys.keySet().stream().mapToInt(i -> i).max()
                .orElse(0)));
        store.write();
        return store;
    }

    /** Opens an existing store with the key it was written with. */
    public static DeviceStore open(Path file, SecretKey key) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < HEADER_BYTES + TAG_BITS / 8 || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new DeviceStoreException.Tampered(file + " is not a device store, or is truncated", null);
        }
        int checkEnd = MAGIC.length + NONCE_BYTES + TAG_BITS / 8;
        try {
            Cipher check = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(all, MAGIC.length, MAGIC.length
                    + NONCE_BYTES));
            check.updateAAD(all, 0, MAGIC.length + NONCE_BYTES);
            check.doFinal(all, MAGIC.length + NONCE_BYTES, TAG_BITS / 8);
        } catch (AEADBadTagException e) {
            throw new DeviceStoreException.WrongKey("the key does not open the device store " + file
                    + ": it was written with another key", e);
        } catch (GeneralSecurityException e) {
            throw new DeviceStoreException.WrongKey("the key cannot open the device store " + file + ": "
                    + e.getMessage(), e);
        }
        byte[] state;
        try {
            Cipher body = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(all, checkEnd, HEADER_BYTES));
            body.updateAAD(all, 0, HEADER_BYTES);
            state = body.doFinal(all, HEADER_BYTES, all.length - HEADER_BYTES);
        } catch (GeneralSecurityException e) {
            throw new DeviceStoreException.Tampered("the device store " + file
                    + " was changed since it was written: refused", e);
        }
        try {
            return read(file, key, state);
        } catch (IOException | InvalidKeyException | RuntimeException e) {
            // Authenticated, so written by this code: a format this version cannot read.
            throw new DeviceStoreException.Tampered("the device store " + file + " cannot be read: " + e, e);
        }
    }

    /**
     * Accepts a user's new identity key (the user of this device confirmed it, e.g. after comparing the new safety
     * number); messages and bundles of that user's devices are trusted again.
     */
    public synchronized void trustIdentity(String userId, IdentityKey identityKey) {
        byte[] key = identityKey.serialize();
        identities.put(userId, key);
        changed.remove(userId);
        byte[] was = verified.get(userId);
        if (was != null && !Arrays.equals(was, key)) {
            verified.remove(userId); // verified for another key: unverified now
        }
        save();
    }

    /** The identity key trusted for a user (first seen, or accepted), or null if none is known yet. */
    public synchronized IdentityKey trustedIdentity(String userId) {
        return identityKey(identities.get(userId));
    }

    /** Marks a user verified for its trusted identity key (the safety numbers matched). */
    public synchronized void markVerified(String userId, IdentityKey identityKey) {
        verified.put(userId, identityKey.serialize());
        save();
    }

    /** Removes a user's verification (UNVERIFIED). */
    public synchronized void unverify(String userId) {
        if (verified.remove(userId) != null) {
            save();
        }
    }

    /** The identity key the user was verified with, or null if never verified (or since unverified). */
    public synchronized IdentityKey verifiedIdentity(String userId) {
        return identityKey(verified.get(userId));
    }

    /**
     * Marks a user's identity changed: nothing is encrypted to or decrypted from its devices until {@link #trustIdentity}
     * accepts a key. {@code newKey} is the new identity key if known (a bundle or message carried it), else null (only
     * the server's {@code identity_changed} notice); a later known key replaces an unknown one.
     */
    public synchronized void markChanged(String userId, IdentityKey newKey) {
        byte[] key = newKey == null ? new byte[0] : newKey.serialize();
        byte[] before = changed.get(userId);
        if (before == null || before.length == 0 || key.length > 0) {
            changed.put(userId, key);
            save();
        }
    }

    /** Whether the user's identity changed and was not accepted yet. */
    public synchronized boolean isChanged(String userId) {
        return changed.containsKey(userId);
    }

    /** The changed identity key seen for the user, or null if not changed or not seen yet. */
    public synchronized IdentityKey changedIdentity(String userId) {
        byte[] key = changed.get(userId);
        return key == null || key.length == 0 ? null : identityKey(key);
    }

    /**
     * Records a server notice of a user's identity change (an {@code identity_changed} event at {@code seq} of a
     * conversation); false if this notice, or a later one of the same conversation, was handled before.
     */
    public synchronized boolean newNotice(String userId, String conversationId, long seq) {
        String name = userId + "\u0000" + conversationId;
        byte[] before = notices.get(name);
        if (before != null && ByteBuffer.wrap(before).getLong() >= seq) {
            return false;
        }
        notices.put(name, ByteBuffer.allocate(Long.BYTES).putLong(seq).array());
        save();
        return true;
    }

    /** Keeps this device's sending state in a group (its current sender key's id, members and holders). */
    public synchronized void storeGroupSendState(String conversationId, GroupSendState state) {
        groupSendStates.put(conversationId, state.encode());
        save();
    }

    /** This device's sending state in a group, or null before its first send there (or after a rotation). */
    public synchronized GroupSendState loadGroupSendState(String conversationId) {
        byte[] bytes = groupSendStates.get(conversationId);
        try {
            return bytes == null ? null : GroupSendState.decode(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("the group send state of " + conversationId + " is unreadable", e);
        }
    }

    /** Forgets this device's sending state in a group: its next send there starts a new sender key. */
    public synchronized void deleteGroupSendState(String conversationId) {
        if (groupSendStates.remove(conversationId) != null) {
            save();
        }
    }

    static final String PRE_KEY = "preKey";
    static final String SIGNED_PRE_KEY = "signedPreKey";
    static final String KYBER_PRE_KEY = "kyberPreKey";
    /** Ids stay below this (the directory's bound is 2^31 - 1). */
    static final int MAX_KEY_ID = Integer.MAX_VALUE - 1;

    /**
     * Reserves {@code count} consecutive ids of a kind ({@link #PRE_KEY}, {@link #SIGNED_PRE_KEY},
     * {@link #KYBER_PRE_KEY}) never given before by this store, and returns the first. A store written before the
     * counters were kept starts at a random id in [2^24, 2^30): the ids it handed out are not all known any more (the
     * handed-out keys were deleted), and a random start collides with none of them in practice (Signal's way).
     */
    public synchronized int reserveKeyIds(String kind, int count) {
        byte[] next = nextKeyIds.get(kind);
        int first = next != null ? ByteBuffer.wrap(next).getInt() : (1 << 24) + RANDOM.nextInt((1 << 30) - (1 << 24));
        if (count < 0 || (long) first + count > MAX_KEY_ID) {
            throw new IllegalStateException("no " + count + " " + kind + " ids left after " + first);
        }
        nextKeyIds.put(kind, intBytes(first + count));
        save();
        return first;
    }

    /** Stores new one-time prekeys in one write (a refill: many keys, one fsync). */
    public synchronized void storePreKeys(List<PreKeyRecord> records) {
        for (PreKeyRecord r : records) {
            preKeys.put(r.getId(), r.serialize());
        }
        save();
    }

    /** The one-time EC prekeys this device holds the private halves of (not yet used by a peer). */
    public synchronized int preKeyCount() {
        return preKeys.size();
    }

    /** Stores a rotation's new signed prekey and last-resort Kyber prekey in one write; the previous ones stay. */
    public synchronized void storeRotation(SignedPreKeyRecord signed, KyberPreKeyRecord lastResort) {
        signedPreKeys.put(signed.getId(), signed.serialize());
        kyberPreKeys.put(lastResort.getId(), lastResort.serialize());
        kyberLastResortIds.add(lastResort.getId());
        save();
    }

    /** The newest signed prekey (by its timestamp, then id). */
    public synchronized SignedPreKeyRecord currentSignedPreKey() {
        return newest(loadSignedPreKeys(), SignedPreKeyRecord::getTimestamp, SignedPreKeyRecord::getId);
    }

    /** The last-resort Kyber prekeys this device keeps (the current one and those a rotation kept). */
    public synchronized List<KyberPreKeyRecord> lastResortKyberPreKeys() {
        List<KyberPreKeyRecord> out = new ArrayList<>();
        for (int id : kyberLastResortIds) {
            byte[] bytes = kyberPreKeys.get(id);
            if (bytes != null) {
                out.add(unchecked(bytes, id, KyberPreKeyRecord::new));
            }
        }
        return out;
    }

    /** How many (last-resort key, signed prekey, base key) uses are remembered (pruned with their keys). */
    public synchronized int lastResortUseCount() {
        return lastResortUses.size();
    }

    /**
     * Deletes the signed prekeys and last-resort Kyber prekeys older than the newest {@code keep} of each (by timestamp),
     * with the record of the retired last-resort keys' uses: a PreKey message naming a deleted key is refused anyway
     * ({@code Invalid}), so their uses need no remembering. Returns how many keys were deleted.
     */
    public synchronized int pruneRetiredPreKeys(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("the current signed and last-resort prekeys are always kept");
        }
        List<Integer> signedGone = retired(loadSignedPreKeys(), keep, SignedPreKeyRecord::getTimestamp,
                SignedPreKeyRecord::getId);
        List<Integer> kyberGone = retired(lastResortKyberPreKeys(), keep, KyberPreKeyRecord::getTimestamp,
                KyberPreKeyRecord::getId);
        signedGone.forEach(signedPreKeys::remove);
        kyberGone.forEach(id -> {
            kyberPreKeys.remove(id);
            kyberLastResortIds.remove(id);
        });
        lastResortUses.removeIf(use -> kyberGone.contains(Integer.parseInt(use.substring(0, use.indexOf(':'))))
                || signedGone.contains(Integer.parseInt(use.split(":", 3)[1])));
        if (!signedGone.isEmpty() || !kyberGone.isEmpty()) {
            save();
        }
        return signedGone.size() + kyberGone.size();
    }

    private static <T> T newest(List<T> records, java.util.function.ToLongFunction<T> time,
            java.util.function.ToIntFunction<T> id) {
        return records.stream().max(java.util.Comparator.comparingLong(time).thenComparingInt(id)).orElse(null);
    }

    private static <T> List<Integer> retired(List<T> records, int keep, java.util.function.ToLongFunction<T> time,
            java.util.function.ToIntFunction<T> id) {
        List<T> sorted = new ArrayList<>(records);
        sorted.sort(java.util.Comparator.comparingLong(time).thenComparingInt(id).reversed());
        List<Integer> out = new ArrayList<>();
        for (int i = keep; i < sorted.size(); i++) {
            out.add(id.applyAsInt(sorted.get(i)));
        }
        return out;
    }

    private static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    /** Drops every session with the devices of a user (the next send fetches their bundles again). */
    public synchronized void deleteSessionsOf(String userId) {
        if (sessions.keySet().removeIf(k -> k.startsWith(userId + "/"))) {
            save();
        }
    }

    private static IdentityKey identityKey(byte[] bytes) {
        try {
            return bytes == null ? null : new IdentityKey(bytes);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("a stored identity key is unreadable", e);
        }
    }

    // --- IdentityKeyStore: trust is per user (all devices of a user share its identity key), so a re-registered
    // user is noticed on whichever of its devices speaks first.

    @Override
    public IdentityKeyPair getIdentityKeyPair() {
        return identity;
    }

    @Override
    public int getLocalRegistrationId() {
        return registrationId;
    }

    @Override
    public synchronized IdentityChange saveIdentity(SignalProtocolAddress address, IdentityKey identityKey) {
        byte[] key = identityKey.serialize();
        byte[] before = identities.put(user(address), key);
        if (before != null && Arrays.equals(before, key)) {
            return IdentityChange.NEW_OR_UNCHANGED;
        }
        save();
        return before == null ? IdentityChange.NEW_OR_UNCHANGED : IdentityChange.REPLACED_EXISTING;
    }

    @Override
    public synchronized boolean isTrustedIdentity(SignalProtocolAddress address, IdentityKey identityKey,
            Direction direction) {
        String user = user(address);
        if (changed.containsKey(user)) {
            return false; // held until the change is accepted
        }
        byte[] known = identities.get(user);
        return known == null || Arrays.equals(known, identityKey.serialize());
    }

    @Override
    public synchronized IdentityKey getIdentity(SignalProtocolAddress address) {
        byte[] known = identities.get(user(address));
        try {
            return known == null ? null : new IdentityKey(known);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("stored identity key of " + address + " is unreadable", e);
        }
    }

    private static String user(SignalProtocolAddress address) {
        return DeviceAddress.of(address).userId();
    }

    // --- PreKeyStore

    @Override
    public synchronized PreKeyRecord loadPreKey(int preKeyId) throws InvalidKeyIdException {
        return record(preKeys.get(preKeyId), preKeyId, PreKeyRecord::new);
    }

    @Override
    public synchronized void storePreKey(int preKeyId, PreKeyRecord record) {
        preKeys.put(preKeyId, record.serialize());
        save();
    }

    @Override
    public synchronized boolean containsPreKey(int preKeyId) {
        return preKeys.containsKey(preKeyId);
    }

    @Override
    public synchronized void removePreKey(int preKeyId) {
        if (preKeys.remove(preKeyId) != null) {
            save();
        }
    }

    // --- SignedPreKeyStore

    @Override
    public synchronized SignedPreKeyRecord loadSignedPreKey(int signedPreKeyId) throws InvalidKeyIdException {
        return record(signedPreKeys.get(signedPreKeyId), signedPreKeyId, SignedPreKeyRecord::new);
    }

    @Override
    public synchronized List<SignedPreKeyRecord> loadSignedPreKeys() {
        List<SignedPreKeyRecord> out = new ArrayList<>();
        for (Map.Entry<Integer, byte[]> e : signedPreKeys.entrySet()) {
            out.add(unchecked(e.getValue(), e.getKey(), SignedPreKeyRecord::new));
        }
        return out;
    }

    @Override
    public synchronized void storeSignedPreKey(int signedPreKeyId, SignedPreKeyRecord record) {
        signedPreKeys.put(signedPreKeyId, record.serialize());
        save();
    }

    @Override
    public synchronized boolean containsSignedPreKey(int signedPreKeyId) {
        return signedPreKeys.containsKey(signedPreKeyId);
    }

    @Override
    public synchronized void removeSignedPreKey(int signedPreKeyId) {
        if (signedPreKeys.remove(signedPreKeyId) != null) {
            save();
        }
    }

    // --- KyberPreKeyStore

    @Override
    public synchronized KyberPreKeyRecord loadKyberPreKey(int kyberPreKeyId) throws InvalidKeyIdException {
        return record(kyberPreKeys.get(kyberPreKeyId), kyberPreKeyId, KyberPreKeyRecord::new);
    }

    @Override
    public synchronized List<KyberPreKeyRecord> loadKyberPreKeys() {
        List<KyberPreKeyRecord> out = new ArrayList<>();
        for (Map.Entry<Integer, byte[]> e : kyberPreKeys.entrySet()) {
            out.add(unchecked(e.getValue(), e.getKey(), KyberPreKeyRecord::new));
        }
        return out;
    }

    @Override
    public synchronized void storeKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
        kyberPreKeys.put(kyberPreKeyId, record.serialize());
        save();
    }

    @Override
    public synchronized boolean containsKyberPreKey(int kyberPreKeyId) {
        return kyberPreKeys.containsKey(kyberPreKeyId);
    }

    /**
     * A one-time Kyber prekey is deleted after its use. The last-resort one stays, but the same (signed prekey, base
     * key) may use it once only: a second time is a replayed PreKey message.
     */
    @Override
    public synchronized void markKyberPreKeyUsed(int kyberPreKeyId, int signedPreKeyId, ECPublicKey baseKey)
            throws ReusedBaseKeyException {
        if (kyberLastResortIds.contains(kyberPreKeyId)) {
            String use = kyberPreKeyId + ":" + signedPreKeyId + ":"
                    + Base64.getEncoder().encodeToString(baseKey.serialize());
            if (!lastResortUses.add(use)) {
                throw new ReusedBaseKeyException("last-resort Kyber prekey " + kyberPreKeyId
                        + " used again with the same base key");
            }
        } else {
            kyberPreKeys.remove(kyberPreKeyId);
        }
        save();
    }

    // --- SessionStore

    @Override
    public synchronized SessionRecord loadSession(SignalProtocolAddress address) {
        byte[] bytes = sessions.get(name(address));
        return bytes == null ? null : unchecked(bytes, 0, SessionRecord::new);
    }

    @Override
    public synchronized List<SessionRecord> loadExistingSessions(List<SignalProtocolAddress> addresses)
            throws NoSessionException {
        List<SessionRecord> out = new ArrayList<>();
        for (SignalProtocolAddress a : addresses) {
            SessionRecord r = loadSession(a);
            if (r == null) {
                throw new NoSessionException("no session for " + a);
            }
            out.add(r);
        }
        return out;
    }

    @Override
    public synchronized List<Integer> getSubDeviceSessions(String name) {
        // Parley puts the device in the name and uses device number 1 only: there are no sub-devices.
        return List.of();
    }

    @Override
    public synchronized void storeSession(SignalProtocolAddress address, SessionRecord record) {
        sessions.put(name(address), record.serialize());
        save();
    }

    @Override
    public synchronized boolean containsSession(SignalProtocolAddress address) {
        return sessions.containsKey(name(address));
    }

    @Override
    public synchronized void deleteSession(SignalProtocolAddress address) {
        if (sessions.remove(name(address)) != null) {
            save();
        }
    }

    @Override
    public synchronized void deleteAllSessions(String name) {
        if (sessions.keySet().removeIf(k -> k.startsWith(name + "#"))) {
            save();
        }
    }

    // --- SenderKeyStore

    @Override
    public synchronized void storeSenderKey(SignalProtocolAddress sender, UUID distributionId, SenderKeyRecord record) {
        senderKeys.put(name(sender) + "#" + distributionId, record.serialize());
        save();
    }

    @Override
    public synchronized SenderKeyRecord loadSenderKey(SignalProtocolAddress sender, UUID distributionId) {
        byte[] bytes = senderKeys.get(name(sender) + "#" + distributionId);
        return bytes == null ? null : unchecked(bytes, 0, SenderKeyRecord::new);
    }

    // --- the file

    private static String name(SignalProtocolAddress address) {
        return address.getName() + "#" + address.getDeviceId();
    }

    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidMessageException;
    }

    private static <T> T record(byte[] bytes, int id, Parser<T> parser) throws InvalidKeyIdException {
        if (bytes == null) {
            throw new InvalidKeyIdException("no key with id " + id);
        }
        return unchecked(bytes, id, parser);
    }

    private static <T> T unchecked(byte[] bytes, int id, Parser<T> parser) {
        try {
            return parser.parse(bytes);
        } catch (InvalidMessageException e) {
            throw new IllegalStateException("stored record " + id + " is unreadable", e);
        }
    }

    private void save() {
        try {
            write();
        } catch (IOException e) {
            // libsignal's store interfaces cannot throw; the operation fails, the old file stays.
            throw new UncheckedIOException("cannot write the device store " + file, e);
        }
    }

    private void write() throws IOException {
        byte[] state = state();
        try {
            byte[] checkNonce = nonce();
            byte[] bodyNonce = nonce();
            ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + state.length + TAG_BITS / 8);
            out.put(MAGIC).put(checkNonce);
            Cipher check = cipher(Cipher.ENCRYPT_MODE, key, checkNonce);
            check.updateAAD(out.array(), 0, out.position());
            out.put(check.doFinal());
            out.put(bodyNonce);
            Cipher body = cipher(Cipher.ENCRYPT_MODE, key, bodyNonce);
            body.updateAAD(out.array(), 0, HEADER_BYTES);
            out.put(body.doFinal(state));
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName() + "-", ".tmp");
            try {
                try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    out.flip();
                    while (out.hasRemaining()) {
                        channel.write(out);
                    }
                    channel.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt the device store with the key given", e);
        }
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] nonce) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        return cipher;
    }

    private byte[] state() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(registrationId);
            writeBytes(out, identity.serialize());
            writeNamed(out, identities);
            writeNamed(out, sessions);
            writeNumbered(out, preKeys);
            writeNumbered(out, signedPreKeys);
            writeNumbered(out, kyberPreKeys);
            out.writeInt(kyberLastResortIds.size());
            for (int id : kyberLastResortIds) {
                out.writeInt(id);
            }
            out.writeInt(lastResortUses.size());
            for (String use : lastResortUses) {
                out.writeUTF(use);
            }
            writeNamed(out, senderKeys);
            writeNamed(out, verified);
            writeNamed(out, changed);
            writeNamed(out, notices);
            writeNamed(out, groupSendStates);
            writeNamed(out, nextKeyIds);
        }
        return bytes.toByteArray();
    }

    private static DeviceStore read(Path file, SecretKey key, byte[] state) throws IOException, InvalidKeyException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(state));
        int registrationId = in.readInt();
        DeviceStore store = new DeviceStore(file, key, new IdentityKeyPair(readBytes(in)), registrationId);
        readNamed(in, store.identities);
        readNamed(in, store.sessions);
        readNumbered(in, store.preKeys);
        readNumbered(in, store.signedPreKeys);
        readNumbered(in, store.kyberPreKeys);
        for (int i = in.readInt(); i > 0; i--) {
            store.kyberLastResortIds.add(in.readInt());
        }
        for (int i = in.readInt(); i > 0; i--) {
            store.lastResortUses.add(in.readUTF());
        }
        readNamed(in, store.senderKeys);
        if (in.available() != 0) { // a store written before verification existed ends here
            readNamed(in, store.verified);
            readNamed(in, store.changed);
            readNamed(in, store.notices);
        }
        if (in.available() != 0) { // a store written before group send states were kept ends here
            readNamed(in, store.groupSendStates);
        }
        if (in.available() != 0) { // a store written before key ids were counted ends here
            readNamed(in, store.nextKeyIds);
        }
        if (in.available() != 0) {
            throw new IOException("trailing bytes");
        }
        return store;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("bad length " + length);
        }
        return in.readNBytes(length);
    }

    private static void writeNamed(DataOutputStream out, Map<String, byte[]> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            writeBytes(out, e.getValue());
        }
    }

    private static void readNamed(DataInputStream in, Map<String, byte[]> map) throws IOException {
        for (int i = in.readInt(); i > 0; i--) {
            map.put(in.readUTF(), readBytes(in));
        }
    }

    private static void writeNumbered(DataOutputStream out, Map<Integer, byte[]> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<Integer, byte[]> e : map.entrySet()) {
            out.writeInt(e.getKey());
            writeBytes(out, e.getValue());
        }
    }

    private static void readNumbered(DataInputStream in, Map<Integer, byte[]> map) throws IOException {
        for (int i = in.readInt(); i > 0; i--) {
            map.put(in.readInt(), readBytes(in));
        }
    }
}
