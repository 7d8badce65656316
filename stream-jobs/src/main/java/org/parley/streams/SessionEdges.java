package org.parley.streams;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.parley.events.EdgeHeartbeat;

/**
 * What the presence sweep must know to skip its scan: per edge, the start of the oldest session the tracker holds
 * on it. The sweep ends a session when its edge is silent for the timeout or restarted after the session began
 * ({@link PresenceTracker}); both can only hold for some session of an edge when they hold for that edge's oldest
 * one, so a sweep that finds no such edge needs no scan. Without this the sweep read and decoded every session every
 * second: with 10,000 connected devices, the largest fixed cost of the presence role and a sixth of the combined
 * JVM's allocation at 100 messages/s (docs/performance.md).
 *
 * <p>Conservative: a session that ends does not raise its edge's oldest start (the next scan recomputes it), so a
 * needless scan is possible and a missed one is not. Unknown until the first scan after the processor starts (a
 * restore or rebalance fills the store behind its back).
 */
final class SessionEdges {
    private final Map<Integer, Long> oldestSessionStartMs = new HashMap<>();
    private boolean known;

    /** A session began on the edge (tracked only once a scan has made the summary complete). */
    void sessionStarted(int edgeId, long atMs) {
        if (known) {
            oldestSessionStartMs.merge(edgeId, atMs, Math::min);
        }
    }

    /** Whether some held session may be dead at nowMs, given each edge's latest heartbeat (null: none). */
    boolean scanNeeded(long nowMs, long edgeTimeoutMs, Function<Integer, EdgeHeartbeat> heartbeats) {
        if (!known) {
            return true;
        }
        for (Map.Entry<Integer, Long> e : oldestSessionStartMs.entrySet()) {
            long oldest = e.getValue();
            EdgeHeartbeat beat = heartbeats.apply(e.getKey());
            long lastSignOfLife = beat == null ? oldest : beat.getAt().toEpochMilli();
            boolean silent = lastSignOfLife + edgeTimeoutMs < nowMs;
            boolean restarted = beat != null && beat.getStartedAt().toEpochMilli() > oldest;
            if (silent || restarted) {
                return true;
            }
        }
        return false;
    }

    /** Replaces the summary with the one a full scan computed from the sessions it kept. */
    void rebuilt(Map<Integer, Long> oldestByEdge) {
        oldestSessionStartMs.clear();
        oldestSessionStartMs.putAll(oldestByEdge);
        known = true;
    }

    /** The edges with sessions, for tests. */
    Map<Integer, Long> oldestSessionStarts() {
        return Map.copyOf(oldestSessionStartMs);
    }
}
