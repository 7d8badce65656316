package org.parley.edge.limits;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The edge-wide buckets of client frames: one per user and one per client address for every {@link FrameKind}.
 * Held by the edge, so a user's devices share their buckets and a reconnect does not refill them. Thread-safe.
 */
public final class FrameLimits {
    /** A refused frame: which limit, and when a retry can succeed. */
    public record Refusal(String scope, FrameKind kind, Rate rate, long retryAfterMs) {
        /** The setting that sets this limit. */
        public String setting() {
            return "limits." + scope + "." + kind.key();
        }
    }

    private final Map<FrameKind, KeyedBuckets> perUser = new EnumMap<>(FrameKind.class);
    private final Map<FrameKind, KeyedBuckets> perAddress = new EnumMap<>(FrameKind.class);
    private final LongSupplier clock;

    public FrameLimits(EdgeLimits limits, LongSupplier clock) {
        this.clock = clock;
        for (FrameKind k : FrameKind.values()) {
            perUser.put(k, new KeyedBuckets(limits.perUser().get(k), limits.maxTrackedKeys()));
            perAddress.put(k, new KeyedBuckets(limits.perAddress().get(k), limits.maxTrackedKeys()));
        }
    }

    /** Counts one frame of {@code kind} from {@code userId} at {@code address} (null: exempt); null if admitted. */
    public Refusal admit(FrameKind kind, String userId, String address) {
        long now = clock.getAsLong();
        KeyedBuckets user = perUser.get(kind);
        long wait = user.take(userId, now);
        if (wait > 0) {
            return new Refusal("user", kind, user.rate(), wait);
        }
        if (address != null) {
            KeyedBuckets addr = perAddress.get(kind);
            wait = addr.take(address, now);
            if (wait > 0) {
                return new Refusal("address", kind, addr.rate(), wait);
            }
        }
        return null;
    }

    /** The view of one connection. */
    public ConnectionLimits forConnection(String userId, String address) {
        return new ConnectionLimits(this, userId, address);
    }

    public void sweep() {
        long now = clock.getAsLong();
        perUser.values().forEach(b -> b.sweep(now));
        perAddress.values().forEach(b -> b.sweep(now));
    }

    /** Users tracked by {@code kind}'s buckets now (tests). */
    int usersTracked(FrameKind kind) {
        return perUser.get(kind).size();
    }
}
