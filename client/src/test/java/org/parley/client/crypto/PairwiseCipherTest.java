package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.NoSessionException;

class PairwiseCipherTest {
    @TempDir
    Path dir;

    private final KeyDirectoryStub directory = new KeyDirectoryStub();
    private TestDevice alice;
    private TestDevice bob;

    @BeforeEach
    void register() throws Exception {
        alice = TestDevice.register(dir, directory, "alice");
        bob = TestDevice.register(dir, directory, "bob");
    }

    @Test
    void theFirstMessageIsAPreKeyMessageAndTheConversationThenRunsOnSignalMessages() throws Exception {
        alice.startSessionsWith(directory, "bob");
        Envelope first = alice.send(bob, "hello bob");
        assertThat(first.type()).isEqualTo(Envelope.PREKEY);
        assertThat(bob.receive(alice, Envelope.decode(first.encode()))).isEqualTo("hello bob");

        Envelope reply = bob.send(alice, "hi alice");
        assertThat(reply.type()).isEqualTo(Envelope.SIGNAL);
        assertThat(alice.receive(bob, reply)).isEqualTo("hi alice");

        // Bob answered, so alice's session is confirmed: no more PreKey messages.
        Envelope steady = alice.send(bob, "how are you");
        assertThat(steady.type()).isEqualTo(Envelope.SIGNAL);
        assertThat(bob.receive(alice, steady)).isEqualTo("how are you");
    }

    @Test
    void messagesOfAChainDecryptInAnyOrder() throws Exception {
        established();
        List<Envelope> sent = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            sent.add(alice.send(bob, "m" + i));
        }
        for (int i : new int[] {5, 3, 1, 4, 2}) {
            assertThat(bob.receive(alice, sent.get(i - 1))).isEqualTo("m" + i);
        }
    }

    @Test
    void lostMessagesDoNotStopLaterOnesAcrossRatchetSteps() throws Exception {
        established();
        List<Envelope> sent = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            sent.add(alice.send(bob, "m" + i));
        }
        assertThat(bob.receive(alice, sent.get(1))).isEqualTo("m2");
        assertThat(bob.receive(alice, sent.get(9))).isEqualTo("m10");
        // A ratchet step in between: bob answers, alice answers back; the lost ones never arrive.
        assertThat(alice.receive(bob, bob.send(alice, "got some"))).isEqualTo("got some");
        assertThat(bob.receive(alice, alice.send(bob, "m11"))).isEqualTo("m11");
        // A late one of the old chain still opens.
        assertThat(bob.receive(alice, sent.get(6))).isEqualTo("m7");
    }

    @Test
    void aReplayedMessageIsRecognisedAndNotShownTwice() throws Exception {
        alice.startSessionsWith(directory, "bob");
        Envelope first = alice.send(bob, "once");
        assertThat(bob.receive(alice, first)).isEqualTo("once");
        assertThat(bob.pairwise.decrypt(alice.address, first)).isEqualTo(new Decrypted.Duplicate());

        Envelope steady = bob.send(alice, "also once");
        assertThat(alice.receive(bob, steady)).isEqualTo("also once");
        assertThat(alice.pairwise.decrypt(bob.address, steady)).isEqualTo(new Decrypted.Duplicate());
    }

    @Test
    void aDeviceThatLostItsSessionsResetsAndThePeerAcceptsTheNewSession() throws Exception {
        established();
        TestDevice bobRestored = bob.withLostSessions(dir);

        Decrypted lost = bobRestored.pairwise.decrypt(alice.address, alice.send(bob, "are you there"));
        assertThat(lost).isEqualTo(new Decrypted.NoSession());

        // The reset path: bob fetches alice's bundle and starts a new session; alice takes its PreKey message.
        bobRestored.startSessionsWith(directory, "alice");
        Envelope reset = bobRestored.send(alice, "lost my sessions");
        assertThat(reset.type()).isEqualTo(Envelope.PREKEY);
        assertThat(alice.receive(bobRestored, reset)).isEqualTo("lost my sessions");
        assertThat(bobRestored.receive(alice, alice.send(bobRestored, "welcome back"))).isEqualTo("welcome back");
    }

    @Test
    void aChangedIdentityIsReportedUntilTheUserAcceptsIt() throws Exception {
        established();
        // Bob re-registers on a new phone: a new device with a new identity; the old device is gone.
        directory.remove(bob.address);
        TestDevice newBob = TestDevice.register(dir, directory, "bob");
        var newIdentity = newBob.keys.identity().getPublicKey();

        KeyBundle.Device bundle = KeyBundle.fromJson(directory.bundle("bob")).devices().get(0);
        assertThat(alice.pairwise.startSession(bundle)).isEqualTo(new PairwiseCipher.IdentityChanged(newIdentity));
        assertThat(alice.pairwise.hasSession(newBob.address)).isFalse();

        // A message from the new identity is held back (not shown) and opens once alice accepted the new key.
        newBob.startSessionsWith(directory, "alice");
        Envelope fromNewBob = newBob.send(alice, "it is me, new phone");
        assertThat(alice.pairwise.decrypt(newBob.address, fromNewBob))
                .isEqualTo(new Decrypted.UntrustedIdentity(newIdentity));

        alice.store.trustIdentity("bob", newIdentity);
        assertThat(alice.receive(newBob, fromNewBob)).isEqualTo("it is me, new phone");
        assertThat(newBob.receive(alice, alice.send(newBob, "welcome"))).isEqualTo("welcome");
    }

    @Test
    void aTamperedEnvelopeIsInvalidAndTheSessionGoesOn() throws Exception {
        established();
        Envelope good = alice.send(bob, "intact");
        byte[] body = good.body();
        body[body.length - 3] ^= 1;
        assertThat(bob.pairwise.decrypt(alice.address, new Envelope(good.type(), body)))
                .isInstanceOf(Decrypted.Invalid.class);
        assertThat(bob.receive(alice, good)).isEqualTo("intact");
        assertThatThrownBy(() -> Envelope.decode(new byte[] {9, 1, 2})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBundleWithABadSignatureIsRefusedAndNoSessionIsMade() throws Exception {
        JsonObject json = directory.bundle("bob");
        JsonObject signed = json.getJsonArray("devices").getJsonObject(0).getJsonObject("signedPreKey");
        byte[] signature = Base64.getDecoder().decode(signed.getString("signature"));
        signature[0] ^= 1;
        signed.put("signature", Base64.getEncoder().encodeToString(signature));

        KeyBundle.Device forged = KeyBundle.fromJson(json).devices().get(0);
        assertThat(alice.pairwise.startSession(forged)).isInstanceOf(PairwiseCipher.InvalidBundle.class);
        assertThat(alice.pairwise.hasSession(bob.address)).isFalse();
        assertThatThrownBy(() -> alice.send(bob, "no session")).isInstanceOf(NoSessionException.class);
    }

    /** Alice and bob have talked both ways. */
    private void established() throws Exception {
        alice.startSessionsWith(directory, "bob");
        assertThat(bob.receive(alice, alice.send(bob, "hello"))).isEqualTo("hello");
        assertThat(alice.receive(bob, bob.send(alice, "hi"))).isEqualTo("hi");
    }
}
