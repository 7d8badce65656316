package org.parley.fanout;

import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.parley.serde.TrustedEventClasses;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last fan-out step, keyed by device id: assigns each {@link DeviceItem} the device's next inbox seq
 * (1, 2, 3, … contiguous per device) and routes it to the edge holding the device's live session, if any.
 *
 * <p>Input 1: {@link DeviceItem}s from the {@link UserDeviceDirectory}, in the order of the device's user's partition
 * of the {@code user-items} log (one order on every replay). Input 2: {@link DeviceSession}s of the device ({@code device-sessions} topic).
 *
 * <p>State: {@code last-inbox-seq} (Long, the highest inbox seq assigned, absent = 0), {@code session} (the
 * device's current live {@link DeviceSession}, absent = not connected) and {@code delivered-positions} (per
 * conversation and kind, "e:" or "r:" + conversation id, the highest {@link DeviceItem#getPosition()} given an inbox
 * seq). No timers.
 *
 * <p>Replayed items (ADR 0006): after a restore the job's first half writes again the items it wrote since the
 * checkpoint, behind the originals in {@code user-items}. One conversation's items reach a device in position
 * order, so an item at or below the conversation's delivered position is one the device already has: it is dropped
 * and counted ({@code replayedItemsDropped}). The inbox seqs therefore depend only on the order of
 * {@code user-items}, which a replay reads identically: an inbox seq, once assigned, always names the same item.
 *
 * <p>The hand-over protocol (see docs/fanout.md): a session open (edgeId set) becomes current and emits a
 * {@link DeliveryKind#SYNC_MARKER} with {@code markerInboxSeq} = the last inbox seq assigned so far. Every delivery
 * with an inbox seq up to the marker went only to the inbox; every later one carries the session's sessionId and
 * edgeId and is also sent to that edge. A session close (edgeId null) clears the current session only if it names
 * the current sessionId: a late close of an older session must not unroute a newer one. A session open that replaces
 * a different current session (the device connected again, to this or another edge) also emits a
 * {@link DeliveryKind#SESSION_REPLACED} naming the old session, routed to the old session's edge, which closes that
 * connection (4001): it would never receive another delivery. The log's order decides which session is newer, the
 * same order that decides the routing, so the connection closed is exactly the one no longer routed to.
 */
public class DeviceInboxSequencer extends KeyedCoProcessFunction<String, DeviceItem, DeviceSession, DeviceDelivery> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DeviceInboxSequencer.class);

    static {
        TrustedEventClasses.install();
    }

    /** Keyed state: the last inbox seq assigned to the device (absent = none yet). */
    static ValueStateDescriptor<Long> lastInboxSeqDescriptor() {
        return new ValueStateDescriptor<>("last-inbox-seq", Types.LONG);
    }

    /** Keyed state: the device's current live session (absent = not connected). Avro-serialized, not Kryo. */
    static ValueStateDescriptor<DeviceSession> sessionDescriptor() {
        return new ValueStateDescriptor<>("session", new AvroTypeInfo<>(DeviceSession.class));
    }

    /** Keyed state: per "e:"/"r:" + conversation id, the highest position given an inbox seq. */
    static MapStateDescriptor<String, Long> deliveredPositionsDescriptor() {
        return new MapStateDescriptor<>("delivered-positions", Types.STRING, Types.LONG);
    }

    private transient ValueState<Long> lastInboxSeq;
    private transient ValueState<DeviceSession> session;
    private transient MapState<String, Long> deliveredPositions;
    private transient Counter replayedItemsDropped;
    private transient Counter inboxDeliveries;
    private transient Counter liveDeliveries;
    private transient Counter syncMarkers;
    private transient Counter staleSessionCloses;
    private transient Counter replacedSessions;

    @Override
    public void open(OpenContext openContext) {
        lastInboxSeq = getRuntimeContext().getState(lastInboxSeqDescriptor());
        session = getRuntimeContext().getState(sessionDescriptor());
        deliveredPositions = getRuntimeContext().getMapState(deliveredPositionsDescriptor());
        replayedItemsDropped = getRuntimeContext().getMetricGroup().counter("replayedItemsDropped");
        inboxDeliveries = getRuntimeContext().getMetricGroup().counter("inboxDeliveries");
        liveDeliveries = getRuntimeContext().getMetricGroup().counter("liveDeliveries");
        syncMarkers = getRuntimeContext().getMetricGroup().counter("syncMarkers");
        staleSessionCloses = getRuntimeContext().getMetricGroup().counter("staleSessionCloses");
        replacedSessions = getRuntimeContext().getMetricGroup().counter("replacedSessions");
    }

    @Override
    public void processElement1(DeviceItem item, Context ctx, Collector<DeviceDelivery> out) throws Exception {
        if (isReplayed(item)) {
            replayedItemsDropped.inc();
            return;
        }
        long seq = last() + 1;
        lastInboxSeq.update(seq);
        DeviceSession current = session.value();
        DeviceDelivery.Builder delivery = DeviceDelivery.newBuilder()
                .setDeviceId(ctx.getCurrentKey())
                .setUserId(item.getUserId())
                .setInboxSeq(seq)
                .setKind(item.getEvent() != null ? DeliveryKind.EVENT : DeliveryKind.RECEIPT)
                .setSessionId(current == null ? null : current.getSessionId())
                .setEdgeId(current == null ? null : current.getEdgeId())
                .setMarkerInboxSeq(null)
                .setEvent(item.getEvent())
                .setReceipt(item.getReceipt());
        out.collect(delivery.build());
        inboxDeliveries.inc();
        if (current != null) {
            liveDeliveries.inc();
        }
    }

    @Override
    public void processElement2(DeviceSession s, Context ctx, Collector<DeviceDelivery> out) throws Exception {
        if (s.getEdgeId() != null) {
            DeviceSession previous = session.value();
            if (previous != null && !Objects.equals(previous.getSessionId(), s.getSessionId())) {
                out.collect(replaced(ctx.getCurrentKey(), previous));
                replacedSessions.inc();
            }
            session.update(s);
            out.collect(DeviceDelivery.newBuilder()
                    .setDeviceId(ctx.getCurrentKey())
                    .setUserId(s.getUserId())
                    .setInboxSeq(0L)
                    .setKind(DeliveryKind.SYNC_MARKER)
                    .setSessionId(s.getSessionId())
                    .setEdgeId(s.getEdgeId())
                    .setMarkerInboxSeq(last())
                    .setEvent(null)
                    .setReceipt(null)
                    .build());
            syncMarkers.inc();
            return;
        }
        DeviceSession current = session.value();
        if (current != null && Objects.equals(current.getSessionId(), s.getSessionId())) {
            session.clear();
        } else {
            staleSessionCloses.inc();
            LOG.debug("device {}: ignoring close of session {} (current: {})", ctx.getCurrentKey(),
                    s.getSessionId(), current == null ? "none" : current.getSessionId());
        }
    }

    /** Tells the edge of {@code old} that a newer session of the device took over (not an inbox entry). */
    private static DeviceDelivery replaced(String deviceId, DeviceSession old) {
        return DeviceDelivery.newBuilder()
                .setDeviceId(deviceId)
                .setUserId(old.getUserId())
                .setInboxSeq(0L)
                .setKind(DeliveryKind.SESSION_REPLACED)
                .setSessionId(old.getSessionId())
                .setEdgeId(old.getEdgeId())
                .setMarkerInboxSeq(null)
                .setEvent(null)
                .setReceipt(null)
                .build();
    }

    /** Whether the device already got this item (or a later one of its conversation and kind); records it if not. */
    private boolean isReplayed(DeviceItem item) throws Exception {
        if (item.getPosition() == Long.MIN_VALUE) {
            return false; // position unknown: never dropped
        }
        String stream = item.getEvent() != null
                ? "e:" + item.getEvent().getConversationId()
                : "r:" + item.getReceipt().getConversationId();
        Long delivered = deliveredPositions.get(stream);
        if (delivered != null && item.getPosition() <= delivered) {
            return true;
        }
        deliveredPositions.put(stream, item.getPosition());
        return false;
    }

    private long last() throws Exception {
        Long v = lastInboxSeq.value();
        return v == null ? 0L : v;
    }
}
