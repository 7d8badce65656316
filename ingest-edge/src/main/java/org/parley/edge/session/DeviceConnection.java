package org.parley.edge.session;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.limits.ConnectionLimits;
import org.parley.edge.limits.OutboundFlow;
import org.parley.edge.log.ActionLog;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FrameDecoder;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceSession;
import org.parley.events.EventType;
import org.parley.projections.DeviceInbox;
import org.parley.schemas.Conversations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's WebSocket session. Every delivery the device sees goes through one ordered chain, so the device gets
 * its inbox seqs contiguously and exactly once per session: first the backlog from the inbox projection up to the
 * fan-out's sync marker, then live deliveries; a live delivery ahead of a gap is preceded by the gap's fill from
 * the inbox, one already sent is dropped.
 */
public class DeviceConnection {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceConnection.class);
    private static final int BACKFILL_PAGE = 500;
    private static final long BACKFILL_RETRY_MS = 20;
    /** Close code of a connection replaced by a newer one of the same device, on this edge or another. */
    public static final short REPLACED = 4001;
    private static final org.parley.edge.metrics.EdgeMetrics METRICS = org.parley.edge.metrics.EdgeMetrics.get();

    /** What an unacknowledged message needs for its delivery receipt. */
    private record Unacked(String conversationId, long seq, String senderUserId) {
    }

    private final ServerWebSocket ws;
    private final Context context;
    private final EdgeConfig config;
    private final ActionLog log;
    private final EdgeReadModel readModel;
    private final PendingActions pending;
    private final FrameDecoder decoder;
    private final Function<byte[], DeviceDelivery> inboxDecoder;
    private final String userId;
    private final String deviceId;
    private final String sessionId = UUID.randomUUID().toString();
    private final Map<Long, Unacked> unacked = new TreeMap<>();
    private final ConversationActions actions;
    private final ConversationQueries queries;
    private final SearchQueries search;

    private long lastSent;
    private long lastAcked;
    private boolean synced;
    private boolean closed;
    private long syncTimer = -1;
    private Future<Void> chain = Future.succeededFuture();
    private SessionExtension extension = SessionExtension.NONE;
    private ConnectionLimits limits = ConnectionLimits.NONE;
    private OutboundFlow outbound;

    public DeviceConnection(ServerWebSocket ws, Context context, EdgeConfig config, ActionLog log,
                            EdgeReadModel readModel, PendingActions pending, FrameDecoder decoder,
                            Function<byte[], DeviceDelivery> inboxDecoder, String userId, String deviceId) {
        this(ws, context, config, log, readModel, pending, decoder, inboxDecoder, userId, deviceId,
                org.parley.edge.media.MediaStore.unavailable());
    }

    /** With the media bucket, where a group's iconKey must name an object the sender uploaded. */
    public DeviceConnection(ServerWebSocket ws, Context context, EdgeConfig config, ActionLog log,
                            EdgeReadModel readModel, PendingActions pending, FrameDecoder decoder,
                            Function<byte[], DeviceDelivery> inboxDecoder, String userId, String deviceId,
                            org.parley.edge.media.MediaStore media) {
        this.ws = ws;
        this.context = context;
        this.config = config;
        this.log = log;
        this.readModel = readModel;
        this.pending = pending;
        this.decoder = decoder;
        this.inboxDecoder = inboxDecoder;
        this.userId = userId;
        this.deviceId = deviceId;
        this.actions = new ConversationActions(context, config, log, readModel, pending, this::write, userId, deviceId,
                new org.parley.edge.media.IconKeys(media));
        this.queries = new ConversationQueries(readModel, log, this::write, userId, deviceId);
        this.search = new SearchQueries(readModel, this::write, userId);
        this.outbound = new OutboundFlow(context.owner(), ws, 0, 0, 0, 0); // unbounded and no pings, unless set
    }

    public String deviceId() {
        return deviceId;
    }

    public String sessionId() {
        return sessionId;
    }

    public String userId() {
        return userId;
    }

    public Context context() {
        return context;
    }

    /** True once the connection is closed or being closed (e.g. as a client that does not read). */
    public boolean closing() {
        return closed || outbound.closing();
    }

    /** Typing, presence: the features that see this session's other frames and its close. */
    public DeviceConnection extension(SessionExtension extension) {
        this.extension = extension;
        return this;
    }

    /** The device sets a send's envelopes are checked against (end-to-end encryption); none: envelopes refused. */
    public DeviceConnection envelopes(org.parley.edge.envelopes.DeviceSets deviceSets) {
        actions.deviceSets(deviceSets);
        return this;
    }

    /** Per-user and per-address frame limits of this connection. */
    public DeviceConnection limits(ConnectionLimits limits) {
        this.limits = limits;
        return this;
    }

    /** Bounds what waits unsent for this client (back-pressure) and pings it. */
    public DeviceConnection outbound(OutboundFlow outbound) {
        this.outbound = outbound;
        return this;
    }

    /** Sends a frame from any thread (signals arrive on Kafka threads). */
    public void push(String frame) {
        context.runOnContext(v -> write(frame));
    }

    /** Refuses a frame of an extension; the connection stays open. */
    public void refuse(ErrorCode code, String message, String ref) {
        error(code, message, ref);
    }

    /**
     * Starts the session after the device's last acknowledged inbox seq: announces it to the fan-out (which answers
     * with a sync marker), then takes frames.
     */
    public Future<Void> start(long fromInboxSeq, Runnable onClose) {
        lastSent = fromInboxSeq;
        lastAcked = fromInboxSeq;
        outbound.start();
        InboundMessages.read(ws, config.maxFrameBytes(), this::onText,
                () -> error(ErrorCode.BAD_FRAME, "binary frames are not supported; send JSON text", null),
                err -> LOG.debug("device {} socket error: {}", deviceId, err.toString()));
        ws.closeHandler(v -> {
            closed = true;
            outbound.closed();
            if (syncTimer >= 0) {
                context.owner().cancelTimer(syncTimer);
            }
            onClose.run();
            extension.onClose(this);
            log.announce(session(null)).onFailure(err -> LOG.warn("could not announce close of {}: {}", deviceId, err.toString()));
        });
        write(ServerFrames.ready(userId, deviceId, sessionId, fromInboxSeq));
        syncTimer = context.owner().setTimer(config.syncTimeoutMs(), t -> {
            if (!synced && !closed) {
                error(ErrorCode.SYNC_TIMEOUT, "the delivery pipeline did not confirm this session in time; reconnect", null);
                ws.close((short) 1013, "sync timeout");
            }
        });
        ws.resume();
        return log.announce(session(config.edgeId()));
    }

    private DeviceSession session(Integer edgeId) {
        return DeviceSession.newBuilder().setDeviceId(deviceId).setUserId(userId).setSessionId(sessionId)
                .setEdgeId(edgeId).setAt(Instant.now()).build();
    }

    public void close(short code, String reason) {
        context.runOnContext(v -> {
            if (!closed) {
                ws.close(code, reason);
            }
        });
    }

    // ---- deliveries (from the fan-out, via this edge's partition) ----

    /** Called from the delivery tail thread. */
    public void deliver(DeviceDelivery d) {
        if (d.getKind() == DeliveryKind.SESSION_REPLACED) {
            // A newer session of this device started (on another edge): this one gets no delivery any more.
            if (sessionId.equals(d.getSessionId())) {
                close(REPLACED, "replaced by a newer connection of this device");
            }
            return;
        }
        context.runOnContext(v -> chain = chain.compose(x -> process(d)).recover(err -> {
            LOG.warn("device {}: delivery {} failed: {}", deviceId, d.getInboxSeq(), err.toString());
            error(ErrorCode.UNAVAILABLE, "delivery interrupted; reconnect to resume", null);
            ws.close((short) 1011, "delivery interrupted");
            return Future.succeededFuture();
        }));
    }

    private Future<Void> process(DeviceDelivery d) {
        if (closed || !sessionId.equals(d.getSessionId())) {
            return Future.succeededFuture();
        }
        if (d.getKind() == DeliveryKind.SYNC_MARKER) {
            // The pipeline confirmed the session: the backlog may now take as long as the client needs to read it.
            context.owner().cancelTimer(syncTimer);
            long marker = d.getMarkerInboxSeq() == null ? 0 : d.getMarkerInboxSeq();
            return backfill(marker, System.currentTimeMillis() + config.syncTimeoutMs()).map(v -> {
                if (!synced) {
                    synced = true;
                    context.owner().cancelTimer(syncTimer);
                    write(ServerFrames.synced(lastSent));
                }
                return null;
            });
        }
        if (d.getInboxSeq() <= lastSent) {
            return Future.succeededFuture(); // already sent (redelivery after a fan-out restore)
        }
        Future<Void> gapFilled = d.getInboxSeq() > lastSent + 1
                ? backfill(d.getInboxSeq() - 1, System.currentTimeMillis() + config.syncTimeoutMs())
                : Future.succeededFuture();
        return gapFilled.map(v -> {
            if (d.getInboxSeq() == lastSent + 1) {
                send(d);
            }
            return null;
        });
    }

    /** Sends inbox entries lastSent+1 .. upTo from the projection, waiting (bounded) for it to catch up. */
    private Future<Void> backfill(long upTo, long deadline) {
        if (lastSent >= upTo || closed || outbound.closing()) {
            return Future.succeededFuture();
        }
        long before = lastSent;
        return readModel.inbox(deviceId, lastSent, upTo, BACKFILL_PAGE).compose(entries -> {
            for (DeviceInbox.Entry e : entries) {
                if (e.inboxSeq() != lastSent + 1) {
                    break; // a hole the projection has not filled yet
                }
                if (outbound.congested()) {
                    break; // the client has enough unread: the rest waits until it read some
                }
                send(inboxDecoder.apply(e.delivery()));
            }
            if (lastSent >= upTo) {
                return Future.succeededFuture();
            }
            if (outbound.congested()) {
                return outbound.drained().compose(v -> backfill(upTo, deadline));
            }
            if (lastSent > before) {
                return backfill(upTo, deadline);
            }
            if (System.currentTimeMillis() > deadline) {
                return Future.failedFuture("inbox of " + deviceId + " has no entry " + (lastSent + 1) + " yet");
            }
            Promise<Void> later = Promise.promise();
            context.owner().setTimer(BACKFILL_RETRY_MS, t -> backfill(upTo, deadline).onComplete(later));
            return later.future();
        });
    }

    private void send(DeviceDelivery d) {
        if (d.getKind() == DeliveryKind.EVENT && d.getEvent() != null) {
            ConversationEvent e = d.getEvent();
            write(ServerFrames.message(d.getInboxSeq(), e, deviceId)); // only this device's own envelope
            // Only messages carry delivery status; reactions, edits and group events do not.
            if (e.getType() == EventType.MESSAGE && !userId.equals(e.getSenderUserId())) {
                unacked.put(d.getInboxSeq(), new Unacked(e.getConversationId(), e.getSeq(), e.getSenderUserId()));
            }
        } else if (d.getKind() == DeliveryKind.RECEIPT && d.getReceipt() != null) {
            write(ServerFrames.receipt(d.getInboxSeq(), d.getReceipt()));
        }
        // Unknown kinds from a newer fan-out still advance the seq: the device must not see a gap.
        lastSent = d.getInboxSeq();
    }

    // ---- frames from the device ----

    private void onText(String text) {
        if (outbound.closing()) {
            return; // closed as too slow a reader: nothing more is done for it
        }
        String refused = limits.refuseText();
        if (refused != null) {
            METRICS.frameRefused();
            write(refused);
            return;
        }
        ClientFrame frame;
        try {
            frame = decoder.decode(text, userId);
        } catch (ProtocolException e) {
            METRICS.frameInvalid();
            error(e.code(), e.getMessage(), e.ref());
            return;
        }
        METRICS.frameIn(frame);
        refused = limits.refuse(frame);
        if (refused != null) {
            write(refused);
            return;
        }
        if (extension.onFrame(this, frame)) {
            return;
        }
        if (frame instanceof ClientFrame.Send s) {
            actions.send(s);
        } else if (frame instanceof ClientFrame.Act a) {
            actions.act(a);
        } else if (frame instanceof ClientFrame.Ack a) {
            onAck(a);
        } else if (frame instanceof ClientFrame.Read r) {
            actions.read(r);
        } else if (frame instanceof ClientFrame.History h) {
            queries.history(h);
        } else if (frame instanceof ClientFrame.Chats c) {
            queries.chats(c);
        } else if (frame instanceof ClientFrame.GroupQuery g) {
            queries.group(g);
        } else if (frame instanceof ClientFrame.MessageInfo m) {
            queries.messageInfo(m);
        } else if (frame instanceof ClientFrame.SettingsUpdate u) {
            queries.settings(u);
        } else if (frame instanceof ClientFrame.Search q) {
            search.search(q);
        } else if (frame instanceof ClientFrame.Ping) {
            write(ServerFrames.pong());
        }
    }

    private void onAck(ClientFrame.Ack a) {
        if (a.inboxSeq() > lastSent) {
            error(ErrorCode.INVALID_ACK, "inboxSeq " + a.inboxSeq() + " was not delivered yet (last sent "
                    + lastSent + ")", null);
            return;
        }
        if (a.inboxSeq() <= lastAcked) {
            return;
        }
        for (Iterator<Map.Entry<Long, Unacked>> it = unacked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Unacked> e = it.next();
            if (e.getKey() > a.inboxSeq()) {
                break;
            }
            it.remove();
            Unacked u = e.getValue();
            actions.delivered(u.conversationId(), u.seq(), u.senderUserId());
        }
        lastAcked = a.inboxSeq();
        readModel.saveCursor(deviceId, lastAcked)
                .onFailure(err -> LOG.warn("cursor of {} not saved: {}", deviceId, err.toString()));
    }

    private void error(ErrorCode code, String message, String ref) {
        write(ServerFrames.error(code, message, ref));
    }

    private void write(String frame) {
        if (!closed) {
            METRICS.frameOut(frame);
            outbound.write(frame);
        }
    }
}
