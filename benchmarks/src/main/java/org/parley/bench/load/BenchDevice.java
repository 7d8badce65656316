package org.parley.bench.load;

import io.vertx.core.http.WebSocket;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated device: its credentials, its current WebSocket (shared Vert.x, no per-device client), what it has
 * shown (inbox seq) and the sends it has not yet seen "sent" for (re-sent with the same clientMessageId after a
 * reconnect, as a real client does).
 */
public final class BenchDevice {
    /** Registration result, as cached between runs. */
    public record Credentials(String userId, String deviceId, String token) {
    }

    final int index;
    final int user;
    final Credentials credentials;
    final InboxTracker inbox = new InboxTracker();
    /** message index -> the send frame, until its "sent" arrives. */
    final ConcurrentHashMap<Integer, String> unconfirmed = new ConcurrentHashMap<>();
    final AtomicLong connects = new AtomicLong();
    volatile WebSocket ws;
    /** Connected and synced: may send. */
    volatile boolean live;
    /** Closed on purpose (reconnect storm or end of run): the close handler must not count it as a failure. */
    volatile boolean closingOnPurpose;
    volatile long closedAtNanos;
    /** Kept offline by its scenario (presence, push): a close does not reconnect it. */
    volatile boolean heldOffline;
    /** Added to the device's edge choice among several (DevicePool#edges): a failed reconnect tries the next. */
    volatile int edgeShift;
    long ackTimer = -1;
    long pendingAck;

    BenchDevice(int index, int user, Credentials credentials) {
        this.index = index;
        this.user = user;
        this.credentials = credentials;
    }

    public int index() {
        return index;
    }

    public String userId() {
        return credentials.userId();
    }

    public boolean live() {
        return live;
    }

    /** Writes a text frame if the device is connected; false if not. Safe from any thread. */
    boolean write(String frame) {
        WebSocket w = ws;
        if (w == null || w.isClosed()) {
            return false;
        }
        w.writeTextMessage(frame);
        return true;
    }
}
