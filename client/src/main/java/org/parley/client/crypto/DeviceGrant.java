package org.parley.client.crypto;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * A device's authorisation by its user's identity, published with its bundle ({@code deviceGrant} in
 * {@code PUT /v1/keys} and in each bundle, docs/e2e.md "Device grants"): the identity's signature over (context, user
 * id, device id, registration id, identity key, link key). For a companion linked through provisioning it is the
 * primary's signature from the sealed grant, the link key being the link request's ephemeral key; a device that holds
 * the identity and was not provisioned (the primary itself) signs its own, with the identity key as the link key.
 * Peers refuse a non-primary device whose grant is missing or does not verify: a bundle copied under a device id the
 * identity never signed (a phantom device the server made) is not used.
 */
public record DeviceGrant(ECPublicKey linkKey, byte[] signature) {
    private static final byte[] SIGNED_CONTEXT = "Parley device link v1".getBytes(StandardCharsets.US_ASCII);

    /** What the identity signs. */
    static byte[] signed(String userId, String deviceId, int registrationId, IdentityKey identity, ECPublicKey linkKey) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(SIGNED_CONTEXT);
            out.writeUTF(userId);
            out.writeUTF(deviceId);
            out.writeInt(registrationId);
            out.write(identity.serialize());
            out.write(linkKey.serialize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A grant the identity's holder makes for a device of its own (its link key: the identity key). */
    public static DeviceGrant selfSigned(IdentityKeyPair identity, String userId, String deviceId, int registrationId) {
        ECPublicKey linkKey = identity.getPublicKey().getPublicKey();
        return new DeviceGrant(linkKey, identity.getPrivateKey().calculateSignature(signed(userId, deviceId,
                registrationId, identity.getPublicKey(), linkKey)));
    }

    /** True if the identity signed exactly this device of this user with this registration id. */
    public boolean verifies(String userId, String deviceId, int registrationId, IdentityKey identity) {
        return identity.getPublicKey().verifySignature(signed(userId, deviceId, registrationId, identity, linkKey),
                signature);
    }

    /** The JSON of the upload and the bundle: {@code {"linkKey", "signature"}}, base64. */
    public JsonObject toJson() {
        return new JsonObject().put("linkKey", Base64.getEncoder().encodeToString(linkKey.serialize()))
                .put("signature", Base64.getEncoder().encodeToString(signature));
    }

    /** Parses {@link #toJson}; null for null; a malformed grant is an {@link IllegalArgumentException}. */
    public static DeviceGrant fromJson(JsonObject json) {
        if (json == null) {
            return null;
        }
        try {
            return new DeviceGrant(new ECPublicKey(Base64.getDecoder().decode(json.getString("linkKey"))),
                    Base64.getDecoder().decode(json.getString("signature")));
        } catch (InvalidKeyException | RuntimeException e) {
            throw new IllegalArgumentException("malformed deviceGrant: " + e.getMessage(), e);
        }
    }
}
