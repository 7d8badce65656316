package org.parley.edge.keys;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.parley.edge.protocol.ErrorCode;
import org.parley.projections.keys.KeyDirectory;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;

/**
 * The body of {@code PUT /v1/keys}, checked: {@code {"identityKey", "registrationId", "signedPreKey": {"keyId",
 * "publicKey", "signature"}, "kyberLastResort": {...}, "oneTimePreKeys": [{"keyId", "publicKey"}]}}, keys and
 * signatures base64 (standard alphabet) of libsignal's {@code serialize()} bytes. The first upload of a device must
 * carry the identity key, the registration id, the signed prekey and the Kyber last resort; later ones may carry only
 * one-time prekeys (a refill) or a new signed/Kyber prekey (a rotation), and the identity key and registration id, if
 * given, must be the ones the device published. Both signatures are checked with the device's identity key, over the
 * prekey's serialized public key. Pure: no I/O.
 */
public final class PreKeyUpload {
    /** Serialized sizes: a Curve25519 public key with its type byte, an XEdDSA signature, a Kyber-1024 public key. */
    public static final int EC_KEY_BYTES = 33;
    public static final int SIGNATURE_BYTES = 64;
    public static final int KYBER_1024_KEY_BYTES = 1569;
    /** libsignal's registration ids are 14 bits. */
    public static final int MAX_REGISTRATION_ID = 0x3FFF;

    /** A refused upload: the error code and a message naming the field and the rule. */
    public static final class Refused extends Exception {
        private final ErrorCode code;

        Refused(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }

        /** The HTTP status: 409 for an identity that does not match the device's, 400 otherwise. */
        public int status() {
            return code == ErrorCode.IDENTITY_KEY_CHANGED ? 409 : 400;
        }
    }

    /** Bounds (keys.max-one-time-prekeys-per-request, keys.max-one-time-prekeys). */
    public record Limits(int perRequest, int perDevice) {
    }

    /** A checked upload; the parts not given are null (the one-time list is empty). */
    public record Checked(Integer registrationId, byte[] identityKey, KeyDirectory.SignedKey signedPreKey,
            KeyDirectory.SignedKey kyberLastResort, List<KeyDirectory.OneTimeKey> oneTimePreKeys) {
    }

    private PreKeyUpload() {
    }

    /**
     * Checks {@code body} against the device's published keys ({@code existing}, empty before its first upload) and
     * its stock of one-time prekeys ({@code stocked}).
     */
    public static Checked check(JsonObject body, Optional<KeyDirectory.DeviceKeys> existing, int stocked, Limits limits)
            throws Refused {
        if (body == null) {
            throw new Refused(ErrorCode.INVALID_FIELD, "the body must be a JSON object");
        }
        boolean first = existing.isEmpty() || existing.get().identityKey() == null;
        byte[] identityBytes = body.containsKey("identityKey") ? ecKey(body, "identityKey") : null;
        Integer registrationId = body.containsKey("registrationId")
                ? integer(body, "registrationId", 1, MAX_REGISTRATION_ID) : null;
        if (first) {
            for (String f : List.of("identityKey", "registrationId", "signedPreKey", "kyberLastResort")) {
                if (!body.containsKey(f) || body.getValue(f) == null) {
                    throw new Refused(ErrorCode.MISSING_FIELD, f + " is required on a device's first upload");
                }
            }
        } else {
            KeyDirectory.DeviceKeys published = existing.get();
            if (identityBytes != null && !Arrays.equals(identityBytes, published.identityKey())) {
                throw new Refused(ErrorCode.IDENTITY_KEY_CHANGED, "identityKey differs from the one this device"
                        + " published; an identity key never changes for a device: register the device again");
            }
            if (registrationId != null && !registrationId.equals(published.registrationId())) {
                throw new Refused(ErrorCode.IDENTITY_KEY_CHANGED, "registrationId differs from the one this device"
                        + " published (" + published.registrationId() + "); register the device again");
            }
        }
        IdentityKey identity;
        try {
            identity = new IdentityKey(identityBytes != null ? identityBytes : existing.get().identityKey());
        } catch (InvalidKeyException e) {
            throw new Refused(ErrorCode.INVALID_FIELD, "identityKey is not a serialized Curve25519 public key");
        }
        KeyDirectory.SignedKey signed = body.getValue("signedPreKey") == null ? null
                : signedKey(body, "signedPreKey", false, identity);
        KeyDirectory.SignedKey kyber = body.getValue("kyberLastResort") == null ? null
                : signedKey(body, "kyberLastResort", true, identity);
        List<KeyDirectory.OneTimeKey> oneTime = oneTimeKeys(body, stocked, limits);
        if (!first && signed == null && kyber == null && oneTime.isEmpty() && identityBytes == null
                && body.getValue("deviceGrant") == null) {
            throw new Refused(ErrorCode.MISSING_FIELD, "nothing to upload: give oneTimePreKeys, signedPreKey or"
                    + " kyberLastResort");
        }
        return new Checked(first ? registrationId : null, first ? identityBytes : null, signed, kyber, oneTime);
    }

