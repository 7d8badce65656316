package org.parley.edge.limits;

/**
 * One token bucket: starts full ({@code rate.burst()} tokens), refills continuously at {@code burst} per period.
 * Not thread-safe: {@link KeyedBuckets} guards it.
 */
final class TokenBucket {
    private double tokens;
    private long last;

    TokenBucket(Rate rate, long now) {
        this.tokens = rate.burst();
        this.last = now;
    }

    private void refill(Rate rate, long now) {
        if (now > last) {
            tokens = Math.min(rate.burst(), tokens + (now - last) * rate.perMilli());
            last = now;
        }
    }

    /** Takes one token: 0 if it was there, else the milliseconds until one will be (nothing taken). */
    long take(Rate rate, long now) {
        refill(rate, now);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return untilOne(rate);
    }

    private long untilOne(Rate rate) {
        return Math.max(1, (long) Math.ceil((1 - tokens) / rate.perMilli() - 1e-6)); // 1e-6: float dust, not a wait
    }

    /** Like {@link #take} without taking: 0 if a token is there. */
    long peek(Rate rate, long now) {
        refill(rate, now);
        return tokens >= 1 ? 0 : untilOne(rate);
    }

    /** Full again: the same as a fresh bucket, so it can be forgotten. */
    boolean full(Rate rate, long now) {
        refill(rate, now);
        return tokens >= rate.burst();
    }
}
