package org.parley.edge.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class VerificationCodesTest {
    private static final Identifier ID = Identifier.parse("+14155550100").orElseThrow();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final InMemoryCodeStore store = new InMemoryCodeStore();
    private final RecordingCodeSender sender = new RecordingCodeSender();
    private final VerificationCodes codes = new VerificationCodes(store, sender, new VerificationCodes.Limits(6,
            Duration.ofMinutes(10), 3, Duration.ofHours(1), 4, Duration.ofSeconds(30), 5), clock, new byte[32]);

    private static <T> T done(Future<T> f) {
        assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue();
        return f.result();
    }

    private String issue() {
        assertThat(done(codes.issue(ID))).isInstanceOf(VerificationCodes.Sent.class);
        return sender.latest.get(ID.value());
    }

    private static String wrong(String code) {
        return code.equals("000000") ? "111111" : "000000";
    }

    @Test
    void aCodeIsSixRandomDigitsStoredOnlyAsAKeyedHash() {
        String code = issue();
        assertThat(code).matches("[0-9]{6}");
        CodeStore.State row = store.rows.get(ID.value());
        assertThat(row.codeHash()).doesNotContain(code).isEqualTo(codes.hash(ID.value(), code));
        VerificationCodes other = new VerificationCodes(store, sender, codes.limits(), clock, new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        assertThat(other.hash(ID.value(), code)).isNotEqualTo(row.codeHash()); // the key is needed to test guesses
        assertThat(row.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
    }

    @Test
    void theRightCodeIsValidUntilItExpires() {
        String code = issue();
        clock.advance(Duration.ofMinutes(10).minusMillis(1));
        assertThat(done(codes.check(ID, code))).isInstanceOf(VerificationCodes.Valid.class);
        clock.advance(Duration.ofMillis(1));
        assertThat(done(codes.check(ID, code))).isInstanceOf(VerificationCodes.Expired.class);
    }

    @Test
    void aCodeIsUsedOnceAndTwoConcurrentUsesCannotBothWin() {
        String code = issue();
        VerificationCodes.Valid a = (VerificationCodes.Valid) done(codes.check(ID, code));
        VerificationCodes.Valid b = (VerificationCodes.Valid) done(codes.check(ID, code));
        assertThat(done(codes.consume(a))).isTrue();
        assertThat(done(codes.consume(b))).isFalse();
        assertThat(done(codes.check(ID, code))).isInstanceOf(VerificationCodes.NoCode.class);
    }

    @Test
    void eachCodeTakesALimitedNumberOfWrongGuesses() {
        String code = issue();
        assertThat(done(codes.check(ID, wrong(code)))).isEqualTo(new VerificationCodes.Wrong(2));
        assertThat(done(codes.check(ID, wrong(code)))).isEqualTo(new VerificationCodes.Wrong(1));
        assertThat(done(codes.check(ID, wrong(code)))).isInstanceOf(VerificationCodes.AttemptsExceeded.class);
        assertThat(done(codes.check(ID, code))).isInstanceOf(VerificationCodes.AttemptsExceeded.class);
        // A new code starts with fresh attempts.
        clock.advance(Duration.ofSeconds(30));
        String next = issue();
        assertThat(done(codes.check(ID, next))).isInstanceOf(VerificationCodes.Valid.class);
    }

    @Test
    void wrongGuessesAcrossCodesAreCappedPerIdentifierUntilTheWindowEnds() {
        String code = issue();
        codes.check(ID, wrong(code));
        codes.check(ID, wrong(code));
        clock.advance(Duration.ofSeconds(30));
        code = issue();
        codes.check(ID, wrong(code));
        codes.check(ID, wrong(code));
        codes.check(ID, wrong(code)); // the fifth wrong guess in this window
        clock.advance(Duration.ofSeconds(30));
        VerificationCodes.Issue refused = done(codes.issue(ID));
        assertThat(refused).isInstanceOf(VerificationCodes.Limited.class);
        assertThat(((VerificationCodes.Limited) refused).retryAfter()).isEqualTo(Duration.ofMinutes(59));
        assertThat(done(codes.check(ID, code))).isInstanceOf(VerificationCodes.Limited.class);
        clock.advance(Duration.ofMinutes(59));
        String fresh = issue();
        assertThat(done(codes.check(ID, fresh))).isInstanceOf(VerificationCodes.Valid.class);
    }

    @Test
    void codesAreSentAtMostOncePerIntervalAndSoManyTimesPerWindow() {
        issue();
        VerificationCodes.Issue soon = done(codes.issue(ID));
        assertThat(soon).isEqualTo(new VerificationCodes.Limited(Duration.ofSeconds(30),
                "a code was sent to this identifier moments ago"));
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(30));
            issue();
        }
        clock.advance(Duration.ofSeconds(30));
        VerificationCodes.Issue fifth = done(codes.issue(ID));
        assertThat(fifth).isInstanceOf(VerificationCodes.Limited.class);
        assertThat(((VerificationCodes.Limited) fifth).reason()).contains("too many codes");
        assertThat(sender.sent).isEqualTo(4);
        clock.advance(Duration.ofHours(1));
        issue();
    }

    @Test
    void aNewCodeReplacesTheOldOne() {
        String old = issue();
        clock.advance(Duration.ofSeconds(30));
        String next = issue();
        if (!old.equals(next)) {
            assertThat(done(codes.check(ID, old))).isInstanceOf(VerificationCodes.Wrong.class);
        }
        assertThat(done(codes.check(ID, next))).isInstanceOf(VerificationCodes.Valid.class);
    }

    @Test
    void aWrongGuessRacingAnotherWriteIsStillCounted() {
        String code = issue();
        store.loseNextPut = true; // another edge counted a guess first: re-read and count this one too
        assertThat(done(codes.check(ID, wrong(code)))).isEqualTo(new VerificationCodes.Wrong(2));
        assertThat(store.rows.get(ID.value()).attempts()).isEqualTo(1);
    }

    @Test
    void anUnknownIdentifierHasNoCodeAndASenderFailureFailsTheRequest() {
        assertThat(done(codes.check(ID, "123456"))).isInstanceOf(VerificationCodes.NoCode.class);
        sender.failing = true;
        assertThat(codes.issue(ID).failed()).isTrue();
    }
}
