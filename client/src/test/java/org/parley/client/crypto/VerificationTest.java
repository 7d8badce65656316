package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.crypto.Verification.State;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.UntrustedIdentityException;

class VerificationTest {
    @TempDir
    Path dir;
    private final KeyDirectoryStub directory = new KeyDirectoryStub();
    private TestDevice alice;
    private TestDevice bob;

    @BeforeEach
    void talk() throws Exception {
        alice = TestDevice.register(dir, directory, "alice");
        bob = TestDevice.register(dir, directory, "bob");
        bob.startSessionsWith(directory, "alice");
        assertThat(alice.receive(bob, bob.send(alice, "hi"))).isEqualTo("hi");
    }

    private static Verification of(TestDevice d) {
        return new Verification(d.store, d.address.userId());
    }

    @Test
    void trustedOnFirstUseIsUnverifiedAndBothSidesShowTheSameSafetyNumber() {
        assertThat(of(bob).state("alice")).isEqualTo(State.UNVERIFIED);
        assertThat(of(alice).state("bob")).isEqualTo(State.UNVERIFIED);
        assertThat(of(bob).safetyNumber("alice").displayText()).matches("[0-9]{60}")
                .isEqualTo(of(alice).safetyNumber("bob").displayText());
        assertThatThrownBy(() -> of(bob).safetyNumber("carol")).isInstanceOf(IllegalStateException.class);
        assertThat(of(bob).state("carol")).isEqualTo(State.UNVERIFIED);
    }

    @Test
    void scanningTheOtherScreenVerifiesAndAWrongCodeDoesNotAndItSurvivesARestart() throws Exception {
        assertThat(of(bob).verify("alice", new byte[] {1, 2, 3})).isFalse();
        TestDevice carol = TestDevice.register(dir, directory, "carol");
        carol.startSessionsWith(directory, "alice");
        assertThat(of(bob).verify("alice", of(carol).safetyNumber("alice").scannable())).isFalse(); // another pair
        assertThat(of(bob).state("alice")).isEqualTo(State.UNVERIFIED);

        assertThat(of(bob).verify("alice", of(alice).safetyNumber("bob").scannable())).isTrue();
        assertThat(of(bob).state("alice")).isEqualTo(State.VERIFIED);
        assertThat(of(alice).state("bob")).isEqualTo(State.UNVERIFIED); // each side verifies for itself
        assertThat(of(bob.restarted()).state("alice")).isEqualTo(State.VERIFIED);

        assertThat(of(alice).verify("bob", true)).isTrue();
        assertThat(of(alice).state("bob")).isEqualTo(State.VERIFIED);
        assertThat(of(alice).verify("bob", false)).isFalse();
        assertThat(of(alice).state("bob")).isEqualTo(State.UNVERIFIED);
    }

    @Test
    void aNewIdentityKeyIsChangedAndHeldBothWaysUntilAcceptedThenUnverified() throws Exception {
        of(bob).verify("alice", true);
        String before = of(bob).safetyNumber("alice").displayText();
        // alice re-registers: a new primary with a new identity key.
        directory.remove(alice.address);
        TestDevice newAlice = TestDevice.register(dir, directory, "alice");
        KeyBundle.Device bundle = KeyBundle.fromJson(directory.bundle("alice")).devices().get(0);

        PairwiseCipher.SessionStart start = bob.pairwise.startSession(bundle);
        assertThat(start).isInstanceOf(PairwiseCipher.IdentityChanged.class);
        IdentityKey newKey = ((PairwiseCipher.IdentityChanged) start).identityKey();
        of(bob).identityChanged("alice", newKey);
        assertThat(of(bob).state("alice")).isEqualTo(State.CHANGED);
        assertThat(bob.pairwise.hasSession(alice.address)).isFalse(); // the old identity's sessions are gone
        // The safety number to compare now is the new one; scanning cannot verify a change that is not accepted.
        assertThat(of(bob).safetyNumber("alice").displayText()).isNotEqualTo(before)
                .isEqualTo(SafetyNumber.of("alice", newAlice.keys.identity().getPublicKey(), "bob",
                        bob.keys.identity().getPublicKey()).displayText());
        assertThat(of(bob).verify("alice", SafetyNumber.of("alice", newAlice.keys.identity().getPublicKey(), "bob",
                bob.keys.identity().getPublicKey()).scannable())).isFalse();

        // Held: no session starts, and what the new identity sends is not opened.
        assertThat(bob.pairwise.startSession(bundle)).isInstanceOf(PairwiseCipher.IdentityChanged.class);
        newAlice.startSessionsWith(directory, "bob");
        Envelope fromNewAlice = newAlice.send(bob, "new phone");
        assertThat(bob.pairwise.decrypt(newAlice.address, fromNewAlice)).isInstanceOf(Decrypted.UntrustedIdentity.class);
        assertThat(of(bob.restarted()).state("alice")).isEqualTo(State.CHANGED);

        of(bob).acceptIdentityChange("alice", newKey);
        assertThat(of(bob).state("alice")).isEqualTo(State.UNVERIFIED);
        assertThat(bob.receive(newAlice, fromNewAlice)).isEqualTo("new phone"); // nothing was consumed while held
        assertThat(newAlice.receive(bob, bob.send(newAlice, "welcome back"))).isEqualTo("welcome back");
    }

