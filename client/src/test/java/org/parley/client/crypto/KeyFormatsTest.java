package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.state.PreKeyBundle;

/** The key-directory JSON (docs/protocol.md, "Key directory"): the upload the SDK makes and the bundle it reads. */
class KeyFormatsTest {
    @TempDir
    Path dir;

    @Test
    void theUploadCarriesPublicKeysAndSignaturesInBase64() {
        DeviceKeys keys = DeviceKeys.generate(4, 2);
        JsonObject upload = keys.upload();

        assertThat(upload.fieldNames()).containsExactlyInAnyOrder("identityKey", "registrationId", "signedPreKey",
                "kyberLastResort", "oneTimePreKeys", "oneTimeKyberPreKeys");
        assertThat(decoded(upload, "identityKey")).hasSize(33);
        assertThat(upload.getInteger("registrationId")).isBetween(1, 16380).isEqualTo(keys.registrationId());
        JsonObject signed = upload.getJsonObject("signedPreKey");
        assertThat(signed.getInteger("keyId")).isEqualTo(1);
        assertThat(decoded(signed, "publicKey")).hasSize(33);
        assertThat(decoded(signed, "signature")).hasSize(64);
        assertThat(keys.identity().getPublicKey().getPublicKey()
                .verifySignature(decoded(signed, "publicKey"), decoded(signed, "signature"))).isTrue();
        JsonObject lastResort = upload.getJsonObject("kyberLastResort");
        assertThat(decoded(lastResort, "publicKey")).hasSize(1569);
        assertThat(keys.identity().getPublicKey().getPublicKey()
                .verifySignature(decoded(lastResort, "publicKey"), decoded(lastResort, "signature"))).isTrue();
        assertThat(upload.getJsonArray("oneTimePreKeys")).hasSize(4);
        assertThat(upload.getJsonArray("oneTimePreKeys").getJsonObject(3).fieldNames())
                .containsExactlyInAnyOrder("keyId", "publicKey");
        assertThat(upload.getJsonArray("oneTimeKyberPreKeys").getJsonObject(1).getInteger("keyId")).isEqualTo(3);
        assertThat(upload.encode()).doesNotContain(Base64.getEncoder().encodeToString(
                keys.identity().getPrivateKey().serialize()));
    }

    @Test
    void aBundleParsesIntoLibsignalsBundleField() throws Exception {
        KeyDirectoryStub directory = new KeyDirectoryStub();
        TestDevice bob = TestDevice.register(dir, directory, "bob", 1, 0);
        JsonObject json = directory.bundle("bob");

        KeyBundle bundle = KeyBundle.fromJson(json);
        assertThat(bundle.userId()).isEqualTo("bob");
        assertThat(bundle.devices()).hasSize(1);
        KeyBundle.Device device = bundle.devices().get(0);
        assertThat(device.address()).isEqualTo(bob.address);
        PreKeyBundle b = device.preKeyBundle();
        assertThat(b.getRegistrationId()).isEqualTo(bob.keys.registrationId());
        assertThat(b.getIdentityKey()).isEqualTo(bob.keys.identity().getPublicKey());
        assertThat(b.getSignedPreKeyId()).isEqualTo(bob.keys.signedPreKey().getId());
        assertThat(b.getPreKeyId()).isEqualTo(bob.keys.oneTimePreKeys().get(0).getId());
        assertThat(b.getKyberPreKeyId()).isEqualTo(bob.keys.kyberLastResort().getId());
    }

    @Test
    void withoutOneTimePreKeysLeftTheLastResortKyberKeyStillMakesSessions() throws Exception {
        KeyDirectoryStub directory = new KeyDirectoryStub();
        TestDevice bob = TestDevice.register(dir, directory, "bob", 0, 0);
        TestDevice alice = TestDevice.register(dir, directory, "alice");
        TestDevice carol = TestDevice.register(dir, directory, "carol");

        JsonObject json = directory.bundle("bob");
        assertThat(json.getJsonArray("devices").getJsonObject(0).getValue("oneTimePreKey")).isNull();
        assertThat(KeyBundle.fromJson(json).devices().get(0).preKeyBundle().getPreKeyId())
                .isEqualTo(PreKeyBundle.NULL_PRE_KEY_ID);
        alice.startSessionsWith(directory, "bob");
        carol.startSessionsWith(directory, "bob");
        Envelope fromAlice = alice.send(bob, "from alice");
        assertThat(bob.receive(alice, fromAlice)).isEqualTo("from alice");
        assertThat(bob.receive(carol, carol.send(bob, "from carol"))).isEqualTo("from carol");
        assertThat(bob.pairwise.decrypt(alice.address, fromAlice)).isEqualTo(new Decrypted.Duplicate());
    }

    @Test
    void aMalformedBundleIsRefusedWithTheFieldNamed() {
        JsonObject device = new JsonObject().put("deviceId", "d1").put("registrationId", 7)
                .put("identityKey", "not base64!").put("signedPreKey", new JsonObject())
                .put("kyberPreKey", new JsonObject());
        JsonObject json = new JsonObject().put("userId", "bob").put("devices", new io.vertx.core.json.JsonArray()
                .add(device));
        assertThatThrownBy(() -> KeyBundle.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyId");
        assertThatThrownBy(() -> KeyBundle.fromJson(new JsonObject().put("userId", "bob")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("devices");
    }

    private static byte[] decoded(JsonObject o, String field) {
        return Base64.getDecoder().decode(o.getString(field));
    }
}
