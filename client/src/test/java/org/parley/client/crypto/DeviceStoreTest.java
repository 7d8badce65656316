package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceStoreTest {
    @TempDir
    Path dir;

    private final KeyDirectoryStub directory = new KeyDirectoryStub();
    private TestDevice alice;
    private TestDevice bob;

    @BeforeEach
    void register() throws Exception {
        alice = TestDevice.register(dir, directory, "alice");
        bob = TestDevice.register(dir, directory, "bob");
        alice.startSessionsWith(directory, "bob");
        assertThat(bob.receive(alice, alice.send(bob, "before the restart"))).isEqualTo("before the restart");
    }

    @Test
    void aRestartedDeviceKeepsItsIdentityAndSessionsAndTheRatchetGoesOn() throws Exception {
        Envelope whileDown = alice.send(bob, "while you restarted");
        TestDevice bobAgain = bob.restarted();

        assertThat(bobAgain.store.getIdentityKeyPair().serialize())
                .isEqualTo(bob.store.getIdentityKeyPair().serialize());
        assertThat(bobAgain.store.getLocalRegistrationId()).isEqualTo(bob.keys.registrationId());
        assertThat(bobAgain.receive(alice, whileDown)).isEqualTo("while you restarted");
        assertThat(alice.receive(bobAgain, bobAgain.send(alice, "back"))).isEqualTo("back");
        // What was decrypted before the restart stays decrypted: the duplicate check survives too.
        assertThat(bobAgain.restarted().pairwise.decrypt(alice.address, whileDown))
                .isEqualTo(new Decrypted.Duplicate());
    }

    @Test
    void theUsedOneTimePreKeyIsGoneAfterARestart() throws Exception {
        int used = bob.keys.oneTimePreKeys().get(0).getId();
        assertThat(bob.restarted().store.containsPreKey(used)).isFalse();
        assertThat(bob.restarted().store.containsPreKey(bob.keys.oneTimePreKeys().get(1).getId())).isTrue();
    }

    @Test
    void anotherKeyIsRefusedAsTheWrongKey() throws Exception {
        byte[] before = Files.readAllBytes(bob.file);
        assertThatThrownBy(() -> DeviceStore.open(bob.file, DeviceStore.newKey()))
                .isInstanceOf(DeviceStoreException.WrongKey.class)
                .hasMessageContaining("written with another key");
        assertThat(Files.readAllBytes(bob.file)).isEqualTo(before);
    }

    @Test
    void aChangedOrTruncatedFileIsRefused() throws Exception {
        byte[] bytes = Files.readAllBytes(bob.file);
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 40] ^= 0x01;
        Files.write(bob.file, flipped);
        assertThatThrownBy(() -> DeviceStore.open(bob.file, bob.storeKey))
                .isInstanceOf(DeviceStoreException.Tampered.class)
                .hasMessageContaining("changed since it was written");

        Files.write(bob.file, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> DeviceStore.open(bob.file, bob.storeKey))
                .isInstanceOf(DeviceStoreException.Tampered.class);

        Files.write(bob.file, java.util.Arrays.copyOf(bytes, 20));
        assertThatThrownBy(() -> DeviceStore.open(bob.file, bob.storeKey))
                .isInstanceOf(DeviceStoreException.Tampered.class);

        Files.write(bob.file, bytes);
        assertThat(DeviceStore.open(bob.file, bob.storeKey).getLocalRegistrationId())
                .isEqualTo(bob.keys.registrationId());
    }

    @Test
    void theStateIsEncryptedAndWritesLeaveNoTemporaryFiles() throws Exception {
        byte[] file = Files.readAllBytes(bob.file);
        byte[] identityPublic = bob.keys.identity().getPublicKey().serialize();
        assertThat(indexOf(file, identityPublic)).isEqualTo(-1);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.endsWith(".store"));
        }
    }

    @Test
    void creatingOverAnExistingStoreIsRefused() {
        assertThatThrownBy(() -> DeviceStore.create(bob.file, bob.storeKey, DeviceKeys.generate(1, 0)))
                .isInstanceOf(FileAlreadyExistsException.class);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
