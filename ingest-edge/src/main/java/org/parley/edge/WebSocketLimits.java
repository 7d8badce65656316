package org.parley.edge;

import org.parley.config.Settings;
import org.parley.edge.config.EdgeConfig;

/**
 * How the edge's WebSocket transport is bounded beyond the protocol's message limit ({@code edge.max-frame-bytes},
 * enforced by {@link org.parley.edge.session.InboundMessages}):
 * <ul>
 *   <li>{@code maxReadBytes} ({@code edge.max-frame-read-bytes}): the largest single frame the WebSocket decoder reads
 *   whole. A frame between the message limit and this is read, then refused with close 1009 after a clean
 *   handshake; a larger one is refused at its header, before its payload is buffered (the client may then see the
 *   connection cut rather than the 1009).</li>
 *   <li>{@code compression} ({@code edge.websocket-compression}): permessage-deflate. Off: the decoder inflates a
 *   compressed frame completely before any limit applies to the inflated size, so a 256 KiB frame could make the
 *   edge allocate 256 MiB.</li>
 * </ul>
 */
public record WebSocketLimits(int maxReadBytes, boolean compression) {
    /** Room for what the server adds to a client's action on its way to the deliveries (ids, times, group info). */
    static final int SERVER_FIELDS_BYTES = 16 * 1024;
    /** A user id in a list on an event: 64 characters plus Avro's length. */
    static final int LISTED_USER_ID_BYTES = 66;

    public WebSocketLimits {
        if (maxReadBytes <= 0) {
            throw new IllegalArgumentException("edge.max-frame-read-bytes must be positive");
        }
    }

    /** The defaults for an edge whose messages are at most {@code config.maxFrameBytes()}. */
    public static WebSocketLimits defaults(EdgeConfig config) {
        return new WebSocketLimits(Math.max(config.maxFrameBytes(), 1 << 20), false);
    }

    /**
     * From settings, after checking that the limits fit together: a largest payload fits in a message, a message is
     * read whole, and the largest event a message can become (the message, the group's member and admin lists the
     * server adds, its own fields) fits in every topic ({@code kafka.max-message-bytes}). An edge whose limits
     * could produce a record Kafka refuses does not start: such a record would fail only later, per message.
     */
    public static WebSocketLimits from(Settings s, EdgeConfig config) {
        WebSocketLimits limits = new WebSocketLimits(s.getInt("edge.max-frame-read-bytes"),
                s.getBoolean("edge.websocket-compression"));
        check(config, limits, s.getInt("conversations.max-group-members"), s.getInt("kafka.max-message-bytes"));
        return limits;
    }

    static void check(EdgeConfig config, WebSocketLimits limits, int maxGroupMembers, int kafkaMaxMessageBytes) {
        long payloadInFrame = 4L * ((config.maxPayloadBytes() + 2) / 3) + 8 * 1024;
        if (payloadInFrame > config.maxFrameBytes()) {
            throw new IllegalArgumentException("edge.max-frame-bytes (" + config.maxFrameBytes() + ") must hold a frame"
                    + " with the largest payload (edge.max-payload-bytes " + config.maxPayloadBytes() + " is "
                    + payloadInFrame + " bytes in base64 with the frame's other fields)");
        }
        if (limits.maxReadBytes() < config.maxFrameBytes()) {
            throw new IllegalArgumentException("edge.max-frame-read-bytes (" + limits.maxReadBytes()
                    + ") must be at least edge.max-frame-bytes (" + config.maxFrameBytes() + ")");
        }
        long largestEvent = largestEvent(config.maxFrameBytes(), maxGroupMembers);
        if (largestEvent > kafkaMaxMessageBytes) {
            throw new IllegalArgumentException("edge.max-frame-bytes (" + config.maxFrameBytes() + ") with "
                    + maxGroupMembers + " group members can make an event of " + largestEvent + " bytes, more than"
                    + " kafka.max-message-bytes (" + kafkaMaxMessageBytes + "): lower one or raise the topics' limit");
        }
    }

    /**
     * The largest record a message of {@code maxFrameBytes} can become: an action is never larger than its frame
     * (Avro is at most as long as the JSON it came from: no quotes, no key names, binary instead of base64) plus the
     * server's fields; its event and delivery add the member and admin lists.
     */
    static long largestEvent(int maxFrameBytes, int maxGroupMembers) {
        return (long) maxFrameBytes + 2L * maxGroupMembers * LISTED_USER_ID_BYTES + SERVER_FIELDS_BYTES;
    }
}
