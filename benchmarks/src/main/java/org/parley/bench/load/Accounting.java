package org.parley.bench.load;

import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Exactly-once accounting of a run: every message is registered with the devices that must get it; each device's
 * display of it is recorded. At the end, a message a device never showed is <em>lost</em>, one it showed twice is a
 * <em>duplicate</em>. (Redeliveries a device recognises by its inbox seq are not displays: see {@link InboxTracker}.)
 * Thread-safe: deliveries arrive on several event loops.
 */
public final class Accounting {
    /** One message: when it was due, who must get it, who got it. */
    public static final class Message {
        final int index;
        final String scenario;
        final int sender;
        final long scheduledNanos;
        final boolean measured;
        final int[] recipients; // sorted device indices
        private final BitSet displayed;
        private int duplicates;
        private long sentNanos;
        private int sentFrames;
        /** When the last recipient displayed it (0 until then). */
        private long completedNanos;

        Message(int index, String scenario, int sender, long scheduledNanos, boolean measured, int[] recipients) {
            this.index = index;
            this.scenario = scenario;
            this.sender = sender;
            this.scheduledNanos = scheduledNanos;
            this.measured = measured;
            this.recipients = recipients.clone();
            java.util.Arrays.sort(this.recipients);
            this.displayed = new BitSet(recipients.length);
        }

        public String scenario() {
            return scenario;
        }

        public long scheduledNanos() {
            return scheduledNanos;
        }

        public boolean measured() {
            return measured;
        }

        public int sender() {
            return sender;
        }

        public synchronized boolean sentConfirmed() {
            return sentFrames > 0;
        }
    }

    /** The outcome of a display. */
    public enum Display { FIRST, DUPLICATE, NOT_A_RECIPIENT, UNKNOWN_MESSAGE }

    private final AtomicReferenceArray<Message> messages;
    private final AtomicLong registered = new AtomicLong();
    private final AtomicLong expected = new AtomicLong();
    private final ConcurrentHashMap<String, Long> errors = new ConcurrentHashMap<>();

    public Accounting(int capacity) {
        this.messages = new AtomicReferenceArray<>(capacity);
    }

    public int capacity() {
        return messages.length();
    }

    /** Registers message {@code index} (before it is sent). */
    public Message register(int index, String scenario, int sender, long scheduledNanos, boolean measured, int[] recipients) {
        Message m = new Message(index, scenario, sender, scheduledNanos, measured, recipients);
        if (!messages.compareAndSet(index, null, m)) {
            throw new IllegalStateException("message " + index + " registered twice");
        }
        registered.incrementAndGet();
        expected.addAndGet(recipients.length);
        return m;
    }

    public Message message(int index) {
        return index < 0 || index >= messages.length() ? null : messages.get(index);
    }

    /** A "sent" frame for the message: true for the first one. */
    public boolean sent(int index, long nowNanos) {
        Message m = message(index);
        if (m == null) {
            return false;
        }
        synchronized (m) {
            m.sentFrames++;
            if (m.sentFrames == 1) {
                m.sentNanos = nowNanos;
                return true;
            }
            return false;
        }
    }

    /** Device {@code device} displays message {@code index} (a new inbox seq, so the device cannot tell it is a repeat). */
    public Display displayed(int index, int device) {
        return displayed(index, device, System.nanoTime());
    }

    /** As {@link #displayed(int, int)}, the display having happened at {@code atNanos} (e.g. a push's arrival). */
    public Display displayed(int index, int device, long atNanos) {
        Message m = message(index);
        if (m == null) {
            return Display.UNKNOWN_MESSAGE;
        }
        int slot = java.util.Arrays.binarySearch(m.recipients, device);
        if (slot < 0) {
            return Display.NOT_A_RECIPIENT;
        }
        synchronized (m) {
            if (m.displayed.get(slot)) {
                m.duplicates++;
                return Display.DUPLICATE;
            }
            m.displayed.set(slot);
            if (m.displayed.cardinality() == m.recipients.length) {
                m.completedNanos = atNanos;
            }
            return Display.FIRST;
        }
    }

    /** Whether every recipient of message {@code index} has shown it (false for an unknown message). */
    public boolean complete(int index) {
        Message m = message(index);
        if (m == null) {
            return false;
        }
        synchronized (m) {
            return m.displayed.cardinality() == m.recipients.length;
        }
    }

