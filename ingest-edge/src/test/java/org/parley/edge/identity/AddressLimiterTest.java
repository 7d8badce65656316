package org.parley.edge.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressLimiterTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));

    @Test
    void eachAddressHasItsOwnWindowAndExemptAddressesAreNotCounted() {
        AddressLimiter limiter = new AddressLimiter(2, Duration.ofMinutes(10), Set.of("127.0.0.1"), clock, 100);
        assertThat(limiter.acquire("192.0.2.1")).isEmpty();
        assertThat(limiter.acquire("192.0.2.1")).isEmpty();
        clock.advance(Duration.ofMinutes(4));
        assertThat(limiter.acquire("192.0.2.1")).hasValue(Duration.ofMinutes(6));
        assertThat(limiter.acquire("192.0.2.2")).isEmpty();
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.acquire("127.0.0.1")).isEmpty();
        }
        clock.advance(Duration.ofMinutes(6));
        assertThat(limiter.acquire("192.0.2.1")).isEmpty();
    }

    @Test
    void theTableIsBoundedAndFreesEndedWindows() {
        AddressLimiter limiter = new AddressLimiter(5, Duration.ofMinutes(1), Set.of(), clock, 2);
        assertThat(limiter.acquire("192.0.2.1")).isEmpty();
        assertThat(limiter.acquire("192.0.2.2")).isEmpty();
        assertThat(limiter.acquire("192.0.2.3")).isPresent(); // full, and no window ended yet
        clock.advance(Duration.ofMinutes(1));
        assertThat(limiter.acquire("192.0.2.3")).isEmpty();
    }
}
