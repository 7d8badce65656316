package org.parley.fanout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.parley.serde.TrustedEventClasses;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.events.PushRequest;

/**
 * Decides, per device, which deliveries become a push: keyed by device id, fed by the {@link DeviceInboxSequencer}'s
 * output (which says, on every delivery, whether the device had a live session).
 *
 * <p>An EVENT delivery becomes exactly one {@link PushRequest} when all hold: the device has no live session
 * ({@code edgeId} null), the event type is pushable ({@link PushPolicy#eventTypes}, default MESSAGE; typing never
 * reaches this operator and receipts are never pushed), it is not private, its sender is not the device's own user,
 * the conversation is not muted for the device's user at the message's {@code sentAt}, and it is younger than
 * {@link PushPolicy#maxAgeMs}. Its {@code pushId} is {@code <deviceId>/<eventId>}: independent of the inbox seq, so
 * a replay after a restore repeats the same id (it would even if the replay ordered items differently) and the
 * dispatcher drops it (docs/adr/0007).
 *
 * <p>Collapsing per conversation while unread: every push of a conversation carries the same {@code collapseKey}
 * (the conversation id; the Web Push Topic header, so the push service keeps only the newest undelivered one) and
 * the number of that conversation's pushes since the device was last online ({@code unreadCount}), so the one
 * notification left says "3 new messages". The count restarts when the device comes online (a sync marker or a
 * live delivery): it then syncs and shows the messages itself.
 *
 * <p>State: {@code muted-until} (conversation → muteUntil epoch ms, {@code Long.MAX_VALUE} = forever; from
 * MUTE_CHANGED events of the device's user; a timed mute is removed by a processing-time timer at its end +
 * {@link PushPolicy#muteGraceMs}) and {@code unread-pushes} (conversation → count; cleared when the device comes
 * online, TTL {@link PushPolicy#unreadTtlMs} for devices that never do) guarded by {@code has-unread-pushes} (set
 * with the first count, cleared with the counts): a delivery to an online device touches the TTL map only when the
 * guard says there is something to reset. Every access to TTL state runs Flink's incremental cleanup, which on a
 * nearly empty heap state table allocates a fresh state iterator each time; online deliveries are most deliveries,
 * and without the guard that was a fifth of the combined JVM's allocation at 100 messages/s (docs/performance.md).
 * The guard has no TTL: one flag per device that was pushed, until it next connects.
 */
public class PushDecision extends KeyedProcessFunction<String, DeviceDelivery, PushRequest> {
    private static final long serialVersionUID = 1L;

    static {
        TrustedEventClasses.install();
    }

    private final PushPolicy policy;

    private transient MapState<String, Long> mutedUntil;
    private transient MapState<String, Integer> unreadPushes;
    private transient ValueState<Boolean> hasUnreadPushes;
    private transient Counter pushRequests;
    private transient Counter skippedOnline;
    private transient Counter skippedMuted;
    private transient Counter skippedOwn;
    private transient Counter skippedStale;

    public PushDecision(PushPolicy policy) {
        this.policy = policy;
    }

    static MapStateDescriptor<String, Long> mutedUntilDescriptor() {
        return new MapStateDescriptor<>("muted-until", Types.STRING, Types.LONG);
    }

