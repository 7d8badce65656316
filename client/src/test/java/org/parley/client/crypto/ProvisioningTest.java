package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.crypto.Provisioning.Grant;
import org.parley.client.crypto.Provisioning.LinkCode;
import org.parley.client.crypto.Provisioning.LinkRequest;
import org.parley.client.crypto.Provisioning.ProvisioningException;
import org.signal.libsignal.protocol.IdentityKeyPair;

class ProvisioningTest {
    private final IdentityKeyPair identity = IdentityKeyPair.generate();
    private final LinkRequest request = LinkRequest.create();

    private byte[] sealFor(LinkRequest r) throws ProvisioningException {
        return Provisioning.seal(LinkCode.parse(r.linkCode()), identity, "alice", "dev-2", "dev-2.secret", 4242);
    }

    @Test
    void theNewDeviceOpensTheGrantWithTheIdentityAndItsOwnDetails() throws Exception {
        assertThat(request.linkCode()).startsWith("parley-link:1:" + request.linkId() + ":");
        byte[] sealed = sealFor(request);
        // The relay sees ciphertext only: neither the token nor the identity's private key is in the clear.
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("dev-2.secret").doesNotContain("alice");
        Grant grant = Provisioning.open(request, sealed);
        assertThat(grant.userId()).isEqualTo("alice");
        assertThat(grant.deviceId()).isEqualTo("dev-2");
        assertThat(grant.token()).isEqualTo("dev-2.secret");
        assertThat(grant.registrationId()).isEqualTo(4242);
        assertThat(grant.identity().serialize()).isEqualTo(identity.serialize());
        assertThat(identity.getPublicKey().getPublicKey().verifySignature(Provisioning.signed("alice", "dev-2", 4242,
                identity, LinkCode.parse(request.linkCode()).ephemeral()), grant.signature())).isTrue();
        assertThat(Provisioning.open(request, sealFor(request)).userId()).isEqualTo("alice"); // fresh keys each seal
        assertThat(sealFor(request)).isNotEqualTo(sealed);
    }

    @Test
    void anotherEphemeralKeyDoesNotOpenIt() throws Exception {
        byte[] sealed = sealFor(request);
        assertThatThrownBy(() -> Provisioning.open(LinkRequest.create(), sealed))
                .isInstanceOf(ProvisioningException.class).hasMessageContaining("does not open");
    }

    @Test
    void aChangedByteAnywhereIsRefused() throws Exception {
        byte[] sealed = sealFor(request);
        for (int i : new int[] {1, 20, 34, 40, sealed.length / 2, sealed.length - 1}) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assertThatThrownBy(() -> Provisioning.open(request, tampered)).as("byte %d", i)
                    .isInstanceOf(ProvisioningException.class);
        }
        byte[] otherVersion = sealed.clone();
        otherVersion[0] = 2;
        assertThatThrownBy(() -> Provisioning.open(request, otherVersion)).isInstanceOf(ProvisioningException.class);
        assertThatThrownBy(() -> Provisioning.open(request, new byte[10])).isInstanceOf(ProvisioningException.class);
    }

    @Test
    void aGrantSealedForAnotherLinkIdWithTheSameKeyIsRefused() throws Exception {
        LinkCode code = LinkCode.parse(request.linkCode());
        LinkCode otherId = new LinkCode("BBBBBBBBBBBBBBBBBBBBBB", code.ephemeral());
        byte[] sealed = Provisioning.seal(otherId, identity, "alice", "dev-2", "t", 1);
        assertThatThrownBy(() -> Provisioning.open(request, sealed)).isInstanceOf(ProvisioningException.class);
    }

    @Test
    void malformedLinkCodesAreRefused() {
        for (String bad : new String[] {null, "", "hello", "parley-link:1:", "parley-link:1:short:AAAA",
                "parley-link:1:AAAAAAAAAAAAAAAAAAAAAA:not-a-key", "parley-link:2:AAAAAAAAAAAAAAAAAAAAAA:BQ"}) {
            assertThatThrownBy(() -> LinkCode.parse(bad)).as(String.valueOf(bad)).isInstanceOf(ProvisioningException.class);
        }
    }

    @Test
    void theProvisionedCompanionsBundleIsAcceptedAsTheSameUser(@TempDir Path dir) throws Exception {
        KeyDirectoryStub directory = new KeyDirectoryStub();
        TestDevice bob = TestDevice.register(dir, directory, "bob");
        DeviceAddress primary = new DeviceAddress("alice", java.util.UUID.randomUUID().toString());
        directory.upload(primary, DeviceKeys.generate(identity, 2, 1).upload());
        bob.startSessionsWith(directory, "alice");

        Grant grant = Provisioning.open(request, sealFor(request));
        DeviceKeys companion = DeviceKeys.generate(grant.identity(), grant.registrationId(), 2, 1);
        assertThat(companion.registrationId()).isEqualTo(4242);
        directory.upload(new DeviceAddress("alice", java.util.UUID.randomUUID().toString()), companion.upload());
        for (KeyBundle.Device d : KeyBundle.fromJson(directory.bundle("alice")).devices()) {
            assertThat(bob.pairwise.startSession(d)).isEqualTo(new PairwiseCipher.Started());
        }
        // A device with keys of its own identity (one the server made up) is an identity change, never used silently.
        directory.upload(new DeviceAddress("alice", java.util.UUID.randomUUID().toString()),
                DeviceKeys.generate(2, 1).upload());
        assertThat(KeyBundle.fromJson(directory.bundle("alice")).devices()).extracting(bob.pairwise::startSession)
                .filteredOn(s -> s instanceof PairwiseCipher.IdentityChanged).hasSize(1);
    }
}
