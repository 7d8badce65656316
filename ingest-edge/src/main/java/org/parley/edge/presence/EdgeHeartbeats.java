package org.parley.edge.presence;

import io.vertx.core.Vertx;
import java.time.Instant;
import org.parley.edge.log.SignalLog;
import org.parley.events.EdgeHeartbeat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This edge's heartbeat on {@code edge-heartbeats}: the presence topology ends the sessions of an edge that stops
 * beating (a crash writes no closes) or that restarted ({@code startedAt} later than the session).
 */
public class EdgeHeartbeats {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeHeartbeats.class);

    private final SignalLog log;
    private final int edgeId;
    private final Instant startedAt = Instant.now();

    public EdgeHeartbeats(SignalLog log, int edgeId) {
        this.log = log;
        this.edgeId = edgeId;
    }

    /** Beats now, then every {@code periodMs}; returns the timer id. */
    public long start(Vertx vertx, long periodMs) {
        beat();
        return vertx.setPeriodic(periodMs, id -> beat());
    }

    private void beat() {
        log.heartbeat(EdgeHeartbeat.newBuilder().setEdgeId(edgeId).setStartedAt(startedAt).setAt(Instant.now()).build())
                .onFailure(err -> LOG.warn("heartbeat not appended: {}", err.toString()));
    }
}
