package org.parley.client.crypto;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * Provisioning a companion device (docs/e2e.md, "Linking a device"; docs/adr/0013): the user's identity key pair goes
 * from the primary to the new device only, sealed so that the server relaying it cannot read it.
 *
 * <ol>
 *   <li>The new device makes an ephemeral X25519 key pair and a random link id ({@link LinkRequest}) and shows the
 *   {@linkplain LinkRequest#linkCode() link code} (a QR code in an app): {@code parley-link:1:<linkId>:<public key>}.</li>
 *   <li>The primary reads it and {@linkplain #seal seals} the grant to the ephemeral key: it makes its own ephemeral
 *   key pair, computes the X25519 agreement, derives a 32-byte key with HKDF-SHA256 (salt: both ephemeral public keys,
 *   info {@code "Parley provisioning v1"}) and encrypts with AES-256-GCM (random 12-byte nonce; associated data: the
 *   version byte, both ephemeral public keys and the link id). Sealed: {@code 0x01 || primary ephemeral public key
 *   (33 bytes) || nonce || ciphertext and tag}.</li>
 *   <li>The grant (JSON inside): user id, the new device's id, its token and registration id, the identity key pair,
 *   and a signature by the identity key over (user id, device id, registration id, identity public key, the new
 *   device's ephemeral public key): the identity authorises exactly this device of this link request.</li>
 *   <li>The new device {@linkplain #open opens} it with its ephemeral private key; any other key, a changed byte or
 *   another link id fails, and so does a grant whose signature or key pair does not hold.</li>
 * </ol>
 */
public final class Provisioning {
    static final byte VERSION = 1;
    private static final String PREFIX = "parley-link:1:";
    private static final byte[] INFO = "Parley provisioning v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int KEY_BYTES = 33;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Provisioning() {
    }

    /** Provisioning failed: not sealed to this request, changed on the way, or not a valid grant. Nothing was used. */
    public static final class ProvisioningException extends Exception {
        public ProvisioningException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The new device's side: its ephemeral key pair and link id. Keep it until the grant arrives; use it once. */
    public static final class LinkRequest {
        private final String linkId;
        private final ECKeyPair ephemeral;

        private LinkRequest(String linkId, ECKeyPair ephemeral) {
            this.linkId = linkId;
            this.ephemeral = ephemeral;
        }

        public static LinkRequest create() {
            byte[] id = new byte[16];
            RANDOM.nextBytes(id);
            return new LinkRequest(Base64.getUrlEncoder().withoutPadding().encodeToString(id), ECKeyPair.generate());
        }

        /** The relay's id for this request (128 random bits, base64url): the new device's one-time credential. */
        public String linkId() {
            return linkId;
        }

        /** What the new device shows (as a QR code) for the primary to read. */
        public String linkCode() {
            return PREFIX + linkId + ":" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(ephemeral.getPublicKey().serialize());
        }
    }

    /** A link code as the primary read it. */
    public record LinkCode(String linkId, ECPublicKey ephemeral) {
        public static LinkCode parse(String code) throws ProvisioningException {
            if (code == null || !code.startsWith(PREFIX)) {
                throw new ProvisioningException("not a Parley link code", null);
            }
            String[] parts = code.substring(PREFIX.length()).split(":", -1);
            try {
                if (parts.length != 2 || !parts[0].matches("[A-Za-z0-9_-]{22,64}")) {
                    throw new IllegalArgumentException("two parts: link id, public key");
                }
                return new LinkCode(parts[0], new ECPublicKey(Base64.getUrlDecoder().decode(parts[1])));
            } catch (IllegalArgumentException | InvalidKeyException e) {
                throw new ProvisioningException("malformed link code: " + e.getMessage(), e);
            }
        }
    }

    /** What the new device receives: who it is, its token, and the user's identity, authorised by that identity. */
    public record Grant(String userId, String deviceId, String token, int registrationId, IdentityKeyPair identity,
            byte[] signature, ECPublicKey linkKey) {
        /** The primary's signature over this device, to publish with its keys ({@link DeviceKeys#withGrant}). */
        public DeviceGrant deviceGrant() {
            return new DeviceGrant(linkKey, signature);
        }
    }

    /**
     * The primary's side: seals a grant for the device that showed {@code code}. {@code identity} is the user's identity
     * key pair (the primary's store has it); {@code deviceId}/{@code token} are what {@code POST /v1/devices/link}
     * returned for the new device; {@code registrationId} is the one it will use.
     */
    public static byte[] seal(LinkCode code, IdentityKeyPair identity, String userId, String deviceId, String token,
            int registrationId) {
        byte[] signature = identity.getPrivateKey().calculateSignature(signed(userId, deviceId, registrationId,
                identity, code.ephemeral()));
        byte[] grant = new JsonObject().put("userId", userId).put("deviceId", deviceId).put("token", token)
                .put("registrationId", registrationId)
                .put("identityKeyPair", Base64.getEncoder().encodeToString(identity.serialize()))
                .put("signature", Base64.getEncoder().encodeToString(signature))
                .encode().getBytes(StandardCharsets.UTF_8);
        ECKeyPair mine = ECKeyPair.generate();
        byte[] minePublic = mine.getPublicKey().serialize();
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] key = key(mine.getPrivateKey().calculateAgreement(code.ephemeral()), minePublic,
                code.ephemeral().serialize());
        try {
            Cipher gcm = gcm(Cipher.ENCRYPT_MODE, key, nonce);
            gcm.updateAAD(aad(minePublic, code.ephemeral().serialize(), code.linkId()));
            byte[] body = gcm.doFinal(grant);
            return ByteBuffer.allocate(1 + KEY_BYTES + NONCE_BYTES + body.length).put(VERSION).put(minePublic)
                    .put(nonce).put(body).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java platform", e);
        }
    }

    /** The new device's side: opens the sealed grant with its request and checks it. */
    public static Grant open(LinkRequest request, byte[] sealed) throws ProvisioningException {
        if (sealed == null || sealed.length < 1 + KEY_BYTES + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new ProvisioningException("not a sealed provisioning message of version " + VERSION, null);
        }
        byte[] theirPublic = Arrays.copyOfRange(sealed, 1, 1 + KEY_BYTES);
        byte[] nonce = Arrays.copyOfRange(sealed, 1 + KEY_BYTES, 1 + KEY_BYTES + NONCE_BYTES);
        byte[] minePublic = request.ephemeral.getPublicKey().serialize();
        byte[] grant;
        try {
            byte[] key = key(request.ephemeral.getPrivateKey().calculateAgreement(new ECPublicKey(theirPublic)),
                    theirPublic, minePublic);
            Cipher gcm = gcm(Cipher.DECRYPT_MODE, key, nonce);
            gcm.updateAAD(aad(theirPublic, minePublic, request.linkId));
            grant = gcm.doFinal(sealed, 1 + KEY_BYTES + NONCE_BYTES, sealed.length - 1 - KEY_BYTES - NONCE_BYTES);
        } catch (InvalidKeyException | GeneralSecurityException | IllegalArgumentException e) {
            throw new ProvisioningException("the provisioning message does not open with this link request: sealed"
                    + " to another key or changed on the way", e);
        }
        try {
            JsonObject json = new JsonObject(new String(grant, StandardCharsets.UTF_8));
            IdentityKeyPair identity = new IdentityKeyPair(Base64.getDecoder().decode(json.getString("identityKeyPair")));
            byte[] signature = Base64.getDecoder().decode(json.getString("signature"));
            String userId = json.getString("userId");
            String deviceId = json.getString("deviceId");
            int registrationId = json.getInteger("registrationId");
            if (!Arrays.equals(identity.getPrivateKey().publicKey().serialize(),
                    identity.getPublicKey().getPublicKey().serialize())) {
                throw new ProvisioningException("the identity key pair's halves do not belong together", null);
            }
            if (!identity.getPublicKey().getPublicKey().verifySignature(signed(userId, deviceId, registrationId,
                    identity, request.ephemeral.getPublicKey()), signature)) {
                throw new ProvisioningException("the identity's signature over this device does not verify", null);
            }
            return new Grant(userId, deviceId, json.getString("token"), registrationId, identity, signature,
                    request.ephemeral.getPublicKey());
        } catch (InvalidKeyException | RuntimeException e) {
            throw new ProvisioningException("not a valid grant: " + e.getMessage(), e);
        }
    }

    /** What the identity signs: the user, the device, its registration id, the identity and this link request's key. */
    static byte[] signed(String userId, String deviceId, int registrationId, IdentityKeyPair identity,
            ECPublicKey linkKey) {
        return DeviceGrant.signed(userId, deviceId, registrationId, identity.getPublicKey(), linkKey);
    }

    private static byte[] aad(byte[] primaryEphemeral, byte[] deviceEphemeral, String linkId) {
        byte[] id = linkId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + primaryEphemeral.length + deviceEphemeral.length + id.length).put(VERSION)
                .put(primaryEphemeral).put(deviceEphemeral).put(id).array();
    }

    /** HKDF-SHA256 (RFC 5869), one 32-byte output block: extract with the salt, expand with the info. */
    static byte[] key(byte[] agreement, byte[] primaryEphemeral, byte[] deviceEphemeral) {
        try {
            byte[] salt = ByteBuffer.allocate(primaryEphemeral.length + deviceEphemeral.length).put(primaryEphemeral)
                    .put(deviceEphemeral).array();
            Mac extract = Mac.getInstance("HmacSHA256");
            extract.init(new SecretKeySpec(salt, "HmacSHA256"));
            byte[] prk = extract.doFinal(agreement);
            Mac expand = Mac.getInstance("HmacSHA256");
            expand.init(new SecretKeySpec(prk, "HmacSHA256"));
            expand.update(INFO);
            expand.update((byte) 1);
            return expand.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every Java platform", e);
        }
    }

    private static Cipher gcm(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        return c;
    }
}
