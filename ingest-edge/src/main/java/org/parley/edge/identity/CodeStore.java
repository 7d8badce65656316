package org.parley.edge.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Optional;

/**
 * One row per identifier: its current code (hashed) and the counters of its rate-limit window. Writes are
 * compare-and-set on {@link State#version()}, so edges that share the store never lose an attempt count.
 * Futures complete on the caller's context.
 */
public interface CodeStore {
    /**
     * An identifier's code state.
     *
     * @param codeHash   HMAC of the current code; null when none is active (never sent, or used)
     * @param expiresAt  when the current code stops being accepted
     * @param attempts   wrong guesses of the current code
     * @param windowStart start of the identifier's rate-limit window
     * @param sends      codes sent in the window
     * @param failures   wrong guesses in the window, across codes
     * @param lastSentAt when the last code was sent (resend interval)
     * @param version    0 for a row that does not exist yet; +1 on every write
     */
    record State(String identifier, String codeHash, Instant expiresAt, int attempts, Instant windowStart, int sends,
                 int failures, Instant lastSentAt, long version) {
        static State fresh(String identifier, Instant now) {
            return new State(identifier, null, now, 0, now, 0, 0, null, 0);
        }
    }

    Future<Optional<State>> find(String identifier);

    /**
     * Writes {@code next} if the stored row still has version {@code next.version() - 1} (absent for 0); false if
     * another write came first. The row may be dropped after {@code keepUntil}.
     */
    Future<Boolean> put(State next, Instant keepUntil);
}
