package org.parley.edge.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.parley.schemas.Conversations;

/**
 * Parses and validates client frames (JSON text). Every refusal names the problem precisely; unknown fields are
 * ignored so newer clients can talk to older edges.
 */
public class FrameDecoder {
    private final int maxPayloadBytes;
    private final int historyPageMax;

    public FrameDecoder(int maxPayloadBytes, int historyPageMax) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.historyPageMax = historyPageMax;
    }

    /** Decodes one frame sent by {@code userId}. */
    public ClientFrame decode(String text, String userId) {
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "frame is not a JSON object", null);
        }
        Object type = json.getValue("type");
        if (type == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'type'", null);
        }
        return switch (String.valueOf(type)) {
            case "send" -> send(json, userId);
            case "ack" -> new ClientFrame.Ack(longField(json, "ack", "inboxSeq", null, true));
            case "history" -> history(json, userId);
            case "read" -> new ClientFrame.Read(string(json, "conversationId", null, true),
                    longField(json, "read", "seq", null, true));
            case "ping" -> new ClientFrame.Ping();
            case "typing" -> new ClientFrame.Typing(string(json, "conversationId", null, true),
                    oneOf(json, "state", "start", "stop"));
            case "presence" -> presence(json);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + type
                    + "' (known: send, ack, read, history, ping, typing, presence)", null);
        };
    }

    private ClientFrame.Send send(JsonObject json, String userId) {
        String clientMessageId = string(json, "clientMessageId", null, true);
        if (clientMessageId.length() > 128) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "clientMessageId longer than 128 characters", null);
        }
        String to = string(json, "to", clientMessageId, false);
        String conversationId = string(json, "conversationId", clientMessageId, false);
        if (to == null && conversationId == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "send needs 'to' (a user id) or 'conversationId'",
                    clientMessageId);
        }
        if (to != null) {
            if (!Conversations.USER_ID.matcher(to).matches()) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "'to' is not a valid user id", clientMessageId);
            }
            conversationId = Conversations.direct(userId, to);
        }
        String encoded = string(json, "payload", clientMessageId, true);
        // Base64 inflates by 4/3: refuse before decoding anything far too large.
        if ((long) encoded.length() * 3 / 4 > maxPayloadBytes + 3L) {
            throw tooLarge(clientMessageId);
        }
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'payload' is not base64", clientMessageId);
        }
        if (payload.length > maxPayloadBytes) {
            throw tooLarge(clientMessageId);
        }
        String mediaType = string(json, "mediaType", clientMessageId, false);
        return new ClientFrame.Send(clientMessageId, conversationId, payload, mediaType);
    }

    private ProtocolException tooLarge(String ref) {
        return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "payload larger than " + maxPayloadBytes + " bytes", ref);
    }

    private ClientFrame.History history(JsonObject json, String userId) {
        String requestId = string(json, "requestId", null, true);
        String conversationId = string(json, "conversationId", requestId, true);
        Long before = longField(json, "history", "beforeSeq", requestId, false);
        Long limit = longField(json, "history", "limit", requestId, false);
        int pageSize = limit == null ? 50 : (int) Math.min(Math.max(limit, 1), historyPageMax);
        return new ClientFrame.History(requestId, conversationId, before == null ? Long.MAX_VALUE : before, pageSize);
    }

    private static ClientFrame.PresenceSubscription presence(JsonObject json) {
        boolean subscribe = oneOf(json, "op", "subscribe", "unsubscribe");
        String user = string(json, "userId", null, true);
        if (!Conversations.USER_ID.matcher(user).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'userId' is not a valid user id", null);
        }
        return new ClientFrame.PresenceSubscription(user, subscribe);
    }

    /** A required field that is either {@code yes} (true) or {@code no} (false). */
    private static boolean oneOf(JsonObject json, String field, String yes, String no) {
        String v = string(json, field, null, true);
        if (!v.equals(yes) && !v.equals(no)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be '" + yes + "' or '" + no
                    + "'", null);
        }
        return v.equals(yes);
    }

    private static String string(JsonObject json, String field, String ref, boolean required) {
        Object v = json.getValue(field);
        if (v == null) {
            if (required) {
                throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field '" + field + "'", ref);
            }
            return null;
        }
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be a non-empty string", ref);
        }
        return s;
    }

    private static Long longField(JsonObject json, String frame, String field, String ref, boolean required) {
        Object v = json.getValue(field);
        if (v == null) {
            if (required) {
                throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field '" + field + "' in " + frame, ref);
            }
            return null;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be a non-negative integer", ref);
        }
        return n.longValue();
    }
}