    @Test
    void theServersNoticeAloneHoldsEvenTheOldSessionsUntilAccepted() throws Exception {
        assertThat(bob.pairwise.hasSession(alice.address)).isTrue();
        of(bob).identityChanged("alice", null);
        assertThat(of(bob).state("alice")).isEqualTo(State.CHANGED);
        assertThat(of(bob).peerIdentity("alice")).isNull(); // the new key is not known yet
        assertThatThrownBy(() -> of(bob).safetyNumber("alice")).isInstanceOf(IllegalStateException.class);
        assertThat(bob.pairwise.hasSession(alice.address)).isFalse();
        KeyBundle.Device same = KeyBundle.fromJson(directory.bundle("alice")).devices().get(0);
        assertThat(bob.pairwise.startSession(same)).isInstanceOf(PairwiseCipher.IdentityChanged.class);
        // The old identity's session is gone: what its (revoked) device still sends opens no more.
        assertThat(bob.pairwise.decrypt(alice.address, alice.send(bob, "still me")))
                .isInstanceOf(Decrypted.NoSession.class);
        // A known key replaces the unknown one; an unknown one never replaces a known one.
        of(bob).identityChanged("alice", alice.keys.identity().getPublicKey());
        of(bob).identityChanged("alice", null);
        assertThat(of(bob).peerIdentity("alice")).isEqualTo(alice.keys.identity().getPublicKey());

        of(bob).acceptIdentityChange("alice", alice.keys.identity().getPublicKey());
        assertThat(of(bob).state("alice")).isEqualTo(State.UNVERIFIED);
        assertThat(bob.pairwise.startSession(same)).isEqualTo(new PairwiseCipher.Started());
        assertThat(alice.receive(bob, bob.send(alice, "ok"))).isEqualTo("ok");
    }

    @Test
    void encryptingToAChangedPeerThrowsUntrustedIdentity() {
        of(bob).identityChanged("alice", IdentityKeyPairs.another());
        assertThatThrownBy(() -> bob.send(alice, "x")).isInstanceOfAny(UntrustedIdentityException.class,
                org.signal.libsignal.protocol.NoSessionException.class);
    }

    @Test
    void aNoticeIsNewOnceAndAnOlderOneOfTheSameConversationIsNot() throws Exception {
        assertThat(bob.store.newNotice("alice", "dm:alice:bob", 7)).isTrue();
        assertThat(bob.store.newNotice("alice", "dm:alice:bob", 7)).isFalse();
        assertThat(bob.store.newNotice("alice", "dm:alice:bob", 5)).isFalse();
        assertThat(bob.store.newNotice("alice", "dm:alice:carol", 5)).isTrue();
        assertThat(bob.restarted().store.newNotice("alice", "dm:alice:bob", 7)).isFalse();
        assertThat(bob.store.newNotice("alice", "dm:alice:bob", 8)).isTrue();
    }

    private static final class IdentityKeyPairs {
        static IdentityKey another() {
            return org.signal.libsignal.protocol.IdentityKeyPair.generate().getPublicKey();
        }
    }
}
