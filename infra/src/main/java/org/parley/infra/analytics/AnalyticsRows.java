package org.parley.infra.analytics;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceEnvelope;
import org.parley.events.DeviceRecord;
import org.parley.events.EventType;
import org.parley.events.PushRequest;
import org.parley.events.Receipt;
import org.parley.schemas.Conversations;

/**
 * Maps the log's records to the analytics tables' rows ({@link AnalyticsTables}): metadata only. What a row may hold
 * is the server-visible metadata of docs/security.md (ids, kinds, seqs, times, sizes, counts, the media type without
 * its parameters); never the bytes or text a user wrote: payloads and envelope bodies become their sizes, and a
 * reaction's emoji, a group's name, description and icon, a system text and a device's token hash are left out.
 * Every value is a String, Integer, Long, Boolean, LocalDateTime (UTC), LocalDate or List of String.
 */
public final class AnalyticsRows {
    /** One row of one table; {@code values} in the table's column order, the day last. */
    public record Row(AnalyticsTables.Table table, Object[] values) {
        public LocalDate day() {
            return (LocalDate) values[values.length - 1];
        }
    }

    /** Where a record sits in the log (the row keeps it: provenance, and duplicates are recognisable). */
    public record Position(int partition, long offset, long timestampMillis) {
    }

    private AnalyticsRows() {
    }

    /** One {@code events} row per conversation event. */
    public static Row event(ConversationEvent e, Position p) {
        boolean group = Conversations.isGroup(e.getConversationId());
        boolean isPrivate = e.getPrivateToUserId() != null;
        List<DeviceEnvelope> envelopes = e.getEnvelopes() == null ? List.of() : e.getEnvelopes();
        long envelopeBytes = 0;
        for (DeviceEnvelope envelope : envelopes) {
            envelopeBytes += size(envelope.getBody());
        }
        List<String> members = e.getMemberUserIds() == null ? List.of() : e.getMemberUserIds();
        List<String> subjects = e.getSubjectUserIds() == null ? List.of() : e.getSubjectUserIds();
        List<String> recipients = null;
        if (e.getType() == EventType.MESSAGE && !isPrivate) {
            recipients = new ArrayList<>();
            for (String m : members) {
                if (!m.equals(e.getSenderUserId())) {
                    recipients.add(m);
                }
            }
        }
        return new Row(AnalyticsTables.EVENTS, new Object[] {
                e.getEventId(), e.getConversationId(), group ? "group" : "direct", e.getSeq(), e.getType().name(),
                e.getSenderUserId(), e.getSenderDeviceId(), utc(e.getSentAt()), mediaType(e.getMediaType()),
                e.getMediaObjectId() != null, size(e.getPayload()), e.getEncrypted(), envelopes.size(), envelopeBytes,
                e.getTargetSeq(), e.getReplyToSeq(), e.getForwardCount(), isPrivate, subjects.size(), members.size(),
                group && !isPrivate ? groupSize(e.getType(), members.size(), subjects.size()) : null, recipients,
                p.partition(), p.offset(), day(e.getSentAt())});
    }

    /**
     * A group's size after a (shared) event: {@code memberUserIds} holds the members at the event, a member removed
     * or leaving by it included (docs/topics.md), so those events count their subjects out.
     */
    static int groupSize(EventType type, int members, int subjects) {
        return type == EventType.MEMBER_REMOVED || type == EventType.MEMBER_LEFT ? Math.max(0, members - subjects) : members;
    }

    /** One {@code receipts} row per receipt. */
    public static Row receipt(Receipt r, Position p) {
        return new Row(AnalyticsTables.RECEIPTS, new Object[] {
                r.getConversationId(), Conversations.isGroup(r.getConversationId()) ? "group" : "direct", r.getSeq(),
                r.getStatus().name(), r.getByUserId(), r.getByDeviceId(), r.getToUserId(), utc(r.getAt()),
                p.partition(), p.offset(), day(r.getAt())});
    }

    /**
     * One {@code deliveries} row per record of the per-device log: {@code happened_at} is the event's send time or
     * the receipt's time (the day, deterministic on any replay), {@code routed_at} the record's log time.
     */
    public static Row delivery(DeviceDelivery d, Position p) {
        ConversationEvent e = d.getEvent();
        Receipt r = d.getReceipt();
        Instant routed = Instant.ofEpochMilli(p.timestampMillis());
        Instant happened = e != null ? e.getSentAt() : r != null ? r.getAt() : routed;
        return new Row(AnalyticsTables.DELIVERIES, new Object[] {
                d.getDeviceId(), d.getUserId(), d.getInboxSeq(), d.getKind().name(),
                e != null ? e.getConversationId() : r != null ? r.getConversationId() : null,
                e != null ? (Long) e.getSeq() : r != null ? (Long) r.getSeq() : null,
                e != null ? e.getType().name() : null, r != null ? r.getStatus().name() : null, d.getEdgeId() != null,
                utc(happened), utc(routed), p.partition(), p.offset(), day(happened)});
    }

    /** One {@code pushes} row per push request. */
    public static Row push(PushRequest q, Position p) {
        return new Row(AnalyticsTables.PUSHES, new Object[] {
                q.getPushId(), q.getDeviceId(), q.getUserId(), q.getConversationId(), q.getEventId(), q.getSeq(),
                q.getUnreadCount(), utc(q.getSentAt()), utc(Instant.ofEpochMilli(p.timestampMillis())), p.partition(),
                p.offset(), day(q.getSentAt())});
    }

    /** One {@code devices} row per device record (the token hash is left out). */
    public static Row device(DeviceRecord d, Position p) {
        return new Row(AnalyticsTables.DEVICES, new Object[] {
                d.getDeviceId(), d.getUserId(), utc(d.getRegisteredAt()), d.getRevoked(), d.getPrimary(),
                utc(Instant.ofEpochMilli(p.timestampMillis())), p.partition(), p.offset(), day(d.getRegisteredAt())});
    }

    /**
     * {@code type/subtype} in lower case: the parameters ({@code ;name=holiday.jpg}) are dropped, since a parameter
     * may carry what a user wrote (a file name). Null stays null; a value that is not {@code type/subtype} becomes
     * {@code "invalid"} rather than being copied.
     */
    static String mediaType(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        String essence = mediaType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return essence.matches("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}") ? essence : "invalid";
    }

    private static int size(ByteBuffer b) {
        return b == null ? 0 : b.remaining();
    }

    private static LocalDateTime utc(Instant t) {
        return t == null ? null : LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static LocalDate day(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }
}
