package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.crypto.Provisioning.LinkCode;
import org.parley.client.crypto.Provisioning.LinkRequest;
import org.signal.libsignal.protocol.IdentityKeyPair;

/** Device grants (docs/e2e.md "Device grants"): made, published with the keys, checked by peers. */
class DeviceGrantTest {
    @TempDir
    Path dir;

    private final IdentityKeyPair identity = IdentityKeyPair.generate();

    @Test
    void aSelfSignedGrantVerifiesForExactlyItsUserDeviceRegistrationAndIdentity() {
        DeviceGrant g = DeviceGrant.selfSigned(identity, "alice", "d1", 4242);
        assertThat(g.verifies("alice", "d1", 4242, identity.getPublicKey())).isTrue();
        assertThat(g.verifies("alice", "d2", 4242, identity.getPublicKey())).isFalse();
        assertThat(g.verifies("mallory", "d1", 4242, identity.getPublicKey())).isFalse();
        assertThat(g.verifies("alice", "d1", 17, identity.getPublicKey())).isFalse();
        assertThat(g.verifies("alice", "d1", 4242, IdentityKeyPair.generate().getPublicKey())).isFalse();
        DeviceGrant parsed = DeviceGrant.fromJson(new JsonObject(g.toJson().encode()));
        assertThat(parsed.verifies("alice", "d1", 4242, identity.getPublicKey())).isTrue();
        assertThat(DeviceGrant.fromJson(null)).isNull();
        assertThatThrownBy(() -> DeviceGrant.fromJson(new JsonObject().put("linkKey", "AAAA")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theProvisioningGrantIsThePrimarysSignatureOverTheNewDevice() throws Exception {
        LinkRequest request = LinkRequest.create();
        byte[] sealed = Provisioning.seal(LinkCode.parse(request.linkCode()), identity, "alice", "dev-2", "t", 4242);
        DeviceGrant g = Provisioning.open(request, sealed).deviceGrant();
        assertThat(g.linkKey()).isEqualTo(LinkCode.parse(request.linkCode()).ephemeral());
        assertThat(g.verifies("alice", "dev-2", 4242, identity.getPublicKey())).isTrue();
        assertThat(g.verifies("alice", "dev-3", 4242, identity.getPublicKey())).isFalse();
        DeviceKeys keys = DeviceKeys.generate(identity, 4242, 1, 0).withGrant(g);
        assertThat(DeviceGrant.fromJson(keys.upload().getJsonObject("deviceGrant")).verifies("alice", "dev-2", 4242,
                identity.getPublicKey())).isTrue();
        assertThat(DeviceKeys.generate(identity, 4242, 1, 0).upload().getValue("deviceGrant")).isNull();
    }

    /** A bundle JSON of one device, as the directory serves it. */
    private static KeyBundle.Device bundle(DeviceKeys keys, String deviceId, Boolean primary, JsonObject grant) {
        JsonObject upload = keys.upload();
        JsonObject d = new JsonObject().put("deviceId", deviceId).put("registrationId", keys.registrationId())
                .put("identityKey", upload.getString("identityKey")).put("signedPreKey", upload.getJsonObject("signedPreKey"))
                .put("kyberPreKey", upload.getJsonObject("kyberLastResort")).put("oneTimePreKey", null);
        if (primary != null) {
            d.put("primary", primary);
        }
        if (grant != null) {
            d.put("deviceGrant", grant);
        }
        return KeyBundle.fromJson(new JsonObject().put("userId", "alice").put("devices",
                new io.vertx.core.json.JsonArray().add(d))).devices().get(0);
    }

    @Test
    void aPeerRefusesANonPrimaryDeviceWithoutAValidGrantAndSaysWhy() {
        DeviceKeys keys = DeviceKeys.generate(identity, 4242, 0, 0);
        JsonObject valid = DeviceGrant.selfSigned(identity, "alice", "d2", 4242).toJson();
        assertThat(bundle(keys, "d1", true, null).unauthorised()).isNull();
        assertThat(bundle(keys, "d2", false, valid).unauthorised()).isNull();
        assertThat(bundle(keys, "d2", false, null).unauthorised()).contains("not the primary").contains("no grant");
        assertThat(bundle(keys, "d2", null, null).unauthorised()).contains("no grant");
        // A copy of d2's grant under another device id (a phantom device made of copied keys): refused.
        assertThat(bundle(keys, "d3", false, valid).unauthorised()).contains("does not verify");
        JsonObject byAnother = DeviceGrant.selfSigned(IdentityKeyPair.generate(), "alice", "d2", 4242).toJson();
        assertThat(bundle(keys, "d2", false, byAnother).unauthorised()).contains("does not verify");
        assertThat(bundle(keys, "d2", false, new JsonObject().put("linkKey", "!!")).unauthorised()).contains("no grant");
    }
}
