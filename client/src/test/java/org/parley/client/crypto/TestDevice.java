package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import javax.crypto.SecretKey;

/** A device of a test: its keys registered with the directory, its store in a file, its ciphers. */
final class TestDevice {
    final DeviceAddress address;
    final DeviceKeys keys;
    final Path file;
    final SecretKey storeKey;
    final DeviceStore store;
    final PairwiseCipher pairwise;
    final GroupSenderKeys group;

    private TestDevice(DeviceAddress address, DeviceKeys keys, Path file, SecretKey storeKey, DeviceStore store) {
        this.address = address;
        this.keys = keys;
        this.file = file;
        this.storeKey = storeKey;
        this.store = store;
        this.pairwise = new PairwiseCipher(store);
        this.group = new GroupSenderKeys(store, address);
    }

    /** A new device of {@code userId}: keys made, store created, keys uploaded. */
    static TestDevice register(Path dir, KeyDirectoryStub directory, String userId) throws IOException {
        return register(dir, directory, userId, 3, 1);
    }

    static TestDevice register(Path dir, KeyDirectoryStub directory, String userId, int oneTime, int oneTimeKyber)
            throws IOException {
        DeviceAddress address = new DeviceAddress(userId, UUID.randomUUID().toString());
        DeviceKeys keys = DeviceKeys.generate(oneTime, oneTimeKyber);
        Path file = dir.resolve(address.deviceId() + ".store");
        SecretKey key = DeviceStore.newKey();
        TestDevice device = new TestDevice(address, keys, file, key, DeviceStore.create(file, key, keys));
        directory.upload(address, keys.upload());
        return device;
    }

    /** A companion of {@code primary}'s user: the user's identity key pair, keys of its own, uploaded. */
    static TestDevice link(Path dir, KeyDirectoryStub directory, TestDevice primary) throws IOException {
        DeviceAddress address = new DeviceAddress(primary.address.userId(), UUID.randomUUID().toString());
        DeviceKeys unsigned = DeviceKeys.generate(primary.keys.identity(), 3, 1);
        DeviceKeys keys = unsigned.withGrant(DeviceGrant.selfSigned(primary.keys.identity(), address.userId(),
                address.deviceId(), unsigned.registrationId()));
        Path file = dir.resolve(address.deviceId() + ".store");
        SecretKey key = DeviceStore.newKey();
        TestDevice device = new TestDevice(address, keys, file, key, DeviceStore.create(file, key, keys));
        directory.upload(address, keys.upload());
        return device;
    }

    /** The same device after a restart: a new store object read from the same file with the same key. */
    TestDevice restarted() throws IOException {
        return new TestDevice(address, keys, file, storeKey, DeviceStore.open(file, storeKey));
    }

    /** This device after losing its store, rebuilt from its original keys (as from a key backup): no sessions. */
    TestDevice withLostSessions(Path dir) throws IOException {
        Path fresh = dir.resolve(address.deviceId() + "-restored.store");
        return new TestDevice(address, keys, fresh, storeKey, DeviceStore.create(fresh, storeKey, keys));
    }

    /** Fetches the user's bundle and starts a session to each of its devices. */
    void startSessionsWith(KeyDirectoryStub directory, String userId) {
        for (KeyBundle.Device d : KeyBundle.fromJson(directory.bundle(userId)).devices()) {
            assertThat(pairwise.startSession(d)).isEqualTo(new PairwiseCipher.Started());
        }
    }

    Envelope send(TestDevice to, String text) throws Exception {
        return pairwise.encrypt(to.address, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Decrypts and expects plaintext. */
    String receive(TestDevice from, Envelope envelope) {
        Decrypted d = pairwise.decrypt(from.address, envelope);
        assertThat(d).isInstanceOf(Decrypted.Plaintext.class);
        return text(d);
    }

    static String text(Decrypted d) {
        return new String(((Decrypted.Plaintext) d).content(), StandardCharsets.UTF_8);
    }
}