    /**
     * One message's course for the chaos report: when it was due, when its last recipient showed it (-1: some never
     * did), recipients that never showed it, extra displays.
     */
    public record Timing(String scenario, long scheduledNanos, long completedNanos, int lost, int duplicates) {
        public boolean complete() {
            return completedNanos >= 0;
        }
    }

    /** Every registered message's {@link Timing}, by due time (call after the drain). */
    public java.util.List<Timing> timings() {
        java.util.List<Timing> out = new java.util.ArrayList<>();
        for (int i = 0; i < messages.length(); i++) {
            Message m = messages.get(i);
            if (m == null) {
                continue;
            }
            synchronized (m) {
                int got = m.displayed.cardinality();
                boolean complete = got == m.recipients.length;
                out.add(new Timing(m.scenario, m.scheduledNanos, complete ? (m.recipients.length == 0 ? m.scheduledNanos : m.completedNanos) : -1,
                        m.recipients.length - got, m.duplicates));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Timing::scheduledNanos));
        return out;
    }

    public void error(String code) {
        errors.merge(code, 1L, Long::sum);
    }

    /** The totals now (call after the drain). */
    public Tally tally() {
        long msgs = 0, exp = 0, shown = 0, lost = 0, dups = 0, unconfirmed = 0, extraSent = 0, lostMessages = 0;
        for (int i = 0; i < messages.length(); i++) {
            Message m = messages.get(i);
            if (m == null) {
                continue;
            }
            synchronized (m) {
                msgs++;
                exp += m.recipients.length;
                int got = m.displayed.cardinality();
                shown += got;
                lost += m.recipients.length - got;
                if (got < m.recipients.length) {
                    lostMessages++;
                }
                dups += m.duplicates;
                if (m.sentFrames == 0) {
                    unconfirmed++;
                } else {
                    extraSent += m.sentFrames - 1;
                }
            }
        }
        return new Tally(msgs, exp, shown, lost, lostMessages, dups, unconfirmed, extraSent, java.util.Map.copyOf(errors));
    }

    /** Per scenario: messages, expected displays, displayed, lost and duplicates (call after the drain). */
    public java.util.Map<String, ScenarioTally> tallyByScenario() {
        java.util.Map<String, long[]> sums = new java.util.TreeMap<>();
        for (int i = 0; i < messages.length(); i++) {
            Message m = messages.get(i);
            if (m == null) {
                continue;
            }
            long[] s = sums.computeIfAbsent(m.scenario, k -> new long[5]);
            synchronized (m) {
                int got = m.displayed.cardinality();
                s[0]++;
                s[1] += m.recipients.length;
                s[2] += got;
                s[3] += m.recipients.length - got;
                s[4] += m.duplicates;
            }
        }
        java.util.Map<String, ScenarioTally> out = new java.util.TreeMap<>();
        sums.forEach((k, s) -> out.put(k, new ScenarioTally(s[0], s[1], s[2], s[3], s[4])));
        return out;
    }

    /** One scenario's share of the {@link Tally}. */
    public record ScenarioTally(long messages, long expected, long displayed, long lost, long duplicates) {
    }

    /** Lost devices' indices of a message (for diagnostics). */
    public java.util.List<Integer> missing(int index) {
        Message m = message(index);
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (m != null) {
            synchronized (m) {
                for (int s = 0; s < m.recipients.length; s++) {
                    if (!m.displayed.get(s)) {
                        out.add(m.recipients[s]);
                    }
                }
            }
        }
        return out;
    }

    /**
     * @param messages         messages registered (sent)
     * @param expected         (message, device) pairs that must be displayed
     * @param displayed        pairs displayed at least once
     * @param lost             pairs never displayed
     * @param lostMessages     messages with at least one lost pair
     * @param duplicates       extra displays (a device showed the message again under a new inbox seq)
     * @param unconfirmed      messages whose sender never got "sent"
     * @param extraSentFrames  "sent" frames beyond the first (retries answered with duplicate=true)
     * @param errors           error frames by code
     */
    public record Tally(long messages, long expected, long displayed, long lost, long lostMessages, long duplicates,
                        long unconfirmed, long extraSentFrames, java.util.Map<String, Long> errors) {
    }
}