    static MapStateDescriptor<String, Integer> unreadPushesDescriptor(PushPolicy policy) {
        MapStateDescriptor<String, Integer> d = new MapStateDescriptor<>("unread-pushes", Types.STRING, Types.INT);
        d.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(policy.unreadTtlMs()))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        return d;
    }

    static ValueStateDescriptor<Boolean> hasUnreadPushesDescriptor() {
        return new ValueStateDescriptor<>("has-unread-pushes", Types.BOOLEAN);
    }

    @Override
    public void open(OpenContext openContext) {
        mutedUntil = getRuntimeContext().getMapState(mutedUntilDescriptor());
        unreadPushes = getRuntimeContext().getMapState(unreadPushesDescriptor(policy));
        hasUnreadPushes = getRuntimeContext().getState(hasUnreadPushesDescriptor());
        var metrics = getRuntimeContext().getMetricGroup();
        pushRequests = metrics.counter("pushRequests");
        skippedOnline = metrics.counter("pushSkippedOnline");
        skippedMuted = metrics.counter("pushSkippedMuted");
        skippedOwn = metrics.counter("pushSkippedOwnMessage");
        skippedStale = metrics.counter("pushSkippedStale");
    }

    @Override
    public void processElement(DeviceDelivery d, Context ctx, Collector<PushRequest> out) throws Exception {
        if (d.getKind() == DeliveryKind.SYNC_MARKER) {
            unreadPushes.clear(); // online: the device syncs and shows everything itself (once per connect)
            hasUnreadPushes.clear();
            return;
        }
        ConversationEvent e = d.getEvent();
        if (d.getKind() != DeliveryKind.EVENT || e == null) {
            return; // receipts are never pushed
        }
        if (e.getType() == EventType.MUTE_CHANGED) {
            if (d.getUserId().equals(e.getPrivateToUserId())) {
                applyMute(e, ctx);
            }
            return;
        }
        String conversation = e.getConversationId();
        if (d.getEdgeId() != null) {
            skippedOnline.inc();
            if (hasUnreadPushes.value() != null) {
                unreadPushes.remove(conversation);
            }
            return;
        }
        if (e.getPrivateToUserId() != null || !policy.eventTypes().contains(e.getType())) {
            return;
        }
        if (d.getUserId().equals(e.getSenderUserId())) {
            skippedOwn.inc();
            return;
        }
        Long muted = mutedUntil.get(conversation);
        long sentAt = e.getSentAt().toEpochMilli();
        if (muted != null && sentAt < muted) {
            skippedMuted.inc();
            return;
        }
        if (ctx.timerService().currentProcessingTime() - sentAt > policy.maxAgeMs()) {
            skippedStale.inc();
            return;
        }
        Integer before = unreadPushes.get(conversation);
        int unread = before == null ? 1 : before + 1;
        unreadPushes.put(conversation, unread);
        hasUnreadPushes.update(Boolean.TRUE);
        out.collect(PushRequest.newBuilder()
                .setPushId(d.getDeviceId() + "/" + e.getEventId())
                .setDeviceId(d.getDeviceId())
                .setUserId(d.getUserId())
                .setConversationId(conversation)
                .setEventId(e.getEventId())
                .setSeq(e.getSeq())
                .setCollapseKey(conversation)
                .setUnreadCount(unread)
                .setSentAt(e.getSentAt())
                .build());
        pushRequests.inc();
    }

    /** muteUntil: epoch ms; 0 (or null, or past) = unmuted; Long.MAX_VALUE = forever. */
    private void applyMute(ConversationEvent e, Context ctx) throws Exception {
        String conversation = e.getConversationId();
        Long previous = mutedUntil.get(conversation);
        if (previous != null) {
            forgetCleanupTimer(conversation, previous, ctx);
        }
        long until = e.getMuteUntil() == null ? 0L : e.getMuteUntil();
        if (until <= 0) {
            mutedUntil.remove(conversation);
            return;
        }
        mutedUntil.put(conversation, until);
        if (until != Long.MAX_VALUE) {
            ctx.timerService().registerProcessingTimeTimer(cleanupAt(until));
        }
    }

    /** Deletes the timer of a replaced mute, unless another conversation's mute ends at the same instant. */
    private void forgetCleanupTimer(String conversation, long until, Context ctx) throws Exception {
        if (until == Long.MAX_VALUE) {
            return;
        }
        long at = cleanupAt(until);
        for (Map.Entry<String, Long> m : mutedUntil.entries()) {
            if (!m.getKey().equals(conversation) && m.getValue() != Long.MAX_VALUE && cleanupAt(m.getValue()) == at) {
                return;
            }
        }
        ctx.timerService().deleteProcessingTimeTimer(at);
    }

    private long cleanupAt(long until) {
        long at = until + policy.muteGraceMs();
        return at < until ? Long.MAX_VALUE - 1 : at; // saturate
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PushRequest> out) throws Exception {
        List<String> ended = new ArrayList<>();
        for (Map.Entry<String, Long> m : mutedUntil.entries()) {
            if (m.getValue() != Long.MAX_VALUE && cleanupAt(m.getValue()) <= timestamp) {
                ended.add(m.getKey());
            }
        }
        for (String conversation : ended) {
            mutedUntil.remove(conversation);
        }
    }
}
