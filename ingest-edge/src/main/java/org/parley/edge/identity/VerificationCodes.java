package org.parley.edge.identity;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One-time registration codes: random digits, stored only as an HMAC (keyed by a secret outside the store, so a copy
 * of the table does not give the codes away), valid for {@code ttl}, at most {@code maxAttempts} wrong guesses per
 * code; per identifier at most {@code sendsPerIdentifier} codes and {@code failuresPerIdentifier} wrong guesses per
 * window, and one code per {@code resendInterval}. A code is used once ({@link #consume}).
 */
public final class VerificationCodes {
    /** The limits ({@code identity.*} settings). */
    public record Limits(int digits, Duration ttl, int maxAttempts, Duration window, int sendsPerIdentifier,
                         Duration resendInterval, int failuresPerIdentifier) {
        public Limits {
            if (digits < 6 || digits > 10) {
                throw new IllegalArgumentException("identity.code-digits must be 6..10, not " + digits);
            }
            if (maxAttempts < 1 || sendsPerIdentifier < 1 || failuresPerIdentifier < 1) {
                throw new IllegalArgumentException("identity code limits must be at least 1");
            }
        }
    }

    /** The answer to a code request. */
    public sealed interface Issue permits Sent, Limited {
    }

    /** The answer to a verification. */
    public sealed interface Check permits Valid, Wrong, Expired, NoCode, AttemptsExceeded, Limited {
    }

    /** A code was stored and handed to the sender. */
    public record Sent(Duration validFor) implements Issue {
    }

    /** Refused by a rate limit; retry after this long. */
    public record Limited(Duration retryAfter, String reason) implements Issue, Check {
    }

    /** The code is right; {@link #consume} it before acting on it. */
    public record Valid(CodeStore.State state) implements Check {
    }

    /** A wrong code; this many guesses of this code are left. */
    public record Wrong(int attemptsLeft) implements Check {
    }

    public record Expired() implements Check {
    }

    /** No code is active for the identifier (never requested, used already, or its row expired). */
    public record NoCode() implements Check {
    }

    /** The code had its maximum of wrong guesses: request a new one. */
    public record AttemptsExceeded() implements Check {
    }

    private static final int CAS_TRIES = 3;

    private final CodeStore store;
    private final CodeSender sender;
    private final Limits limits;
    private final Clock clock;
    private final byte[] key;
    private final SecureRandom random = new SecureRandom();

    public VerificationCodes(CodeStore store, CodeSender sender, Limits limits, Clock clock, byte[] hmacKey) {
        if (hmacKey.length < 32) {
            throw new IllegalArgumentException("the code hash key must have at least 32 bytes");
        }
        this.store = store;
        this.sender = sender;
        this.limits = limits;
        this.clock = clock;
        this.key = hmacKey.clone();
    }

    public Limits limits() {
        return limits;
    }

    /** Creates, stores and sends a new code for the identifier (replacing any earlier one), unless a limit says no. */
    public Future<Issue> issue(Identifier id) {
        return issue(id, CAS_TRIES);
    }

    private Future<Issue> issue(Identifier id, int tries) {
        return store.find(id.value()).compose(found -> {
            Instant now = clock.instant();
            CodeStore.State s = rolled(found.orElseGet(() -> CodeStore.State.fresh(id.value(), now)), now);
            Instant windowEnd = s.windowStart().plus(limits.window());
            if (s.sends() >= limits.sendsPerIdentifier()) {
                return Future.succeededFuture(new Limited(Duration.between(now, windowEnd),
                        "too many codes requested for this identifier"));
            }
            if (s.failures() >= limits.failuresPerIdentifier()) {
                return Future.succeededFuture(new Limited(Duration.between(now, windowEnd),
                        "too many wrong codes for this identifier"));
            }
            if (s.lastSentAt() != null && now.isBefore(s.lastSentAt().plus(limits.resendInterval()))) {
                return Future.succeededFuture(new Limited(Duration.between(now, s.lastSentAt().plus(limits.resendInterval())),
                        "a code was sent to this identifier moments ago"));
            }
            String code = newCode();
            CodeStore.State next = new CodeStore.State(s.identifier(), hash(id.value(), code), now.plus(limits.ttl()), 0,
                    s.windowStart(), s.sends() + 1, s.failures(), now, s.version() + 1);
            return store.put(next, keepUntil(next)).compose(stored -> {
                if (!stored) {
                    return tries > 1 ? issue(id, tries - 1) : Future.succeededFuture(new Limited(limits.resendInterval(),
                            "a code was sent to this identifier moments ago"));
                }
                return sender.send(id, code, limits.ttl()).map(v -> new Sent(limits.ttl()));
            });
        });
    }

    /** Checks a code; a wrong one is counted against the code and the identifier's window. Does not use the code up. */
    public Future<Check> check(Identifier id, String code) {
        return check(id, code, CAS_TRIES);
    }

    private Future<Check> check(Identifier id, String code, int tries) {
        return store.find(id.value()).compose(found -> {
            Instant now = clock.instant();
            if (found.isEmpty()) {
                return Future.succeededFuture(new NoCode());
            }
            CodeStore.State s = rolled(found.get(), now);
            if (s.failures() >= limits.failuresPerIdentifier()) {
                return Future.succeededFuture(new Limited(Duration.between(now, s.windowStart().plus(limits.window())),
                        "too many wrong codes for this identifier"));
            }
            if (s.codeHash() == null) {
                return Future.succeededFuture(new NoCode());
            }
            if (!now.isBefore(s.expiresAt())) {
                return Future.succeededFuture(new Expired());
            }
            if (s.attempts() >= limits.maxAttempts()) {
                return Future.succeededFuture(new AttemptsExceeded());
            }
            if (MessageDigest.isEqual(s.codeHash().getBytes(StandardCharsets.US_ASCII),
                    hash(id.value(), code).getBytes(StandardCharsets.US_ASCII))) {
                return Future.succeededFuture(new Valid(s));
            }
            CodeStore.State next = new CodeStore.State(s.identifier(), s.codeHash(), s.expiresAt(), s.attempts() + 1,
                    s.windowStart(), s.sends(), s.failures() + 1, s.lastSentAt(), s.version() + 1);
            return store.put(next, keepUntil(next)).compose(stored -> {
                if (stored) {
                    int left = limits.maxAttempts() - next.attempts();
                    return Future.succeededFuture(left > 0 ? new Wrong(left) : new AttemptsExceeded());
                }
                return tries > 1 ? check(id, code, tries - 1)
                        : Future.failedFuture("verification of " + id + " kept conflicting with concurrent attempts");
            });
        });
    }

    /** Uses a valid code up; false if it was used (or replaced) meanwhile, e.g. by a concurrent registration. */
    public Future<Boolean> consume(Valid valid) {
        CodeStore.State s = valid.state();
        CodeStore.State next = new CodeStore.State(s.identifier(), null, s.expiresAt(), s.attempts(), s.windowStart(),
                s.sends(), s.failures(), s.lastSentAt(), s.version() + 1);
        return store.put(next, keepUntil(next));
    }

    /** Uses a valid code up and counts it as a wrong guess of the identifier (a wrong registration-lock PIN). */
    public Future<Boolean> penalize(Valid valid) {
        CodeStore.State s = valid.state();
        CodeStore.State next = new CodeStore.State(s.identifier(), null, s.expiresAt(), s.attempts(), s.windowStart(),
                s.sends(), s.failures() + 1, s.lastSentAt(), s.version() + 1);
        return store.put(next, keepUntil(next));
    }

    /** A new window once the old one ended (counters back to 0; the current code, if any, stays as it is). */
    private CodeStore.State rolled(CodeStore.State s, Instant now) {
        if (now.isBefore(s.windowStart().plus(limits.window()))) {
            return s;
        }
        return new CodeStore.State(s.identifier(), s.codeHash(), s.expiresAt(), s.attempts(), now, 0, 0, s.lastSentAt(),
                s.version());
    }

    private Instant keepUntil(CodeStore.State s) {
        Instant windowEnd = s.windowStart().plus(limits.window());
        return windowEnd.isAfter(s.expiresAt()) ? windowEnd : s.expiresAt();
    }

    private String newCode() {
        StringBuilder b = new StringBuilder(limits.digits());
        for (int i = 0; i < limits.digits(); i++) {
            b.append((char) ('0' + random.nextInt(10)));
        }
        return b.toString();
    }

    String hash(String identifier, String code) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((identifier + "\n" + code).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
