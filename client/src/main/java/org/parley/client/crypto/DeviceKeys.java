package org.parley.client.crypto;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;
import org.signal.libsignal.protocol.util.KeyHelper;

/**
 * The keys a device makes once, when it is registered: its identity key pair and registration id, a signed EC prekey,
 * a signed Kyber-1024 last-resort prekey, and one-time prekeys. The private halves go into the device's
 * {@link DeviceStore}; {@link #upload()} is the public half the key directory receives (docs/protocol.md, "Key
 * directory").
 *
 * <p>The last-resort Kyber prekey exists so that a session is always post-quantum (PQXDH): when the directory runs out
 * of one-time Kyber prekeys it hands out this one, and the store refuses a second use with the same base key.
 */
public final class DeviceKeys {
    /** Key ids start at 1: the directory and libsignal use 0 and negative ids for "none". */
    static final int FIRST_KEY_ID = 1;

    private final IdentityKeyPair identity;
    private final int registrationId;
    private final SignedPreKeyRecord signedPreKey;
    private final KyberPreKeyRecord kyberLastResort;
    private final List<PreKeyRecord> oneTimePreKeys;
    private final List<KyberPreKeyRecord> oneTimeKyberPreKeys;
    private DeviceGrant grant;

    private DeviceKeys(IdentityKeyPair identity, int registrationId, SignedPreKeyRecord signedPreKey,
            KyberPreKeyRecord kyberLastResort, List<PreKeyRecord> oneTimePreKeys,
            List<KyberPreKeyRecord> oneTimeKyberPreKeys) {
        this.identity = identity;
        this.registrationId = registrationId;
        this.signedPreKey = signedPreKey;
        this.kyberLastResort = kyberLastResort;
        this.oneTimePreKeys = List.copyOf(oneTimePreKeys);
        this.oneTimeKyberPreKeys = List.copyOf(oneTimeKyberPreKeys);
    }

    /**
     * New keys for a user's primary device, with a new identity. One-time EC prekeys have ids 1..{@code oneTime}; the
     * last-resort Kyber prekey has id 1 and one-time Kyber prekeys follow it (ids are per kind, as in libsignal).
     */
    public static DeviceKeys generate(int oneTime, int oneTimeKyber) {
        return generate(IdentityKeyPair.generate(), oneTime, oneTimeKyber);
    }

    /**
     * New keys for a companion device: the user's identity key pair (every device of a user has the same, so peers
     * and safety numbers see one identity per user), with the companion's own prekeys and registration id.
     */
    public static DeviceKeys generate(IdentityKeyPair identity, int oneTime, int oneTimeKyber) {
        // Signal's range (1..16380): the peer sees it in PreKey messages and notices a reinstalled device by it.
        return generate(identity, KeyHelper.generateRegistrationId(false), oneTime, oneTimeKyber);
    }

    /**
     * New keys for a companion provisioned by its primary ({@link Provisioning.Grant}): the user's identity key pair and
     * the registration id the grant names (the identity signed both).
     */
    public static DeviceKeys generate(IdentityKeyPair identity, int registrationId, int oneTime, int oneTimeKyber) {
        if (oneTime < 0 || oneTimeKyber < 0) {
            throw new IllegalArgumentException("negative prekey count");
        }
        long now = System.currentTimeMillis();
        ECKeyPair signed = ECKeyPair.generate();
        SignedPreKeyRecord signedPreKey = new SignedPreKeyRecord(FIRST_KEY_ID, now, signed,
                identity.getPrivateKey().calculateSignature(signed.getPublicKey().serialize()));
        KyberPreKeyRecord lastResort = kyberPreKey(identity, FIRST_KEY_ID, now);
        List<PreKeyRecord> ecs = new ArrayList<>();
        for (int i = 0; i < oneTime; i++) {
            ecs.add(new PreKeyRecord(FIRST_KEY_ID + i, ECKeyPair.generate()));
        }
        List<KyberPreKeyRecord> kybers = new ArrayList<>();
        for (int i = 0; i < oneTimeKyber; i++) {
            kybers.add(kyberPreKey(identity, FIRST_KEY_ID + 1 + i, now));
        }
        return new DeviceKeys(identity, registrationId, signedPreKey, lastResort, ecs, kybers);
    }

    static KyberPreKeyRecord kyberPreKey(IdentityKeyPair identity, int id, long now) {
        KEMKeyPair pair = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
        return new KyberPreKeyRecord(id, now, pair,
                identity.getPrivateKey().calculateSignature(pair.getPublicKey().serialize()));
    }

    /**
     * These keys with the device's grant, published with them (a provisioned companion: {@code grant.deviceGrant()};
     * without one, {@code SecureMessenger.publishKeys} publishes a grant the identity signs for the device itself).
     */
    public DeviceKeys withGrant(DeviceGrant deviceGrant) {
        DeviceKeys copy = new DeviceKeys(identity, registrationId, signedPreKey, kyberLastResort, oneTimePreKeys,
                oneTimeKyberPreKeys);
        copy.grant = deviceGrant;
        return copy;
    }

    /** The grant given with {@link #withGrant}, or null. */
    public DeviceGrant grant() {
        return grant;
    }

    public IdentityKeyPair identity() {
        return identity;
    }

    public int registrationId() {
        return registrationId;
    }

    public SignedPreKeyRecord signedPreKey() {
        return signedPreKey;
    }

    public KyberPreKeyRecord kyberLastResort() {
        return kyberLastResort;
    }

    public List<PreKeyRecord> oneTimePreKeys() {
        return oneTimePreKeys;
    }

    public List<KyberPreKeyRecord> oneTimeKyberPreKeys() {
        return oneTimeKyberPreKeys;
    }

    /**
     * The upload form: public keys and signatures, base64 (standard alphabet, padded) of libsignal's serialised forms
     * (EC keys 33 bytes with the type byte 0x05, Kyber-1024 keys 1569 bytes with 0x08; signatures 64 bytes, by the
     * identity key over the serialised public key).
     */
    public JsonObject upload() {
        try {
            JsonArray ecs = new JsonArray();
            for (PreKeyRecord r : oneTimePreKeys) {
                ecs.add(new JsonObject().put("keyId", r.getId())
                        .put("publicKey", b64(r.getKeyPair().getPublicKey().serialize())));
            }
            JsonArray kybers = new JsonArray();
            for (KyberPreKeyRecord r : oneTimeKyberPreKeys) {
                kybers.add(kyber(r));
            }
            JsonObject upload = new JsonObject()
                    .put("identityKey", b64(identity.getPublicKey().serialize()))
                    .put("registrationId", registrationId)
                    .put("signedPreKey", new JsonObject().put("keyId", signedPreKey.getId())
                            .put("publicKey", b64(signedPreKey.getKeyPair().getPublicKey().serialize()))
                            .put("signature", b64(signedPreKey.getSignature())))
                    .put("kyberLastResort", kyber(kyberLastResort))
                    .put("oneTimePreKeys", ecs)
                    .put("oneTimeKyberPreKeys", kybers);
            return grant == null ? upload : upload.put("deviceGrant", grant.toJson());
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("a record made here does not hold its own key pair", e);
        }
    }

    static JsonObject kyber(KyberPreKeyRecord r) throws InvalidKeyException {
        return new JsonObject().put("keyId", r.getId())
                .put("publicKey", b64(r.getKeyPair().getPublicKey().serialize()))
                .put("signature", b64(r.getSignature()));
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
