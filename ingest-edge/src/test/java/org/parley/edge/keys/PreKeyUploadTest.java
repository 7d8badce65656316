package org.parley.edge.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.parley.edge.protocol.ErrorCode;
import org.parley.projections.keys.KeyDirectory;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;

/** PUT /v1/keys bodies: signatures, sizes, encodings, required parts and bounds. */
class PreKeyUploadTest {
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final PreKeyUpload.Limits LIMITS = new PreKeyUpload.Limits(100, 200);

    private final IdentityKeyPair identity = IdentityKeyPair.generate();
    private final IdentityKeyPair stranger = IdentityKeyPair.generate();

    private static JsonObject signed(IdentityKeyPair by, int id, byte[] publicKey) {
        return new JsonObject().put("keyId", id).put("publicKey", B64.encodeToString(publicKey))
                .put("signature", B64.encodeToString(by.getPrivateKey().calculateSignature(publicKey)));
    }

    private static JsonArray oneTime(int from, int n) {
        JsonArray keys = new JsonArray();
        for (int i = 0; i < n; i++) {
            keys.add(new JsonObject().put("keyId", from + i)
                    .put("publicKey", B64.encodeToString(ECKeyPair.generate().getPublicKey().serialize())));
        }
        return keys;
    }

    private JsonObject first(IdentityKeyPair signer) {
        return new JsonObject().put("identityKey", B64.encodeToString(identity.getPublicKey().serialize()))
                .put("registrationId", 4242)
                .put("signedPreKey", signed(signer, 1, ECKeyPair.generate().getPublicKey().serialize()))
                .put("kyberLastResort", signed(signer, 2, KEMKeyPair.generate(KEMKeyType.KYBER_1024).getPublicKey().serialize()))
                .put("oneTimePreKeys", oneTime(100, 5));
    }

    private Optional<KeyDirectory.DeviceKeys> published() {
        return Optional.of(new KeyDirectory.DeviceKeys("alice", "d1", 4242, identity.getPublicKey().serialize(),
                new KeyDirectory.SignedKey(1, new byte[33], new byte[64]), new KeyDirectory.SignedKey(2, new byte[1569], new byte[64])));
    }

    private static ErrorCode refusal(ThrowingCheck check) {
        try {
            check.run();
        } catch (PreKeyUpload.Refused r) {
            return r.code();
        }
        throw new AssertionError("accepted");
    }

    interface ThrowingCheck {
        void run() throws PreKeyUpload.Refused;
    }

    @Test
    void aFirstUploadSignedByTheDevicesIdentityKeyIsAccepted() throws Exception {
        PreKeyUpload.Checked c = PreKeyUpload.check(first(identity), Optional.empty(), 0, LIMITS);
        assertThat(c.registrationId()).isEqualTo(4242);
        assertThat(c.identityKey()).isEqualTo(identity.getPublicKey().serialize());
        assertThat(c.signedPreKey().keyId()).isEqualTo(1);
        assertThat(c.kyberLastResort().publicKey()).hasSize(PreKeyUpload.KYBER_1024_KEY_BYTES);
        assertThat(c.oneTimePreKeys()).extracting(KeyDirectory.OneTimeKey::keyId).containsExactly(100, 101, 102, 103, 104);
    }

