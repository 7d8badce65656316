package org.parley.edge.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.parley.events.ActionType;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.GroupInfoChange;
import org.parley.events.Visibility;
import org.parley.schemas.Conversations;

/**
 * Parses and validates client frames (JSON text). Every refusal names the problem precisely; unknown fields are
 * ignored so newer clients can talk to older edges.
 */
public class FrameDecoder {
    private final int maxPayloadBytes;
    private final int historyPageMax;

    private final int maxGroupMembers;
    private final int maxEnvelopes;
    private final int maxEnvelopeBytes;

    public FrameDecoder(int maxPayloadBytes, int historyPageMax) {
        this(maxPayloadBytes, historyPageMax, 1024);
    }

    public FrameDecoder(int maxPayloadBytes, int historyPageMax, int maxGroupMembers) {
        this(maxPayloadBytes, historyPageMax, maxGroupMembers, 10, maxPayloadBytes + 4096);
    }

    /** {@code maxEnvelopes} and {@code maxEnvelopeBytes}: the bounds of a send's per-device envelopes. */
    public FrameDecoder(int maxPayloadBytes, int historyPageMax, int maxGroupMembers, int maxEnvelopes,
                        int maxEnvelopeBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.historyPageMax = historyPageMax;
        this.maxGroupMembers = maxGroupMembers;
        this.maxEnvelopes = maxEnvelopes;
        this.maxEnvelopeBytes = maxEnvelopeBytes;
    }

