package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.events.EdgeHeartbeat;

class SessionEdgesTest {
    private static final long TIMEOUT = 10_000;
    private final SessionEdges edges = new SessionEdges();
    private final Map<Integer, EdgeHeartbeat> beats = new HashMap<>();

    private void beat(int edge, long startedMs, long atMs) {
        beats.put(edge, EdgeHeartbeat.newBuilder().setEdgeId(edge).setStartedAt(Instant.ofEpochMilli(startedMs))
                .setAt(Instant.ofEpochMilli(atMs)).build());
    }

    private boolean scanAt(long nowMs) {
        return edges.scanNeeded(nowMs, TIMEOUT, beats::get);
    }

    @Test
    void unknownUntilTheFirstScanSoTheFirstSweepScans() {
        edges.sessionStarted(0, 1_000); // before any scan: the store may hold more than the tracker has seen
        assertThat(scanAt(2_000)).isTrue();
        assertThat(edges.oldestSessionStarts()).isEmpty();
    }

    @Test
    void liveEdgesNeedNoScan() {
        beat(0, -100_000, 50_000);
        beat(1, 0, 55_000);
        edges.rebuilt(Map.of(0, 1_000L, 1, 2_000L));
        assertThat(scanAt(60_000)).isFalse();
    }

    @Test
    void aSilentEdgeNeedsAScanOnlyPastTheTimeout() {
        beat(0, -100_000, 50_000);
        edges.rebuilt(Map.of(0, 1_000L));
        assertThat(scanAt(60_000)).as("silent exactly the timeout").isFalse();
        assertThat(scanAt(60_001)).isTrue();
    }

    @Test
    void anEdgeRestartedAfterItsOldestSessionNeedsAScan() {
        beat(0, 1_000, 5_000);
        edges.rebuilt(Map.of(0, 1_000L));
        assertThat(scanAt(6_000)).as("restarted when the session began").isFalse();
        beat(0, 1_001, 6_000);
        assertThat(scanAt(6_000)).isTrue();
    }

    @Test
    void aSessionOnAnEdgeThatNeverBeatLivesTheTimeoutFromItsStart() {
        edges.rebuilt(Map.of());
        edges.sessionStarted(3, 20_000);
        edges.sessionStarted(3, 25_000);
        assertThat(edges.oldestSessionStarts()).containsExactly(Map.entry(3, 20_000L));
        assertThat(scanAt(30_000)).isFalse();
        assertThat(scanAt(30_001)).isTrue();
    }

    @Test
    void aScanReplacesTheSummaryWithWhatItKept() {
        edges.rebuilt(Map.of(0, 1_000L, 1, 2_000L));
        edges.rebuilt(Map.of(1, 3_000L));
        assertThat(edges.oldestSessionStarts()).containsExactly(Map.entry(1, 3_000L));
    }
}
