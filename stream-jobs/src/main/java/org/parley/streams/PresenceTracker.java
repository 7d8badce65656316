package org.parley.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.parley.events.DeviceSession;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.Presence;

/**
 * A user's presence from their devices' sessions, keyed by user id: online while any device has a live session,
 * offline with a last-seen time when the last one ends. Emits a {@link Presence} on each transition only.
 *
 * <p>A session ends when its close arrives (only the close of the device's current session counts: a device that
 * moved edges is not ended by the old edge's late close), or when its edge is found dead by the wall-clock sweep:
 * no heartbeat for {@code edgeTimeout}, or the edge restarted after the session began. That is how an edge crash
 * (kill -9: no close is ever written) ends its devices' presence.
 *
 * <p>Stores: {@link #SESSIONS_STORE} ({@code userId \0 deviceId} → the live session, so one user's devices are a
 * prefix scan), {@link #STATE_STORE} (userId → last emitted presence), and the global {@link #EDGE_LIVENESS_STORE}
 * (edge id → latest heartbeat).
 */
public class PresenceTracker implements Processor<String, DeviceSession, String, Presence> {
    public static final String SESSIONS_STORE = "presence-sessions";
    public static final String STATE_STORE = "presence-state";
    public static final String EDGE_LIVENESS_STORE = "edge-liveness";
    private static final char SEP = '\u0000';

    private final Duration edgeTimeout;
    private final Duration sweepInterval;
    private final SessionEdges sessionEdges = new SessionEdges();
    private ProcessorContext<String, Presence> context;
    private KeyValueStore<String, DeviceSession> sessions;
    private KeyValueStore<String, Presence> state;
    private ReadOnlyKeyValueStore<String, EdgeHeartbeat> edges;

    public PresenceTracker(Duration edgeTimeout, Duration sweepInterval) {
        this.edgeTimeout = edgeTimeout;
        this.sweepInterval = sweepInterval;
    }

    @Override
    public void init(ProcessorContext<String, Presence> context) {
        this.context = context;
        this.sessions = context.getStateStore(SESSIONS_STORE);
        this.state = context.getStateStore(STATE_STORE);
        this.edges = context.getStateStore(EDGE_LIVENESS_STORE);
        context.schedule(sweepInterval, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, DeviceSession> record) {
        DeviceSession s = record.value();
        if (s == null) {
            return;
        }
        String key = s.getUserId() + SEP + s.getDeviceId();
        if (s.getEdgeId() != null) {
            sessions.put(key, s);
            sessionEdges.sessionStarted(s.getEdgeId(), s.getAt().toEpochMilli());
            Presence now = state.get(s.getUserId());
            if (now == null || !now.getOnline()) {
                emit(Presence.newBuilder().setUserId(s.getUserId()).setOnline(true)
                        .setLastSeenAt(now == null ? null : now.getLastSeenAt()).setAt(s.getAt()).build());
            }
            return;
        }
        DeviceSession current = sessions.get(key);
        if (current != null && current.getSessionId().equals(s.getSessionId())) {
            end(key, s.getUserId(), s.getAt());
        }
    }

    /**
     * Ends the sessions of dead edges: silent for edgeTimeout, or restarted since the session began. Scans the
     * sessions only when {@link SessionEdges} says some edge's oldest session may be dead.
     */
    private void sweep(long wallClockMs) {
        if (!sessionEdges.scanNeeded(wallClockMs, edgeTimeout.toMillis(), edge -> edges.get(String.valueOf(edge)))) {
            return;
        }
        Instant now = Instant.ofEpochMilli(wallClockMs);
        List<KeyValue<String, Instant>> dead = new ArrayList<>();
        Map<Integer, Long> oldestKept = new HashMap<>();
        try (KeyValueIterator<String, DeviceSession> all = sessions.all()) {
            while (all.hasNext()) {
                KeyValue<String, DeviceSession> kv = all.next();
                DeviceSession s = kv.value;
                EdgeHeartbeat beat = edges.get(String.valueOf(s.getEdgeId()));
                Instant lastSignOfLife = beat == null ? s.getAt() : beat.getAt();
                boolean silent = lastSignOfLife.plus(edgeTimeout).isBefore(now);
                boolean restarted = beat != null && beat.getStartedAt().isAfter(s.getAt());
                if (silent || restarted) {
                    // Last seen: the last moment the device was known connected.
                    Instant lastSeen = restarted ? beat.getStartedAt() : lastSignOfLife;
                    dead.add(KeyValue.pair(kv.key, lastSeen.isAfter(now) ? now : lastSeen));
                } else {
                    oldestKept.merge(s.getEdgeId(), s.getAt().toEpochMilli(), Math::min);
                }
            }
        }
        sessionEdges.rebuilt(oldestKept);
        for (KeyValue<String, Instant> d : dead) {
            end(d.key, d.key.substring(0, d.key.indexOf(SEP)), d.value);
        }
    }

    private void end(String key, String userId, Instant at) {
        sessions.delete(key);
        try (KeyValueIterator<String, DeviceSession> left = sessions.prefixScan(userId + SEP, new StringSerializer())) {
            if (left.hasNext()) {
                return; // another device is still connected
            }
        }
        emit(Presence.newBuilder().setUserId(userId).setOnline(false).setLastSeenAt(at).setAt(at).build());
    }

    private void emit(Presence p) {
        state.put(p.getUserId(), p);
        context.forward(new Record<>(p.getUserId(), p, p.getAt().toEpochMilli()));
    }
}
