package org.parley.edge.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link Rate} applied per key (a user, an address, a device): a bucket per key, created on first use and
 * forgotten by {@link #sweep} once it is full again (a full bucket is the same as a fresh one, so forgetting it
 * changes nothing). Held by the edge, not by a connection: a reconnect finds the same bucket. At most
 * {@code maxKeys} keys are tracked; past that, new keys share one overflow bucket (limited together, never
 * unlimited). Thread-safe.
 */
public final class KeyedBuckets {
    static final String OVERFLOW = "\u0000overflow";

    private final Rate rate;
    private final int maxKeys;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public KeyedBuckets(Rate rate, int maxKeys) {
        this.rate = rate;
        this.maxKeys = maxKeys;
    }

    public Rate rate() {
        return rate;
    }

    /** Takes one token of {@code key}'s bucket: 0 if allowed, else the milliseconds until a retry can succeed. */
    public long take(String key, long now) {
        if (rate.off()) {
            return 0;
        }
        TokenBucket b = buckets.computeIfAbsent(slot(key), k -> new TokenBucket(rate, now));
        synchronized (b) {
            return b.take(rate, now);
        }
    }

    /** 0 if {@code key} has a token left (nothing is taken), else the milliseconds until it will. */
    public long peek(String key, long now) {
        if (rate.off()) {
            return 0;
        }
        TokenBucket b = buckets.get(slot(key));
        if (b == null) {
            return 0;
        }
        synchronized (b) {
            return b.peek(rate, now);
        }
    }

    private String slot(String key) {
        return buckets.size() >= maxKeys && !buckets.containsKey(key) ? OVERFLOW : key;
    }

    /**
     * Forgets the buckets that are full again. (A take racing with the removal may spend a token of the forgotten
     * bucket: at most one token per key and sweep, on a bucket that was full anyway.)
     */
    public void sweep(long now) {
        buckets.values().removeIf(b -> {
            synchronized (b) {
                return b.full(rate, now);
            }
        });
    }

    /** Keys tracked now (for tests and metrics). */
    public int size() {
        return buckets.size();
    }
}
