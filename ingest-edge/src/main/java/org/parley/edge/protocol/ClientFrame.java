package org.parley.edge.protocol;

/** A validated frame from a client. */
public sealed interface ClientFrame {
    /** Send a message: to a user (one-to-one) or into a conversation. */
    record Send(String clientMessageId, String conversationId, byte[] payload, String mediaType) implements ClientFrame {
    }

    /** Cumulative acknowledgement: every delivery up to this inbox seq was received. */
    record Ack(long inboxSeq) implements ClientFrame {
    }

    /** A page of a conversation's history, newest first, seq < beforeSeq. */
    record History(String requestId, String conversationId, long beforeSeq, int limit) implements ClientFrame {
    }

    /** Read receipt: the device's user read the conversation up to this seq. */
    record Read(String conversationId, long seq) implements ClientFrame {
    }

    record Ping() implements ClientFrame {
    }

    /** Typing started or stopped in a conversation (edge/typing). */
    record Typing(String conversationId, boolean start) implements ClientFrame {
    }

    /** Follow (a chat opened) or stop following (closed) a user's presence (edge/presence). */
    record PresenceSubscription(String userId, boolean subscribe) implements ClientFrame {
    }
}