    /** What a device grant's signature covers (the SDK's {@code DeviceGrant.signed}, the same bytes). */
    private static final byte[] GRANT_CONTEXT = "Parley device link v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The upload's {@code deviceGrant} ({@code {"linkKey", "signature"}}): the user's identity authorising this device,
     * checked like the prekeys' signatures, over (context, user id, device id, registration id, identity key, link key)
     * with the identity and registration id of this upload or of the device's first one. Null if the upload has none.
     */
    public static KeyDirectory.Grant grant(JsonObject body, String userId, String deviceId, Checked checked,
            Optional<KeyDirectory.DeviceKeys> existing) throws Refused {
        Object value = body.getValue("deviceGrant");
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject o)) {
            throw new Refused(ErrorCode.INVALID_FIELD, "deviceGrant must be an object {\"linkKey\", \"signature\"}");
        }
        byte[] linkKey = ecKey(o, "deviceGrant.linkKey", "linkKey");
        byte[] signature = bytes(o, "deviceGrant.signature", "signature", SIGNATURE_BYTES, "a signature");
        byte[] identityBytes = checked.identityKey() != null ? checked.identityKey() : existing.get().identityKey();
        int registrationId = checked.registrationId() != null ? checked.registrationId()
                : existing.get().registrationId();
        java.io.ByteArrayOutputStream signedBytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(signedBytes)) {
            out.write(GRANT_CONTEXT);
            out.writeUTF(userId);
            out.writeUTF(deviceId);
            out.writeInt(registrationId);
            out.write(identityBytes);
            out.write(linkKey);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            if (!new IdentityKey(identityBytes).getPublicKey().verifySignature(signedBytes.toByteArray(), signature)) {
                throw new Refused(ErrorCode.INVALID_SIGNATURE, "deviceGrant.signature does not verify with the"
                        + " device's identity key over this user, device, registration id, identity and"
                        + " deviceGrant.linkKey");
            }
        } catch (InvalidKeyException e) {
            throw new Refused(ErrorCode.INVALID_FIELD, "identityKey is not a serialized Curve25519 public key");
        }
        return new KeyDirectory.Grant(linkKey, signature);
    }

    private static KeyDirectory.SignedKey signedKey(JsonObject body, String field, boolean kyberKey, IdentityKey identity)
            throws Refused {
        if (!(body.getValue(field) instanceof JsonObject o)) {
            throw new Refused(ErrorCode.INVALID_FIELD, field + " must be an object {\"keyId\", \"publicKey\", \"signature\"}");
        }
        int keyId = integer(o, field + ".keyId", "keyId", 0, Integer.MAX_VALUE);
        byte[] publicKey;
        if (kyberKey) {
            publicKey = bytes(o, field + ".publicKey", "publicKey", KYBER_1024_KEY_BYTES, "a serialized Kyber-1024 public key");
            try {
                new KEMPublicKey(publicKey);
            } catch (InvalidKeyException | RuntimeException e) {
                throw new Refused(ErrorCode.INVALID_FIELD, field + ".publicKey is not a serialized Kyber-1024 public key");
            }
        } else {
            publicKey = ecKey(o, field + ".publicKey", "publicKey");
        }
        byte[] signature = bytes(o, field + ".signature", "signature", SIGNATURE_BYTES, "a signature");
        if (!identity.getPublicKey().verifySignature(publicKey, signature)) {
            throw new Refused(ErrorCode.INVALID_SIGNATURE, field + ".signature does not verify with the device's"
                    + " identity key over " + field + ".publicKey");
        }
        return new KeyDirectory.SignedKey(keyId, publicKey, signature);
    }

    private static List<KeyDirectory.OneTimeKey> oneTimeKeys(JsonObject body, int stocked, Limits limits) throws Refused {
        Object value = body.getValue("oneTimePreKeys");
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw new Refused(ErrorCode.INVALID_FIELD, "oneTimePreKeys must be an array of {\"keyId\", \"publicKey\"}");
        }
        if (array.size() > limits.perRequest()) {
            throw new Refused(ErrorCode.TOO_MANY_PREKEYS, "at most " + limits.perRequest() + " oneTimePreKeys per"
                    + " request (keys.max-one-time-prekeys-per-request), got " + array.size());
        }
        if (stocked + array.size() > limits.perDevice()) {
            throw new Refused(ErrorCode.TOO_MANY_PREKEYS, "a device stores at most " + limits.perDevice()
                    + " one-time prekeys (keys.max-one-time-prekeys); it has " + stocked + ", this adds "
                    + array.size());
        }
        List<KeyDirectory.OneTimeKey> out = new ArrayList<>(array.size());
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String at = "oneTimePreKeys[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject o)) {
                throw new Refused(ErrorCode.INVALID_FIELD, at + " must be an object {\"keyId\", \"publicKey\"}");
            }
            int keyId = integer(o, at + ".keyId", "keyId", 0, Integer.MAX_VALUE);
            if (!ids.add(keyId)) {
                throw new Refused(ErrorCode.INVALID_FIELD, at + ".keyId " + keyId + " appears twice");
            }
            out.add(new KeyDirectory.OneTimeKey(keyId, ecKey(o, at + ".publicKey", "publicKey")));
        }
        return out;
    }

    private static byte[] ecKey(JsonObject o, String field) throws Refused {
        return ecKey(o, field, field);
    }

    private static byte[] ecKey(JsonObject o, String name, String key) throws Refused {
        byte[] b = bytes(o, name, key, EC_KEY_BYTES, "a serialized Curve25519 public key");
        try {
            new ECPublicKey(b);
        } catch (InvalidKeyException | RuntimeException e) {
            throw new Refused(ErrorCode.INVALID_FIELD, name + " is not a serialized Curve25519 public key");
        }
        return b;
    }

    private static byte[] bytes(JsonObject o, String name, String key, int size, String what) throws Refused {
        Object v = o.getValue(key);
        if (v == null) {
            throw new Refused(ErrorCode.MISSING_FIELD, name + " is required");
        }
        if (!(v instanceof String s)) {
            throw new Refused(ErrorCode.INVALID_FIELD, name + " must be a base64 string");
        }
        byte[] b;
        try {
            b = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new Refused(ErrorCode.INVALID_FIELD, name + " is not base64 (standard alphabet, padded)");
        }
        if (b.length != size) {
            throw new Refused(ErrorCode.INVALID_FIELD, name + " must be " + what + " (" + size + " bytes), got "
                    + b.length + " bytes");
        }
        return b;
    }

    private static int integer(JsonObject o, String field, int min, int max) throws Refused {
        return integer(o, field, field, min, max);
    }

    private static int integer(JsonObject o, String name, String key, int min, int max) throws Refused {
        Object v = o.getValue(key);
        if (v == null) {
            throw new Refused(ErrorCode.MISSING_FIELD, name + " is required");
        }
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
                || ((Number) v).longValue() > max) {
            throw new Refused(ErrorCode.INVALID_FIELD, name + " must be an integer from " + min + " to " + max);
        }
        return ((Number) v).intValue();
    }
}
