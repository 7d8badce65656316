package org.parley.edge.limits;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one WebSocket holds for its client, bounded. Past {@code edge.ws-write-queue-bytes} unsent the connection is
 * congested: the edge stops reading the client's frames (a client that does not read cannot make the edge produce
 * more answers) and its backlog waits ({@link #drained()}). Still congested after
 * {@code edge.ws-slow-reader-timeout-ms}, or past {@code edge.ws-max-unsent-bytes} at any time, the connection is
 * closed with {@link #TOO_SLOW}. Nothing is lost: a device's cursor moves only with its acks, so a reconnect gets every
 * unacknowledged delivery again from the inbox. Also pings the client every {@code edge.ws-ping-interval-ms}, so an
 * idle but live client is never taken for a dead one by the idle timeout. Used on the connection's context only.
 */
public final class OutboundFlow {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundFlow.class);
    /** Close code of a client that did not read what the edge sent it. */
    public static final short TOO_SLOW = 4008;

    private final Vertx vertx;
    private final ServerWebSocket ws;
    private final int writeQueueBytes;
    private final long maxUnsentBytes;
    private final long slowReaderTimeoutMs;
    private final long pingIntervalMs;
    private final List<Promise<Void>> waiting = new ArrayList<>();
    private long unsent;
    private boolean congested;
    private volatile boolean closing;
    private long slowTimer = -1;
    private long pingTimer = -1;
    private Runnable onClosed = () -> { };

    public OutboundFlow(Vertx vertx, ServerWebSocket ws, int writeQueueBytes, long maxUnsentBytes,
                        long slowReaderTimeoutMs, long pingIntervalMs) {
        this.vertx = vertx;
        this.ws = ws;
        this.writeQueueBytes = writeQueueBytes;
        this.maxUnsentBytes = maxUnsentBytes;
        this.slowReaderTimeoutMs = slowReaderTimeoutMs;
        this.pingIntervalMs = pingIntervalMs;
    }

    public static OutboundFlow of(Vertx vertx, ServerWebSocket ws, EdgeLimits limits) {
        return new OutboundFlow(vertx, ws, limits.writeQueueBytes(), limits.maxUnsentBytes(),
                limits.slowReaderTimeoutMs(), limits.pingIntervalMs());
    }

    /** Runs once the socket closed. */
    public OutboundFlow onClosed(Runnable action) {
        this.onClosed = action;
        return this;
    }

    /** Before the first write. */
    public OutboundFlow start() {
        if (writeQueueBytes > 0) {
            ws.setWriteQueueMaxSize(writeQueueBytes);
            ws.drainHandler(v -> drained(true));
        }
        if (pingIntervalMs > 0) {
            pingTimer = vertx.setPeriodic(pingIntervalMs, t -> {
                if (!closing && !congested) {
                    ws.writePing(Buffer.buffer());
                }
            });
        }
        return this;
    }

    /**
     * Writes a text frame, unless the connection is being closed as too slow or has closed: a delivery can arrive
     * after the client went away and before the connection's close handler ran (the socket would throw from
     * {@code writeQueueFull}). What is dropped stays unacknowledged and comes again from the inbox.
     */
    public void write(String frame) {
        if (closing || ws.isClosed()) {
            return;
        }
        long bytes = frame.length(); // JSON is mostly ASCII: characters are close enough to bytes
        unsent += bytes;
        ws.writeTextMessage(frame).onComplete(ar -> unsent -= bytes);
        if (maxUnsentBytes > 0 && unsent > maxUnsentBytes) {
            tooSlow(unsent + " bytes unsent (edge.ws-max-unsent-bytes " + maxUnsentBytes + ")");
            return;
        }
        if (writeQueueBytes > 0 && !congested && ws.writeQueueFull()) {
            congested = true;
            ws.pause();
            if (slowReaderTimeoutMs > 0) {
                slowTimer = vertx.setTimer(slowReaderTimeoutMs, t -> {
                    slowTimer = -1;
                    if (congested) {
                        tooSlow("unsent data not read for " + slowReaderTimeoutMs + " ms (edge.ws-slow-reader-timeout-ms)");
                    }
                });
            }
        }
    }

    /** True while more than edge.ws-write-queue-bytes wait for the client: produce nothing optional. */
    public boolean congested() {
        return congested;
    }

    /** Completes once the client read enough (or the connection closed): where a backlog waits. */
    public Future<Void> drained() {
        if (!congested || closing) {
            return Future.succeededFuture();
        }
        Promise<Void> p = Promise.promise();
        waiting.add(p);
        return p.future();
    }

    private void drained(boolean resume) {
        boolean wasCongested = congested;
        congested = false;
        if (slowTimer >= 0) {
            vertx.cancelTimer(slowTimer);
            slowTimer = -1;
        }
        if (resume && wasCongested) {
            ws.resume();
        }
        List<Promise<Void>> ready = new ArrayList<>(waiting);
        waiting.clear();
        ready.forEach(Promise::tryComplete);
    }

    private void tooSlow(String why) {
        closing = true;
        LOG.info("closing a WebSocket that does not read: {}", why);
        ws.close(TOO_SLOW, "too slow: unread data; reconnect, nothing is lost");
        // Read again, so the client's close frame is seen (its other frames are ignored now). A client that never
        // reads again never gets the close frame, which waits behind what it did not read: the idle timeout
        // (nothing could be written for edge.idle-timeout-ms) drops that connection.
        drained(true);
    }

    /** True once the connection is being closed as too slow. */
    public boolean closing() {
        return closing;
    }

    /** The socket closed: stop the timers, release whatever waits. */
    public void closed() {
        closing = true;
        if (pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
            pingTimer = -1;
        }
        drained(false);
        onClosed.run();
    }
}