    /** A device grant as the SDK makes it (the signed layout written out here, so a change on either side shows). */
    private static JsonObject grant(IdentityKeyPair by, String user, String device, int registrationId,
            IdentityKeyPair identity, byte[] linkKey) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.write("Parley device link v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.writeUTF(user);
            out.writeUTF(device);
            out.writeInt(registrationId);
            out.write(identity.getPublicKey().serialize());
            out.write(linkKey);
        }
        return new JsonObject().put("linkKey", B64.encodeToString(linkKey))
                .put("signature", B64.encodeToString(by.getPrivateKey().calculateSignature(bytes.toByteArray())));
    }

    @Test
    void aDeviceGrantByTheIdentityOverThisDeviceIsKeptAndAnyOtherIsRefused() throws Exception {
        byte[] link = ECKeyPair.generate().getPublicKey().serialize();
        JsonObject body = first(identity).put("deviceGrant", grant(identity, "alice", "d1", 4242, identity, link));
        PreKeyUpload.Checked c = PreKeyUpload.check(body, Optional.empty(), 0, LIMITS);
        assertThat(PreKeyUpload.grant(body, "alice", "d1", c, Optional.empty()).linkKey()).isEqualTo(link);
        assertThat(PreKeyUpload.grant(first(identity), "alice", "d1", c, Optional.empty())).isNull();
        // The same grant for another device or user, or a grant signed by another key: refused.
        assertThat(refusal(() -> PreKeyUpload.grant(body, "alice", "d2", c, Optional.empty())))
                .isEqualTo(ErrorCode.INVALID_SIGNATURE);
        assertThat(refusal(() -> PreKeyUpload.grant(body, "mallory", "d1", c, Optional.empty())))
                .isEqualTo(ErrorCode.INVALID_SIGNATURE);
        JsonObject forged = first(identity).put("deviceGrant", grant(stranger, "alice", "d1", 4242, identity, link));
        assertThat(refusal(() -> PreKeyUpload.grant(forged, "alice", "d1", c, Optional.empty())))
                .isEqualTo(ErrorCode.INVALID_SIGNATURE);
        JsonObject otherRegistration = first(identity).put("deviceGrant", grant(identity, "alice", "d1", 17, identity,
                link));
        assertThat(refusal(() -> PreKeyUpload.grant(otherRegistration, "alice", "d1", c, Optional.empty())))
                .isEqualTo(ErrorCode.INVALID_SIGNATURE);
        // A grant alone, later: checked against the published identity and registration id.
        JsonObject later = new JsonObject().put("deviceGrant", grant(identity, "alice", "d1", 4242, identity, link));
        PreKeyUpload.Checked lc = PreKeyUpload.check(later, published(), 0, LIMITS);
        assertThat(PreKeyUpload.grant(later, "alice", "d1", lc, published())).isNotNull();
        // Malformed.
        assertThat(refusal(() -> PreKeyUpload.grant(new JsonObject().put("deviceGrant", "x"), "alice", "d1", lc,
                published()))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refusal(() -> PreKeyUpload.grant(new JsonObject().put("deviceGrant", new JsonObject()
                .put("linkKey", B64.encodeToString(link))), "alice", "d1", lc, published())))
                .isEqualTo(ErrorCode.MISSING_FIELD);
    }

    @Test
    void signaturesByAnotherIdentityKeyAreRefused() {
        assertThat(refusal(() -> PreKeyUpload.check(first(stranger), Optional.empty(), 0, LIMITS)))
                .isEqualTo(ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void aSignatureOverOtherBytesIsRefused() {
        JsonObject body = first(identity);
        byte[] other = ECKeyPair.generate().getPublicKey().serialize();
        body.getJsonObject("signedPreKey").put("signature",
                B64.encodeToString(identity.getPrivateKey().calculateSignature(other)));
        assertThatThrownBy(() -> PreKeyUpload.check(body, Optional.empty(), 0, LIMITS))
                .isInstanceOf(PreKeyUpload.Refused.class).hasMessageContaining("signedPreKey.signature");
        JsonObject kyber = first(identity);
        kyber.getJsonObject("kyberLastResort").put("signature",
                B64.encodeToString(identity.getPrivateKey().calculateSignature(other)));
        assertThat(refusal(() -> PreKeyUpload.check(kyber, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void aRotationIsVerifiedWithThePublishedIdentityKey() throws Exception {
        JsonObject rotation = new JsonObject().put("signedPreKey", signed(identity, 7, ECKeyPair.generate().getPublicKey().serialize()));
        assertThat(PreKeyUpload.check(rotation, published(), 10, LIMITS).signedPreKey().keyId()).isEqualTo(7);
        JsonObject forged = new JsonObject().put("signedPreKey", signed(stranger, 7, ECKeyPair.generate().getPublicKey().serialize()));
        assertThat(refusal(() -> PreKeyUpload.check(forged, published(), 10, LIMITS))).isEqualTo(ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void anotherIdentityKeyForThePublishedDeviceIsRefused() {
        JsonObject body = first(identity).put("identityKey", B64.encodeToString(stranger.getPublicKey().serialize()));
        assertThatThrownBy(() -> PreKeyUpload.check(body, published(), 0, LIMITS))
                .isInstanceOfSatisfying(PreKeyUpload.Refused.class, r -> {
                    assertThat(r.code()).isEqualTo(ErrorCode.IDENTITY_KEY_CHANGED);
                    assertThat(r.status()).isEqualTo(409);
                    assertThat(r.getMessage()).contains("register the device again");
                });
        JsonObject sameKey = first(identity).put("registrationId", 17);
        assertThat(refusal(() -> PreKeyUpload.check(sameKey, published(), 0, LIMITS))).isEqualTo(ErrorCode.IDENTITY_KEY_CHANGED);
    }

    @Test
    void aRefillCarriesOnlyOneTimeKeys() throws Exception {
        PreKeyUpload.Checked c = PreKeyUpload.check(new JsonObject().put("oneTimePreKeys", oneTime(500, 3)), published(), 2, LIMITS);
        assertThat(c.oneTimePreKeys()).hasSize(3);
        assertThat(c.signedPreKey()).isNull();
        assertThat(c.identityKey()).isNull();
        assertThat(refusal(() -> PreKeyUpload.check(new JsonObject(), published(), 2, LIMITS))).isEqualTo(ErrorCode.MISSING_FIELD);
    }

    @Test
    void theFirstUploadNeedsEveryPart() {
        for (String field : new String[] {"identityKey", "registrationId", "signedPreKey", "kyberLastResort"}) {
            JsonObject body = first(identity);
            body.remove(field);
            assertThat(refusal(() -> PreKeyUpload.check(body, Optional.empty(), 0, LIMITS))).as(field)
                    .isEqualTo(ErrorCode.MISSING_FIELD);
        }
    }

    @Test
    void malformedBase64AndWrongSizesAreInvalidFields() {
        JsonObject badBase64 = first(identity).put("identityKey", "not*base64!");
        assertThat(refusal(() -> PreKeyUpload.check(badBase64, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject shortKey = first(identity).put("identityKey", B64.encodeToString(new byte[32]));
        assertThatThrownBy(() -> PreKeyUpload.check(shortKey, Optional.empty(), 0, LIMITS)).hasMessageContaining("33 bytes");
        JsonObject notAKey = first(identity).put("identityKey", B64.encodeToString(new byte[33])); // type byte 0
        assertThat(refusal(() -> PreKeyUpload.check(notAKey, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject ecAsKyber = first(identity);
        ecAsKyber.put("kyberLastResort", signed(identity, 2, ECKeyPair.generate().getPublicKey().serialize()));
        assertThat(refusal(() -> PreKeyUpload.check(ecAsKyber, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject shortSignature = first(identity);
        shortSignature.getJsonObject("signedPreKey").put("signature", B64.encodeToString(new byte[63]));
        assertThat(refusal(() -> PreKeyUpload.check(shortSignature, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject badId = first(identity);
        badId.getJsonArray("oneTimePreKeys").getJsonObject(0).put("keyId", -1);
        assertThat(refusal(() -> PreKeyUpload.check(badId, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject fractionalId = first(identity);
        fractionalId.getJsonObject("signedPreKey").put("keyId", 1.5);
        assertThat(refusal(() -> PreKeyUpload.check(fractionalId, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
        JsonObject registration = first(identity).put("registrationId", 0x4000);
        assertThat(refusal(() -> PreKeyUpload.check(registration, Optional.empty(), 0, LIMITS))).isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void oneTimeKeysAreBoundedPerRequestAndPerDeviceAndUnique() {
        JsonObject tooMany = new JsonObject().put("oneTimePreKeys", oneTime(1, 101));
        assertThat(refusal(() -> PreKeyUpload.check(tooMany, published(), 0, LIMITS))).isEqualTo(ErrorCode.TOO_MANY_PREKEYS);
        JsonObject overStock = new JsonObject().put("oneTimePreKeys", oneTime(1, 11));
        assertThatThrownBy(() -> PreKeyUpload.check(overStock, published(), 190, LIMITS))
                .hasMessageContaining("keys.max-one-time-prekeys");
        JsonArray twice = oneTime(1, 2);
        twice.getJsonObject(1).put("keyId", 1);
        assertThat(refusal(() -> PreKeyUpload.check(new JsonObject().put("oneTimePreKeys", twice), published(), 0, LIMITS)))
                .isEqualTo(ErrorCode.INVALID_FIELD);
    }
}
