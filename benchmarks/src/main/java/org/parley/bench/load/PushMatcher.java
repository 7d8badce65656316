package org.parley.bench.load;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Offline pushes matched to the messages they announce (docs/push.md): a push names its message by conversation and
 * seq, which the run learns from the sender's "sent"; a push that overtakes that "sent" is parked until it comes.
 * Each (message, device) counts once: a second push is a duplicate, a push to a non-recipient is counted apart.
 */
public final class PushMatcher {
    private record ParkedPush(int device, long arrivedNanos) {
    }

    private final Accounting accounting;
    private final PresenceMatcher.Figures figures;
    /** Message index by "conversation/seq", as the run's "sent" frames filled it. */
    private final Function<String, Integer> messageBySeq;
    /** Pushes that arrived before their sender's "sent" told us the seq (guarded by itself). */
    private final Map<String, List<ParkedPush>> parked = new HashMap<>();

    PushMatcher(Accounting accounting, PresenceMatcher.Figures figures, Function<String, Integer> messageBySeq) {
        this.accounting = accounting;
        this.figures = figures;
        this.messageBySeq = messageBySeq;
    }

    /**
     * A push for {@code device}, verified and decrypted at {@code arrivedNanos}, of event {@code seq} of
     * {@code conversationId}: one display of that message on that device (figure {@code <scenario>.received}).
     */
    public void onPush(int device, String conversationId, long seq, long arrivedNanos) {
        figures.count("push-arrivals");
        String key = conversationId + "/" + seq;
        Integer index;
        synchronized (parked) {
            index = messageBySeq.apply(key);
            if (index == null) { // the push overtook the sender's "sent": matched when that comes
                parked.computeIfAbsent(key, k -> new ArrayList<>()).add(new ParkedPush(device, arrivedNanos));
                return;
            }
        }
        pushed(index, device, arrivedNanos);
    }

    /** The sender's "sent" gave message {@code index} its seq ({@code key} = conversation/seq, already recorded). */
    void sequenced(String key, int index) {
        List<ParkedPush> waiting;
        synchronized (parked) {
            waiting = parked.remove(key);
        }
        if (waiting != null) {
            waiting.forEach(p -> pushed(index, p.device(), p.arrivedNanos()));
        }
    }

    /** Pushes whose message this run never saw sequenced. */
    long unmatched() {
        synchronized (parked) {
            return parked.values().stream().mapToLong(List::size).sum();
        }
    }

    private void pushed(int index, int device, long arrivedNanos) {
        Accounting.Message m = accounting.message(index);
        switch (accounting.displayed(index, device, arrivedNanos)) {
            case FIRST -> figures.stats(m.scenario() + ".received").record(m.scheduledNanos(), arrivedNanos, m.measured());
            case DUPLICATE -> figures.count("push-duplicates");
            default -> figures.count("push-not-a-recipient");
        }
    }
}