    /** Decodes one frame sent by {@code userId}. */
    public ClientFrame decode(String text, String userId) {
        JsonObject json = FrameJson.parse(text);
        Object type = json.getValue("type");
        if (type == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'type'", null);
        }
        if (!(type instanceof String)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'type' must be a string", null);
        }
        return switch ((String) type) {
            case "send" -> send(json, userId);
            case "ack" -> new ClientFrame.Ack(longField(json, "ack", "inboxSeq", null, true));
            case "history" -> history(json, userId);
            case "read" -> new ClientFrame.Read(conversation(json, "conversationId", null),
                    longField(json, "read", "seq", null, true));
            case "ping" -> new ClientFrame.Ping();
            case "react" -> act(json, ActionType.REACT, f -> f.targetSeq().sealedOr(ActFields::reaction));
            case "edit" -> act(json, ActionType.EDIT_MESSAGE, f -> f.targetSeq().sealedOr(g -> g.payload(true)));
            case "delete" -> delete(json);
            case "createGroup" -> createGroup(json, userId);
            case "updateGroup" -> act(json, ActionType.UPDATE_GROUP_INFO, f -> f.groupInfo(false));
            case "addMembers" -> act(json, ActionType.ADD_MEMBERS, f -> f.userIds("userIds"));
            case "removeMember" -> act(json, ActionType.REMOVE_MEMBER, f -> f.userIds("userId"));
            case "promoteAdmin" -> act(json, ActionType.PROMOTE_ADMIN, f -> f.userIds("userId"));
            case "demoteAdmin" -> act(json, ActionType.DEMOTE_ADMIN, f -> f.userIds("userId"));
            case "leaveGroup" -> act(json, ActionType.LEAVE_GROUP, f -> { });
            case "mute" -> act(json, ActionType.SET_MUTE, ActFields::muteUntil);
            case "chats" -> new ClientFrame.Chats(requestId(json, true));
            case "group" -> new ClientFrame.GroupQuery(requestId(json, true),
                    conversation(json, "conversationId", null));
            case "messageInfo" -> messageInfo(json);
            case "settings" -> settings(json);
            case "typing" -> new ClientFrame.Typing(conversation(json, "conversationId", null),
                    oneOf(json, "state", "start", "stop"));
            case "presence" -> presence(json);
            case "search" -> SearchFrames.decode(json, historyPageMax);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame type"
                    + (((String) type).length() <= 32 ? " '" + type + "'" : "") + " (known: "
                    + String.join(", ", KNOWN_TYPES) + ")", null);
        };
    }

    static final List<String> KNOWN_TYPES = List.of("send", "ack", "read", "history", "ping", "react", "edit", "delete",
            "createGroup", "updateGroup", "addMembers", "removeMember", "promoteAdmin", "demoteAdmin", "leaveGroup",
            "mute", "chats", "group", "settings", "typing", "presence", "search");

    /** Collects the optional parts of an {@link ClientFrame.Act} while validating them against one frame. */
    private final class ActFields {
        final JsonObject json;
        final String ref;
        Long targetSeq;
        String reaction;
        byte[] payload;
        List<String> userIds;
        GroupInfoChange groupInfo;
        Long muteUntil;
        List<DeviceEnvelope> envelopes;

        ActFields(JsonObject json, String ref) {
            this.json = json;
            this.ref = ref;
        }

        ActFields targetSeq() {
            targetSeq = longField(json, "frame", "targetSeq", ref, true);
            return this;
        }

        ActFields reaction() {
            Object v = json.getValue("reaction");
            if (!(v instanceof String r) || !FieldBounds.isText(r, FieldBounds.MAX_REACTION, false)) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "'reaction' must be an emoji string of at most "
                        + FieldBounds.MAX_REACTION + " characters (\"\" removes yours)", ref);
            }
            reaction = r;
            return this;
        }

        ActFields payload(boolean required) {
            payload = FrameDecoder.this.payload(json, ref, required);
            return this;
        }

        /**
         * An edit's or a reaction's content end-to-end encrypted (docs/e2e.md): one-to-one, {@code envelopes} (one per
         * device, as a send's) instead of {@code payload}/{@code reaction}; in a group, a reaction may carry its Sender
         * Key ciphertext in {@code payload} instead of {@code reaction} (a group edit's payload is one already).
         * Otherwise the plain field, as {@code plain} reads it.
         */
        void sealedOr(java.util.function.Consumer<ActFields> plain) {
            boolean hasEnvelopes = json.getValue("envelopes") != null;
            boolean group = Conversations.isGroup(conversation(json, "conversationId", ref));
            if (hasEnvelopes) {
                if (group) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "in a group, 'envelopes' carry only a send's"
                            + " key distribution: encrypt an edit or a reaction under your sender key into 'payload'", ref);
                }
                if (json.getValue("payload") != null || json.getValue("reaction") != null) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "an encrypted edit or reaction carries"
                            + " 'envelopes' only, not 'payload' or 'reaction' beside them", ref);
                }
                envelopes = envelopes(json.getValue("envelopes"), ref);
                return;
            }
            if (group && json.getValue("reaction") == null && json.getValue("payload") != null) {
                payload(true); // a group reaction encrypted under the sender's key
                return;
            }
            plain.accept(this);
        }

        void userIds(String field) {
            if (field.equals("userId")) {
                userIds = List.of(userId(json, field, ref));
                return;
            }
            Object v = json.getValue(field);
            if (!(v instanceof JsonArray a) || a.isEmpty() || a.size() > maxGroupMembers) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be a list of 1.."
                        + maxGroupMembers + " user ids", ref);
            }
            List<String> out = new ArrayList<>();
            for (Object u : a) {
                if (!(u instanceof String s) || !Conversations.USER_ID.matcher(s).matches()) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' holds an invalid user id", ref);
                }
                out.add(s);
            }
            userIds = out;
        }

        void groupInfo(boolean creating) {
            GroupInfoChange.Builder g = GroupInfoChange.newBuilder()
                    .setName(text(json, "name", ref, creating, FieldBounds.MAX_GROUP_NAME))
                    .setDescription(boundedText(optionalText(json, "description", ref), "description",
                            FieldBounds.MAX_GROUP_DESCRIPTION, ref))
                    .setIconKey(string(json, "iconKey", ref, false))
                    .setOnlyAdminsEditInfo(bool(json, "onlyAdminsEditInfo", ref))
                    .setHistorySharing(bool(json, "historySharing", ref));
            groupInfo = g.build();
        }

        void muteUntil() {
            Object v = json.getValue("until");
            if ("forever".equals(v)) {
                muteUntil = Long.MAX_VALUE;
            } else {
                muteUntil = longField(json, "mute", "until", ref, true);
            }
        }
    }

    private ClientFrame.Act act(JsonObject json, ActionType type, java.util.function.Consumer<ActFields> fields) {
        String clientMessageId = clientMessageId(json);
        String conversationId = conversation(json, "conversationId", clientMessageId);
        ActFields f = new ActFields(json, clientMessageId);
        fields.accept(f);
        return new ClientFrame.Act(type, clientMessageId, conversationId, f.targetSeq, f.reaction, f.payload, f.userIds,
                f.groupInfo, f.muteUntil, f.envelopes);
    }

    private ClientFrame.Act delete(JsonObject json) {
        String clientMessageId = clientMessageId(json);
        Object scope = json.getValue("scope");
        ActionType type;
        if ("me".equals(scope)) {
            type = ActionType.DELETE_FOR_ME;
        } else if ("everyone".equals(scope)) {
            type = ActionType.DELETE_FOR_EVERYONE;
        } else {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'scope' must be \"me\" or \"everyone\"", clientMessageId);
        }
        return act(json, type, ActFields::targetSeq);
    }

    /**
     * A new group. Its id is the client's {@code groupId} if given, else derived from (user, client message id), so a
     * retried create names the same group and is recognised as a retry.
     */
    private ClientFrame.Act createGroup(JsonObject json, String userId) {
        String clientMessageId = clientMessageId(json);
        String groupId = string(json, "groupId", clientMessageId, false);
        if (groupId != null && !Conversations.isGroup(groupId)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'groupId' must be 'g:' and 8..64 of [A-Za-z0-9_-]",
                    clientMessageId);
        }
        String id = groupId != null ? groupId : "g:" + java.util.UUID.nameUUIDFromBytes(
                (userId + '\u0000' + clientMessageId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ActFields f = new ActFields(json, clientMessageId);
        f.groupInfo(true);
        if (json.getValue("members") != null) {
            f.userIds("members");
        }
        return new ClientFrame.Act(ActionType.CREATE_GROUP, clientMessageId, id, null, null, null,
                f.userIds == null ? List.of() : f.userIds, f.groupInfo, null);
    }

    private ClientFrame.SettingsUpdate settings(JsonObject json) {
        String requestId = requestId(json, false);
        Object contacts = json.getValue("contacts");
        List<String> contactIds = null;
        if (contacts != null) {
            ActFields f = new ActFields(json, requestId);
            f.userIds("contacts");
            contactIds = f.userIds;
        }
        String sound = json.getValue("pushSound") == null ? null
                : text(json, "pushSound", requestId, false, FieldBounds.MAX_PUSH_SOUND);
        java.util.Map<String, List<String>> autoDownload = null;
        if (json.getValue("mediaAutoDownload") != null) {
            try {
                // Checked here, merged over the stored setting when applied: the network kinds given replace theirs.
                autoDownload = AutoDownloadSettings.merge(null, json.getValue("mediaAutoDownload"));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, e.getMessage(), requestId);
            }
        }
        return new ClientFrame.SettingsUpdate(requestId, bool(json, "readReceipts", requestId),
                visibility(json, "lastSeen", requestId), visibility(json, "online", requestId), sound, contactIds,
                autoDownload);
    }

    private String clientMessageId(JsonObject json) {
        String clientMessageId = string(json, "clientMessageId", null, true);
        if (!FieldBounds.isClientId(clientMessageId)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'clientMessageId' must be 1.." + FieldBounds.MAX_CLIENT_ID
                    + " visible ASCII characters", null);
        }
        return clientMessageId;
    }

    private static String requestId(JsonObject json, boolean required) {
        String requestId = string(json, "requestId", null, required);
        if (requestId != null && !FieldBounds.isClientId(requestId)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'requestId' must be 1.." + FieldBounds.MAX_CLIENT_ID
                    + " visible ASCII characters", null);
        }
        return requestId;
    }

    /** A string field people read: bounded, no control characters (docs/security.md). */
    private static String text(JsonObject json, String field, String ref, boolean required, int max) {
        return boundedText(string(json, field, ref, required), field, max, ref);
    }

    private static String boundedText(String value, String field, int max, String ref) {
        boolean multiline = field.equals("description");
        if (value != null && !FieldBounds.isText(value, max, multiline)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must have at most " + max
                    + " characters and no control characters" + (multiline ? " other than line breaks and tabs" : ""),
                    ref);
        }
        return value;
    }

    private static String conversation(JsonObject json, String field, String ref) {
        String id = string(json, field, ref, true);
        if (id.length() > FieldBounds.MAX_CONVERSATION_ID || !Conversations.isValid(id)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' is not a conversation id"
                    + " (dm:<user>:<user> sorted, or g:<id>)", ref);
        }
        return id;
    }

    private static String userId(JsonObject json, String field, String ref) {
        String u = string(json, field, ref, true);
        if (!Conversations.USER_ID.matcher(u).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' is not a valid user id", ref);
        }
        return u;
    }

    private static Boolean bool(JsonObject json, String field, String ref) {
        Object v = json.getValue(field);
        if (v != null && !(v instanceof Boolean)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be true or false", ref);
        }
        return (Boolean) v;
    }

    private static String optionalText(JsonObject json, String field, String ref) {
        Object v = json.getValue(field);
        if (v != null && !(v instanceof String)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be a string", ref);
        }
        return (String) v;
    }

    private static Visibility visibility(JsonObject json, String field, String ref) {
        Object v = json.getValue(field);
        if (v == null) {
            return null;
        }
        try {
            return Visibility.valueOf(String.valueOf(v).toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be everyone, contacts or nobody", ref);
        }
    }

    private byte[] payload(JsonObject json, String ref, boolean required) {
        String encoded = string(json, "payload", ref, required);
        if (encoded == null) {
            return null;
        }
        // Base64 inflates by 4/3: refuse before decoding anything far too large.
        if ((long) encoded.length() * 3 / 4 > maxPayloadBytes + 3L) {
            throw tooLarge(ref);
        }
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'payload' is not base64", ref);
        }
        if (payload.length > maxPayloadBytes) {
            throw tooLarge(ref);
        }
        return payload;
    }

    private ClientFrame.Send send(JsonObject json, String userId) {
        String clientMessageId = clientMessageId(json);
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
        } else if (conversationId.length() > FieldBounds.MAX_CONVERSATION_ID || !Conversations.isValid(conversationId)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'conversationId' is not a conversation id"
                    + " (dm:<user>:<user> sorted, or g:<id>)", clientMessageId);
        }
        boolean hasPayload = json.getValue("payload") != null;
        boolean hasEnvelopes = json.getValue("envelopes") != null;
        boolean group = Conversations.isGroup(conversationId);
        if (hasPayload && hasEnvelopes && !group) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "a one-to-one send carries either 'payload' or"
                    + " 'envelopes', never both", clientMessageId);
        }
        if (!hasPayload && (group || !hasEnvelopes)) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, group
                    ? "a group send needs 'payload' (base64: the one Sender Key ciphertext for all members)"
                    : "send needs 'payload' (base64) or 'envelopes' (one per device, end-to-end encrypted)",
                    clientMessageId);
        }
        // One-to-one: the envelopes are the content. In a group: the payload is, and the envelopes carry the sender's
        // key distribution message to the member devices that do not have it yet (docs/adr/0012).
        List<DeviceEnvelope> envelopes = hasEnvelopes ? envelopes(json.getValue("envelopes"), clientMessageId) : List.of();
        byte[] payload = hasPayload ? payload(json, clientMessageId, true) : new byte[0];
        String mediaType = string(json, "mediaType", clientMessageId, false);
        if (mediaType != null && !FieldBounds.isMediaType(mediaType)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'mediaType' must be a media type like image/jpeg"
                    + " (type/subtype, optional ;name=value parameters, at most " + FieldBounds.MAX_MEDIA_TYPE
                    + " characters)", clientMessageId);
        }
        Long replyTo = longField(json, "send", "replyToSeq", clientMessageId, false);
        ClientFrame.Source forwardOf = null;
        Object fwd = json.getValue("forwardOf");
        if (fwd != null) {
            if (!(fwd instanceof JsonObject f)) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "'forwardOf' must be {conversationId, seq}", clientMessageId);
            }
            forwardOf = new ClientFrame.Source(conversation(f, "conversationId", clientMessageId),
                    longField(f, "forwardOf", "seq", clientMessageId, true));
        }
        String mediaObjectId = string(json, "mediaObjectId", clientMessageId, false);
        if (mediaObjectId != null && MediaKeys.owner(mediaObjectId).isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'mediaObjectId' must be an uploaded object's key"
                    + " (media/<userId>/<uuid>, from POST /v1/uploads)", clientMessageId);
        }
        return new ClientFrame.Send(clientMessageId, conversationId, payload, mediaType, replyTo, forwardOf, envelopes,
                mediaObjectId);
    }

    /**
     * {@code envelopes}: 1..maxEnvelopes objects {@code {deviceId, type: "prekey"|"message", body: base64}}, device ids
     * unique, each body 1..maxEnvelopeBytes decoded. Which devices they must name is the edge's device-set check.
     */
    private List<DeviceEnvelope> envelopes(Object value, String ref) {
        if (!(value instanceof JsonArray array) || array.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'envelopes' must be a non-empty array of"
                    + " {deviceId, type, body}", ref);
        }
        if (array.size() > maxEnvelopes) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "more than " + maxEnvelopes + " envelopes"
                    + " (edge.max-envelopes)", ref);
        }
        List<DeviceEnvelope> out = new ArrayList<>(array.size());
        java.util.Set<String> devices = new java.util.HashSet<>();
        for (Object item : array) {
            if (!(item instanceof JsonObject e)) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "each envelope must be {deviceId, type, body}", ref);
            }
            String deviceId = string(e, "deviceId", ref, true);
            if (!FieldBounds.isDeviceId(deviceId)) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "an envelope's 'deviceId' is not a device id (a"
                        + " lower-case UUID as registration returned it)", ref);
            }
            if (!devices.add(deviceId)) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "two envelopes for device " + deviceId, ref);
            }
            String type = string(e, "type", ref, true);
            EnvelopeType envelopeType = switch (type) {
                case "prekey" -> EnvelopeType.PREKEY;
                case "message" -> EnvelopeType.MESSAGE;
                default -> throw new ProtocolException(ErrorCode.INVALID_FIELD, "an envelope's 'type' must be 'prekey'"
                        + " or 'message'", ref);
            };
            String encoded = string(e, "body", ref, true);
            if ((long) encoded.length() * 3 / 4 > maxEnvelopeBytes + 3L) {
                throw envelopeTooLarge(ref);
            }
            byte[] body;
            try {
                body = Base64.getDecoder().decode(encoded);
            } catch (IllegalArgumentException x) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "an envelope's 'body' is not base64", ref);
            }
            if (body.length > maxEnvelopeBytes) {
                throw envelopeTooLarge(ref);
            }
            out.add(DeviceEnvelope.newBuilder().setDeviceId(deviceId).setType(envelopeType)
                    .setBody(java.nio.ByteBuffer.wrap(body)).build());
        }
        return out;
    }

    private ProtocolException envelopeTooLarge(String ref) {
        return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "an envelope's body is larger than "
                + maxEnvelopeBytes + " bytes (edge.max-envelope-bytes)", ref);
    }

    private ProtocolException tooLarge(String ref) {
        return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "payload larger than " + maxPayloadBytes + " bytes", ref);
    }

    private ClientFrame.History history(JsonObject json, String userId) {
        String requestId = requestId(json, true);
        String conversationId = conversation(json, "conversationId", requestId);
        Long before = longField(json, "history", "beforeSeq", requestId, false);
        Long limit = longField(json, "history", "limit", requestId, false);
        int pageSize = limit == null ? 50 : (int) Math.min(Math.max(limit, 1), historyPageMax);
        return new ClientFrame.History(requestId, conversationId, before == null ? Long.MAX_VALUE : before, pageSize);
    }

    private ClientFrame.MessageInfo messageInfo(JsonObject json) {
        String requestId = requestId(json, true);
        String conversationId = conversation(json, "conversationId", requestId);
        long seq = longField(json, "messageInfo", "seq", requestId, true);
        if (seq < 1) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "messageInfo: 'seq' must be at least 1", requestId);
        }
        return new ClientFrame.MessageInfo(requestId, conversationId, seq);
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
        if (!(v instanceof Number n) || !isIntegral(n)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be a non-negative integer", ref);
        }
        Long exact = exactLong(n);
        if (exact == null || exact < 0) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'" + field + "' must be an integer from 0 to "
                    + Long.MAX_VALUE, ref);
        }
        return exact;
    }

    private static boolean isIntegral(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            return Double.isFinite(d) && d == Math.rint(d);
        }
        return !(n instanceof java.math.BigDecimal b) || b.stripTrailingZeros().scale() <= 0;
    }

    /**
     * The number as a long if it is exactly one; null if it is out of range. A double is exact only up to 2^53: a
     * larger one stands for many integers, so it is refused rather than rounded.
     */
    static Long exactLong(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof java.math.BigInteger b) {
            return b.bitLength() < 64 ? b.longValue() : null;
        }
        if (n instanceof java.math.BigDecimal b) {
            try {
                return b.longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
        double d = n.doubleValue();
        return Math.abs(d) <= (double) (1L << 53) ? (long) d : null;
    }
}
