package org.parley.edge.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import org.parley.events.ConversationEvent;
import org.parley.events.Receipt;

/** The frames the edge sends, as JSON text. */
public final class ServerFrames {
    public static final int PROTOCOL_VERSION = 1;

    private ServerFrames() {
    }

    public static String ready(String userId, String deviceId, String sessionId, long fromInboxSeq) {
        return new JsonObject().put("type", "ready").put("protocol", PROTOCOL_VERSION).put("userId", userId)
                .put("deviceId", deviceId).put("sessionId", sessionId).put("fromInboxSeq", fromInboxSeq).encode();
    }

    public static String synced(long inboxSeq) {
        return new JsonObject().put("type", "synced").put("inboxSeq", inboxSeq).encode();
    }

    public static String sent(String clientMessageId, String conversationId, long seq, boolean duplicate) {
        return new JsonObject().put("type", "sent").put("clientMessageId", clientMessageId)
                .put("conversationId", conversationId).put("seq", seq).put("duplicate", duplicate).encode();
    }

    public static String message(long inboxSeq, ConversationEvent e) {
        return event(e).put("type", "message").put("inboxSeq", inboxSeq).encode();
    }

    public static String receipt(long inboxSeq, Receipt r) {
        return new JsonObject().put("type", "receipt").put("inboxSeq", inboxSeq)
                .put("status", r.getStatus().name().toLowerCase(java.util.Locale.ROOT))
                .put("conversationId", r.getConversationId()).put("seq", r.getSeq())
                .put("byUserId", r.getByUserId()).put("byDeviceId", r.getByDeviceId())
                .put("at", r.getAt().toEpochMilli()).encode();
    }

    public static String history(String requestId, String conversationId, List<ConversationEvent> events, boolean hasMore) {
        JsonArray items = new JsonArray();
        events.forEach(e -> items.add(event(e)));
        return new JsonObject().put("type", "history").put("requestId", requestId).put("conversationId", conversationId)
                .put("events", items).put("hasMore", hasMore).encode();
    }

    public static String pong() {
        return new JsonObject().put("type", "pong").encode();
    }

    public static String error(ErrorCode code, String message, String ref) {
        JsonObject o = new JsonObject().put("type", "error").put("code", code.name()).put("message", message);
        if (ref != null) {
            o.put("ref", ref);
        }
        return o.encode();
    }

    private static JsonObject event(ConversationEvent e) {
        ByteBuffer payload = e.getPayload().duplicate();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        JsonObject o = new JsonObject().put("conversationId", e.getConversationId()).put("seq", e.getSeq())
                .put("eventId", e.getEventId()).put("kind", e.getType().name().toLowerCase(java.util.Locale.ROOT))
                .put("senderUserId", e.getSenderUserId()).put("senderDeviceId", e.getSenderDeviceId())
                .put("clientMessageId", e.getClientMessageId()).put("sentAt", e.getSentAt().toEpochMilli())
                .put("payload", Base64.getEncoder().encodeToString(bytes));
        if (e.getMediaType() != null) {
            o.put("mediaType", e.getMediaType());
        }
        return o;
    }
}
