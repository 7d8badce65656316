package org.parley.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceAddress;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.Envelope;
import org.parley.client.crypto.GroupSenderKeys;
import org.parley.client.crypto.PairwiseCipher;
import org.signal.libsignal.protocol.state.PreKeyBundle;
import org.signal.libsignal.protocol.state.SignalProtocolStore;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What end-to-end encryption costs a message, in one process without the stack: envelope sizes of the first (PreKey)
 * message, of a steady-state message and of a group (Sender Key) message, and encrypt+decrypt time per message once
 * warm, with libsignal's in-memory store (the crypto alone) and with the SDK's encrypted file store (each ratchet
 * step written and fsynced, as a device does). Figures, not assertions.
 */
@CommandLine.Command(name = "e2e-cost", mixinStandardHelpOptions = true)
public final class E2eCost implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--messages", description = "measured messages per case (in-memory store)")
    int messages = 5000;
    @Option(names = "--file-messages", description = "measured messages per case (file store)")
    int fileMessages = 300;
    @Option(names = "--payload-bytes")
    int payloadBytes = 100;

    public static void main(String[] args) {
        System.exit(new CommandLine(new E2eCost()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        byte[] payload = new byte[payloadBytes];
        Path dir = Files.createTempDirectory("parley-e2e-cost");
        try {
            Pair memory = Pair.inMemory();
            Envelope first = memory.alice.encrypt(memory.bob.address, payload);
            memory.bobReceives(first);
            memory.aliceReceives(memory.bobCipher.encrypt(memory.alice.address, payload));
            Envelope steady = memory.alice.encrypt(memory.bob.address, payload);
            memory.bobReceives(steady);
            GroupSenderKeys aliceGroup = new GroupSenderKeys(memory.aliceStore, memory.alice.address);
            GroupSenderKeys bobGroup = new GroupSenderKeys(memory.bobStore, memory.bob.address);
            UUID group = GroupSenderKeys.newDistributionId();
            byte[] distribution = aliceGroup.distributionMessage(group);
            bobGroup.acceptDistribution(memory.alice.address, distribution);
            Envelope groupMessage = aliceGroup.encrypt(group, payload);

            System.out.printf(Locale.ROOT, "payload %d bytes; envelope = 1 type byte + libsignal message%n",
                    payloadBytes);
            System.out.printf(Locale.ROOT, "  first (PreKey) message:   %5d bytes%n", first.encode().length);
            System.out.printf(Locale.ROOT, "  steady-state message:     %5d bytes%n", steady.encode().length);
            System.out.printf(Locale.ROOT, "  group (Sender Key) msg:   %5d bytes (distribution message %d bytes, "
                    + "once per member and key)%n", groupMessage.encode().length, distribution.length);

            System.out.println("encrypt+decrypt per message, warm (mean):");
            report("in-memory store, one chain (alice -> bob)", memory, payload, messages, false);
            report("in-memory store, ping-pong (a DH ratchet step each)", memory, payload, messages, true);
            Pair file = Pair.onFiles(dir);
            report("encrypted file store, one chain", file, payload, fileMessages, false);
            report("encrypted file store, ping-pong", file, payload, fileMessages, true);
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                bobGroup.decrypt(memory.alice.address, aliceGroup.encrypt(group, payload));
            }
            System.out.printf(Locale.ROOT, "  %-55s %8.1f us%n", "in-memory store, group (Sender Key)",
                    (System.nanoTime() - start) / 1e3 / messages);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private static void report(String label, Pair pair, byte[] payload, int n, boolean pingPong) throws Exception {
        for (int i = 0; i < n / 2; i++) { // warm-up
            pair.roundTrip(payload, pingPong, i);
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pair.roundTrip(payload, pingPong, i);
        }
        System.out.printf(Locale.ROOT, "  %-55s %8.1f us%n", label, (System.nanoTime() - start) / 1e3 / n);
    }

    /** Two devices with a session both ways. */
    private static final class Pair {
        final SignalProtocolStore aliceStore;
        final SignalProtocolStore bobStore;
        final Party alice;
        final Party bob;
        final PairwiseCipher bobCipher;

        record Party(DeviceAddress address, PairwiseCipher cipher) {
            Envelope encrypt(DeviceAddress to, byte[] payload) throws Exception {
                return cipher.encrypt(to, payload);
            }
        }

        private Pair(SignalProtocolStore aliceStore, SignalProtocolStore bobStore, DeviceKeys bobKeys) {
            this.aliceStore = aliceStore;
            this.bobStore = bobStore;
            alice = new Party(new DeviceAddress("alice", UUID.randomUUID().toString()), new PairwiseCipher(aliceStore));
            bob = new Party(new DeviceAddress("bob", UUID.randomUUID().toString()), new PairwiseCipher(bobStore));
            bobCipher = bob.cipher;
            if (!(alice.cipher.startSession(bob.address, bundle(bobKeys)) instanceof PairwiseCipher.Started)) {
                throw new IllegalStateException("no session");
            }
        }

        static Pair inMemory() {
            DeviceKeys a = DeviceKeys.generate(1, 0);
            DeviceKeys b = DeviceKeys.generate(1, 0);
            return new Pair(memoryStore(a), memoryStore(b), b);
        }

        static Pair onFiles(Path dir) throws Exception {
            DeviceKeys a = DeviceKeys.generate(1, 0);
            DeviceKeys b = DeviceKeys.generate(1, 0);
            Pair pair = new Pair(DeviceStore.create(dir.resolve("a"), DeviceStore.newKey(), a),
                    DeviceStore.create(dir.resolve("b"), DeviceStore.newKey(), b), b);
            pair.bobReceives(pair.alice.encrypt(pair.bob.address, new byte[1]));
            pair.aliceReceives(pair.bobCipher.encrypt(pair.alice.address, new byte[1]));
            return pair;
        }

        void roundTrip(byte[] payload, boolean pingPong, int i) throws Exception {
            if (pingPong && i % 2 == 1) {
                aliceReceives(bob.encrypt(alice.address, payload));
            } else {
                bobReceives(alice.encrypt(bob.address, payload));
            }
        }

        void bobReceives(Envelope e) {
            check(bob.cipher.decrypt(alice.address, e));
        }

        void aliceReceives(Envelope e) {
            check(alice.cipher.decrypt(bob.address, e));
        }

        private static void check(Decrypted d) {
            if (!(d instanceof Decrypted.Plaintext)) {
                throw new IllegalStateException("not decrypted: " + d);
            }
        }

        private static InMemorySignalProtocolStore memoryStore(DeviceKeys keys) {
            InMemorySignalProtocolStore store = new InMemorySignalProtocolStore(keys.identity(), keys.registrationId());
            store.storeSignedPreKey(keys.signedPreKey().getId(), keys.signedPreKey());
            store.storeKyberPreKey(keys.kyberLastResort().getId(), keys.kyberLastResort());
            keys.oneTimePreKeys().forEach(k -> store.storePreKey(k.getId(), k));
            return store;
        }

        /** The bundle the directory would hand out, built from the keys directly (no server here). */
        private static PreKeyBundle bundle(DeviceKeys keys) {
            try {
                var oneTime = keys.oneTimePreKeys().get(0);
                return new PreKeyBundle(keys.registrationId(), DeviceAddress.SIGNAL_DEVICE_ID, oneTime.getId(),
                        oneTime.getKeyPair().getPublicKey(), keys.signedPreKey().getId(),
                        keys.signedPreKey().getKeyPair().getPublicKey(), keys.signedPreKey().getSignature(),
                        keys.identity().getPublicKey(), keys.kyberLastResort().getId(),
                        keys.kyberLastResort().getKeyPair().getPublicKey(), keys.kyberLastResort().getSignature());
            } catch (org.signal.libsignal.protocol.InvalidKeyException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
