package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;

class SafetyNumberTest {
    private final IdentityKey alice = IdentityKeyPair.generate().getPublicKey();
    private final IdentityKey bob = IdentityKeyPair.generate().getPublicKey();

    @Test
    void bothSidesShowTheSameSixtyDigitsAndEachScansTheOther() {
        SafetyNumber onAlicesPhone = SafetyNumber.of("alice", alice, "bob", bob);
        SafetyNumber onBobsPhone = SafetyNumber.of("bob", bob, "alice", alice);

        assertThat(onAlicesPhone.displayText()).matches("[0-9]{60}").isEqualTo(onBobsPhone.displayText());
        assertThat(onAlicesPhone.matchesScanned(onBobsPhone.scannable())).isTrue();
        assertThat(onBobsPhone.matchesScanned(onAlicesPhone.scannable())).isTrue();
    }

    @Test
    void aNewIdentityKeyGivesAnotherSafetyNumber() {
        IdentityKey bobsNewPhone = IdentityKeyPair.generate().getPublicKey();
        SafetyNumber before = SafetyNumber.of("alice", alice, "bob", bob);
        SafetyNumber after = SafetyNumber.of("alice", alice, "bob", bobsNewPhone);
        SafetyNumber onBobsNewPhone = SafetyNumber.of("bob", bobsNewPhone, "alice", alice);

        assertThat(after.displayText()).isNotEqualTo(before.displayText()).isEqualTo(onBobsNewPhone.displayText());
        assertThat(before.matchesScanned(onBobsNewPhone.scannable())).isFalse();
        assertThat(after.matchesScanned(onBobsNewPhone.scannable())).isTrue();
        assertThat(after.matchesScanned(new byte[] {1, 2, 3})).isFalse();
    }
}
