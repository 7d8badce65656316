package org.parley.edge.limits;

import io.vertx.core.json.JsonObject;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ServerFrames;

/**
 * One connection's view of the {@link FrameLimits}: its user and client address. A refused frame gets a
 * {@code RATE_LIMITED} error naming the limit and its setting, with {@code retryAfterMs}; nothing of it is done and
 * the connection stays open.
 */
public final class ConnectionLimits {
    /** No limits (tests that do not need them). */
    public static final ConnectionLimits NONE = new ConnectionLimits(null, null, null);

    private final FrameLimits limits;
    private final String userId;
    private final String address;

    ConnectionLimits(FrameLimits limits, String userId, String address) {
        this.limits = limits;
        this.userId = userId;
        this.address = address;
    }

    /** Before decoding a text frame: null if it may be read, else the error frame to send. */
    public String refuseText() {
        return refusal(FrameKind.FRAMES, null);
    }

    /** After decoding: null if the frame may be handled, else the error frame to send. */
    public String refuse(ClientFrame frame) {
        FrameKind kind = FrameKind.of(frame);
        return kind == null ? null : refusal(kind, FrameKind.ref(frame));
    }

    private String refusal(FrameKind kind, String ref) {
        if (limits == null) {
            return null;
        }
        FrameLimits.Refusal r = limits.admit(kind, userId, address);
        if (r == null) {
            return null;
        }
        String who = r.scope().equals("user") ? "this user (all its devices on this edge)" : "your address";
        String what = kind == FrameKind.FRAMES ? "frames" : kind.key() + " frames";
        String retry = kind == FrameKind.ACTIONS ? "; retry later with the same clientMessageId" : "; retry later";
        return new JsonObject(ServerFrames.error(ErrorCode.RATE_LIMITED, "more than " + r.rate().describe() + " "
                + what + " from " + who + " (" + r.setting() + ")" + retry, ref))
                .put("retryAfterMs", r.retryAfterMs()).encode();
    }
}
