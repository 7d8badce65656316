package org.parley.edge.session;

/**
 * A token bucket per connection: {@code burst} actions at once, refilled at {@code perSecond}. One device cannot
 * flood a conversation (or the log) however fast it writes; the refused action gets RATE_LIMITED and may be retried.
 * Used from the connection's event loop only.
 */
public final class ActionRateLimiter {
    private final double perMilli;
    private final double burst;
    private double tokens;
    private long lastRefill;

    public ActionRateLimiter(double perSecond, int burst, long nowMillis) {
        this.perMilli = perSecond / 1000.0;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = nowMillis;
    }

    /** Takes one token if there is one. */
    public boolean tryAcquire(long nowMillis) {
        if (nowMillis > lastRefill) {
            tokens = Math.min(burst, tokens + (nowMillis - lastRefill) * perMilli);
            lastRefill = nowMillis;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
