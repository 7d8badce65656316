package org.parley.bench.load;

/**
 * What a client keeps per device to show each delivery once: the highest inbox seq it processed. A delivery at or
 * below it is a redelivery (after a reconnect: at-least-once) and is not shown again; one above {@code highest + 1}
 * means a gap (the protocol promises none). Confined to the device's event loop, except {@link #highest()} reads.
 */
public final class InboxTracker {
    /** What a delivery with an inbox seq is to this device. */
    public enum Kind { NEXT, REDELIVERY, AFTER_GAP }

    private volatile long highest;
    private long gaps;
    private long missingInGaps;
    private long redeliveries;

    /** Starts after {@code fromInboxSeq} (the {@code fromInboxSeq} of the "ready" frame). */
    public synchronized void reset(long fromInboxSeq) {
        highest = fromInboxSeq;
    }

    public synchronized Kind accept(long inboxSeq) {
        if (inboxSeq <= highest) {
            redeliveries++;
            return Kind.REDELIVERY;
        }
        Kind kind = Kind.NEXT;
        if (inboxSeq > highest + 1) {
            gaps++;
            missingInGaps += inboxSeq - highest - 1;
            kind = Kind.AFTER_GAP;
        }
        highest = inboxSeq;
        return kind;
    }

    public long highest() {
        return highest;
    }

    public synchronized long gaps() {
        return gaps;
    }

    public synchronized long missingInGaps() {
        return missingInGaps;
    }

    public synchronized long redeliveries() {
        return redeliveries;
    }
}
