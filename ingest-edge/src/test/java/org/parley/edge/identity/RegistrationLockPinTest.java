package org.parley.edge.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistrationLockPinTest {
    private final RegistrationLock lock = new RegistrationLock(u -> Future.succeededFuture(Optional.empty()),
            Duration.ofDays(7), 1000);

    @Test
    void aPinIsStoredSaltedAndSlowAndOnlyTheSamePinMatches() {
        String a = lock.encode("4921");
        String b = lock.encode("4921");
        assertThat(a).startsWith("pbkdf2-sha256:1000:").doesNotContain("4921").isNotEqualTo(b); // salted
        assertThat(RegistrationLock.matches(a, "4921")).isTrue();
        assertThat(RegistrationLock.matches(b, "4921")).isTrue();
        assertThat(RegistrationLock.matches(a, "4922")).isFalse();
        assertThat(RegistrationLock.matches("sha1:1:AA==:AA==", "4921")).isFalse();
        assertThat(RegistrationLock.validPin("123")).isFalse();
        assertThat(RegistrationLock.validPin("1234")).isTrue();
        assertThat(RegistrationLock.validPin(1234)).isFalse();
        assertThat(RegistrationLock.validPin("x".repeat(65))).isFalse();
    }
}
