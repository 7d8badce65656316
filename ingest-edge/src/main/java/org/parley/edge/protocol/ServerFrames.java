package org.parley.edge.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.GroupSnapshot;
import org.parley.events.Receipt;
import org.parley.events.UserSettings;
import org.parley.projections.ConversationHistory;
import org.parley.projections.GroupDirectory;
import org.parley.projections.UserConversations;
import org.parley.schemas.Envelopes;

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

    /** An action was sequenced (a message, or any operation that became an event). */
    public static String sent(String clientMessageId, String conversationId, long seq, boolean duplicate) {
        return new JsonObject().put("type", "sent").put("clientMessageId", clientMessageId)
                .put("conversationId", conversationId).put("seq", seq).put("duplicate", duplicate).encode();
    }

    /** A delivery to {@code deviceId}: of an encrypted message, only that device's own envelope. */
    public static String message(long inboxSeq, ConversationEvent e, String deviceId) {
        return event(e, deviceId).put("type", "message").put("inboxSeq", inboxSeq).encode();
    }

    /** A receipt from the inbox: a reader's own read, a group's aggregate. */
    public static String receipt(long inboxSeq, Receipt r) {
        return receiptFields(r).put("inboxSeq", inboxSeq).encode();
    }

    /** A one-to-one mark relayed as it is sequenced: no inbox seq, nothing to acknowledge (docs/adr/0014). */
    public static String receipt(Receipt r) {
        return receiptFields(r).encode();
    }

    private static JsonObject receiptFields(Receipt r) {
        return new JsonObject().put("type", "receipt")
                .put("status", r.getStatus().name().toLowerCase(java.util.Locale.ROOT))
                .put("conversationId", r.getConversationId()).put("seq", r.getSeq())
                .put("byUserId", r.getByUserId()).put("byDeviceId", r.getByDeviceId())
                .put("at", r.getAt().toEpochMilli());
    }

    /**
     * A page of history: each entry as sequenced, with its current content (the latest edit's; none once deleted for
     * everyone) and each user's reaction. Of each encrypted message, only {@code deviceId}'s own envelope.
     */
    public static String history(String requestId, String conversationId, List<ConversationHistory.Entry> entries,
                                 Map<Long, Map<String, String>> reactions, boolean hasMore, String deviceId) {
        JsonArray items = new JsonArray();
        for (ConversationHistory.Entry h : entries) {
            JsonObject o = event(h.event(), deviceId);
            if (h.editedSeq() != null) {
                o.put("editedSeq", h.editedSeq()).put("editedAt", h.editedAt() == null ? null : h.editedAt().toEpochMilli());
            }
            if (h.deleted()) {
                o.put("deleted", true);
                o.remove("envelopeMissing"); // nothing to wait for
            }
            Map<String, String> r = reactions.get(h.event().getSeq());
            if (r != null && !r.isEmpty()) {
                o.put("reactions", new JsonObject(new java.util.LinkedHashMap<>(r)));
            }
            items.add(o);
        }
        return new JsonObject().put("type", "history").put("requestId", requestId).put("conversationId", conversationId)
                .put("events", items).put("hasMore", hasMore).encode();
    }

    /** One chat-list item; the list is sorted newest activity first. */
    public record ChatItem(String conversationId, String name, UserConversations.Membership membership,
                           ConversationHistory.LastActivity last, int unread, boolean unreadCapped, long now) {
    }

    public static String chats(String requestId, List<ChatItem> items) {
        JsonArray out = new JsonArray();
        for (ChatItem c : items) {
            JsonObject o = new JsonObject().put("conversationId", c.conversationId())
                    .put("kind", c.conversationId().startsWith("g:") ? "group" : "direct")
                    .put("member", c.membership().isMember())
                    .put("readSeq", c.membership().readSeq())
                    .put("unread", c.unread()).put("unreadCapped", c.unreadCapped())
                    .put("muted", c.membership().mutedAt(c.now()))
                    .put("mutedUntil", c.membership().mutedUntil());
            if (c.name() != null) {
                o.put("name", c.name());
            }
            if (c.last() != null) {
                o.put("lastSeq", c.last().seq()).put("lastType", c.last().type().toLowerCase(java.util.Locale.ROOT))
                        .put("lastSenderUserId", c.last().senderUserId())
                        .put("lastAt", c.last().at() == null ? null : c.last().at().toEpochMilli());
                if (c.last().mediaType() != null) {
                    o.put("lastMediaType", c.last().mediaType());
                }
            }
            out.add(o);
        }
        return new JsonObject().put("type", "chats").put("requestId", requestId).put("chats", out).encode();
    }

    /**
     * The answer to {@code messageInfo}: per member (in {@code userIds}' order) whether and when message {@code seq}
     * was delivered to it and read by it ({@code deliveredAt}/{@code readAt} in epoch milliseconds, absent: not yet).
     */
    public static String messageInfo(String requestId, String conversationId, long seq, List<String> userIds,
                                     Map<String, org.parley.projections.MemberReceipts.Status> status) {
        JsonArray m = new JsonArray();
        int delivered = 0;
        int read = 0;
        for (String u : userIds) {
            org.parley.projections.MemberReceipts.Status s = status.get(u);
            JsonObject o = new JsonObject().put("userId", u);
            if (s != null && s.deliveredAt() != null) {
                o.put("deliveredAt", s.deliveredAt().toEpochMilli());
                delivered++;
            }
            if (s != null && s.readAt() != null) {
                o.put("readAt", s.readAt().toEpochMilli());
                read++;
            }
            o.put("delivered", o.containsKey("deliveredAt")).put("read", o.containsKey("readAt"));
            m.add(o);
        }
        return new JsonObject().put("type", "messageInfo").put("requestId", requestId)
                .put("conversationId", conversationId).put("seq", seq).put("members", m)
                .put("deliveredTo", delivered).put("readBy", read).encode();
    }

    public static String group(String requestId, GroupDirectory.Group g, List<GroupDirectory.Member> members) {
        JsonArray m = new JsonArray();
        members.forEach(x -> m.add(new JsonObject().put("userId", x.userId()).put("admin", x.admin())
                .put("sinceSeq", x.sinceSeq())));
        return new JsonObject().put("type", "group").put("requestId", requestId).put("conversationId", g.conversationId())
                .put("name", g.name()).put("description", g.description()).put("iconKey", g.iconKey())
                .put("createdBy", g.createdBy()).put("onlyAdminsEditInfo", g.onlyAdminsEditInfo())
                .put("historySharing", g.historySharing()).put("members", m).put("member", true).encode();
    }

    /**
     * A former member's view of a group: the group right after it left or was removed ({@code leftSeq}); members
     * carry no {@code sinceSeq} (the departure event does not say).
     */
    public static String formerGroup(String requestId, org.parley.projections.GroupDepartures.Departure d) {
        GroupDirectory.Group g = d.group();
        JsonArray m = new JsonArray();
        d.memberUserIds().forEach(u -> m.add(new JsonObject().put("userId", u).put("admin", d.adminUserIds().contains(u))));
        return new JsonObject().put("type", "group").put("requestId", requestId).put("conversationId", g.conversationId())
                .put("name", g.name()).put("description", g.description()).put("iconKey", g.iconKey())
                .put("createdBy", g.createdBy()).put("onlyAdminsEditInfo", g.onlyAdminsEditInfo())
                .put("historySharing", g.historySharing()).put("members", m).put("member", false)
                .put("leftSeq", d.leftSeq()).encode();
    }

    public static String settings(String requestId, UserSettings s) {
        JsonObject o = new JsonObject().put("type", "settings").put("readReceipts", s.getReadReceipts())
                .put("lastSeen", s.getLastSeenVisibility().name().toLowerCase(java.util.Locale.ROOT))
                .put("online", s.getOnlineVisibility().name().toLowerCase(java.util.Locale.ROOT))
                .put("pushSound", s.getPushSound()).put("contacts", new JsonArray(s.getContactUserIds()))
                .put("mediaAutoDownload", AutoDownloadSettings.json(s.getMediaAutoDownload()));
        if (requestId != null) {
            o.put("requestId", requestId);
        }
        return o.encode();
    }

    public static String pong() {
        return new JsonObject().put("type", "pong").encode();
    }

    /**
     * {@code MISMATCHED_DEVICES}: the envelopes a send carried do not match the current devices. {@code missingDevices}:
     * user id → devices to add (fetch their bundles); {@code extraDevices}: devices to drop.
     */
    public static String mismatchedDevices(String ref, Map<String, List<String>> missing, List<String> extra) {
        JsonObject m = new JsonObject();
        new java.util.TreeMap<>(missing).forEach((user, devices) -> m.put(user, new JsonArray(devices)));
        return new JsonObject().put("type", "error").put("code", ErrorCode.MISMATCHED_DEVICES.name())
                .put("message", "the envelopes do not match the current devices (" + missing.values().stream()
                        .mapToInt(List::size).sum() + " missing, " + extra.size() + " extra): fetch the bundles of the"
                        + " missing devices (GET /v1/keys/{userId}), encrypt again and resend with the same"
                        + " clientMessageId")
                .put("ref", ref).put("missingDevices", m).put("extraDevices", new JsonArray(extra)).encode();
    }

    /**
     * {@code MISMATCHED_DEVICES} for a group send: envelopes for devices that are not current devices of the group's
     * members (or for the sending device). Drop them and resend with the same clientMessageId.
     */
    public static String notMemberDevices(String ref, List<String> extra) {
        return new JsonObject().put("type", "error").put("code", ErrorCode.MISMATCHED_DEVICES.name())
                .put("message", extra.size() + " envelope(s) for devices that are not current devices of this group's"
                        + " members: drop them and resend with the same clientMessageId")
                .put("ref", ref).put("missingDevices", new JsonObject()).put("extraDevices", new JsonArray(extra))
                .encode();
    }

    public static String error(ErrorCode code, String message, String ref) {
        JsonObject o = new JsonObject().put("type", "error").put("code", code.name()).put("message", message);
        if (ref != null) {
            o.put("ref", ref);
        }
        return o.encode();
    }

    /**
     * The event as {@code viewer} (a device id, or null) sees it. An end-to-end encrypted message carries
     * {@code encrypted: true} and, instead of {@code payload}, the viewer's own {@code envelope} ({@code type}
     * {@code prekey} | {@code message}, {@code body} base64), or {@code envelopeMissing: true} when the sender did not
     * encrypt for the viewer. Another device's envelope is never rendered.
     */
    private static JsonObject event(ConversationEvent e, String viewer) {
        JsonObject o = new JsonObject().put("conversationId", e.getConversationId()).put("seq", e.getSeq())
                .put("eventId", e.getEventId()).put("kind", e.getType().name().toLowerCase(java.util.Locale.ROOT))
                .put("senderUserId", e.getSenderUserId()).put("senderDeviceId", e.getSenderDeviceId())
                .put("clientMessageId", e.getClientMessageId()).put("sentAt", e.getSentAt().toEpochMilli());
        if (Envelopes.isEncrypted(e)) {
            o.put("encrypted", true);
            DeviceEnvelope own = viewer == null ? null : Envelopes.own(e, viewer);
            if (own != null) {
                o.put("envelope", new JsonObject().put("type", own.getType() == EnvelopeType.PREKEY ? "prekey" : "message")
                        .put("body", Base64.getEncoder().encodeToString(bytes(own.getBody()))));
            } else {
                o.put("envelopeMissing", true);
            }
        } else {
            o.put("payload", Base64.getEncoder().encodeToString(bytes(e.getPayload())));
            // A group message may carry the sender's key distribution to this device (docs/adr/0012).
            DeviceEnvelope own = viewer == null || !Envelopes.distributesKeys(e) ? null : Envelopes.own(e, viewer);
            if (own != null) {
                o.put("envelope", new JsonObject().put("type", own.getType() == EnvelopeType.PREKEY ? "prekey" : "message")
                        .put("body", Base64.getEncoder().encodeToString(bytes(own.getBody()))));
            }
        }
        if (e.getMediaType() != null) {
            o.put("mediaType", e.getMediaType());
        }
        putIfSet(o, "mediaObjectId", e.getMediaObjectId());
        putIfSet(o, "targetSeq", e.getTargetSeq());
        putIfSet(o, "replyToSeq", e.getReplyToSeq());
        if (e.getForwardCount() > 0) {
            o.put("forwarded", true).put("forwardCount", e.getForwardCount())
                    .put("forwardedManyTimes", e.getForwardedManyTimes());
        }
        putIfSet(o, "reaction", e.getReaction());
        if (!e.getSubjectUserIds().isEmpty()) {
            o.put("subjectUserIds", new JsonArray(e.getSubjectUserIds()));
        }
        putIfSet(o, "systemText", e.getSystemText());
        putIfSet(o, "muteUntil", e.getMuteUntil());
        if (e.getGroup() != null) {
            GroupSnapshot g = e.getGroup();
            o.put("group", new JsonObject().put("name", g.getName()).put("description", g.getDescription())
                    .put("iconKey", g.getIconKey()).put("adminUserIds", new JsonArray(g.getAdminUserIds()))
                    .put("onlyAdminsEditInfo", g.getOnlyAdminsEditInfo()).put("historySharing", g.getHistorySharing()));
        }
        return o;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void putIfSet(JsonObject o, String field, Object value) {
        if (value != null) {
            o.put(field, value);
        }
    }
}
