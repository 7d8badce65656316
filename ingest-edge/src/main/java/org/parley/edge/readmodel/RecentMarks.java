package org.parley.edge.readmodel;

import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.projections.MemberReceipts;

/**
 * The one-to-one marks this edge saw on {@code receipts} in the last few seconds, for the window in which the
 * projection writer may not have written them yet: a device that reconnects and asks {@code messageInfo} right after
 * a mark was relayed (to nobody, since it was offline) must not read an older state than the log holds. Entries older
 * than the window are dropped as new ones arrive; by then {@code member_receipts} has them.
 */
public class RecentMarks {
    /** One member's latest delivered and read marks in one conversation, and when this edge saw them. */
    private static final class Marks {
        long delivered;
        Instant deliveredAt;
        long read;
        Instant readAt;
        long seenAtMillis;
    }

    private final long windowMs;
    private final LongSupplier clock;
    /** In the order entries were last recorded (each record moves its entry to the back): the oldest at the front. */
    private final LinkedHashMap<String, Marks> marks = new LinkedHashMap<>();

    public RecentMarks(long windowMs, LongSupplier clock) {
        this.windowMs = windowMs;
        this.clock = clock;
    }

    /** A mark from the log ({@code MemberMarks.isLive}); marks only rise, so an older or repeated one changes nothing. */
    public synchronized void record(Receipt r) {
        long now = clock.getAsLong();
        String key = key(r.getConversationId(), r.getByUserId());
        Marks m = marks.remove(key);
        if (m == null) {
            m = new Marks();
        }
        marks.put(key, m);
        if (r.getStatus() == ReceiptStatus.DELIVERED && r.getSeq() > m.delivered) {
            m.delivered = r.getSeq();
            m.deliveredAt = r.getAt();
        } else if (r.getStatus() == ReceiptStatus.READ && r.getSeq() > m.read) {
            m.read = r.getSeq();
            m.readAt = r.getAt();
        }
        m.seenAtMillis = now;
        expire(now);
    }

    /**
     * The read model's statuses of message {@code seq}, completed with what this edge saw more recently: a member
     * whose recent mark covers {@code seq} but has no row yet gets the mark's time (an upper bound, as a cumulative
     * row's time is; read implies delivered).
     */
    public synchronized Map<String, MemberReceipts.Status> merge(String conversationId, long seq, List<String> userIds,
                                                               Map<String, MemberReceipts.Status> stored) {
        expire(clock.getAsLong());
        Map<String, MemberReceipts.Status> out = new HashMap<>(stored);
        for (String user : userIds) {
            Marks m = marks.get(key(conversationId, user));
            if (m == null) {
                continue;
            }
            MemberReceipts.Status s = out.get(user);
            Instant delivered = s == null ? null : s.deliveredAt();
            Instant read = s == null ? null : s.readAt();
            if (read == null && m.read >= seq) {
                read = m.readAt;
            }
            if (delivered == null && m.delivered >= seq) {
                delivered = m.deliveredAt;
            }
            if (delivered == null && read != null) {
                delivered = read;
            }
            if (delivered != null || read != null) {
                out.put(user, new MemberReceipts.Status(user, delivered, read));
            }
        }
        return out;
    }

    public synchronized int size() {
        return marks.size();
    }

    private void expire(long now) {
        for (Iterator<Map.Entry<String, Marks>> it = marks.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue().seenAtMillis <= windowMs) {
                return;
            }
            it.remove();
        }
    }

    private static String key(String conversationId, String userId) {
        return conversationId + '\u0000' + userId;
    }
}
