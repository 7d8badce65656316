package org.parley.edge.typing;

/**
 * At most {@code maxPerSecond} typing frames per connection per second (fixed one-second windows): a client sends
 * one start per burst and renews it every few seconds, so anything faster is a broken or abusive client.
 */
public class TypingRateLimit {
    private final int maxPerSecond;
    private long windowStart;
    private int inWindow;

    public TypingRateLimit(int maxPerSecond) {
        this.maxPerSecond = maxPerSecond;
    }

    /** True if a frame at {@code nowMs} is allowed (and counts it). */
    public boolean tryAcquire(long nowMs) {
        if (nowMs - windowStart >= 1000) {
            windowStart = nowMs;
            inWindow = 0;
        }
        if (inWindow >= maxPerSecond) {
            return false;
        }
        inWindow++;
        return true;
    }
}
