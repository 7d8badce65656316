package org.parley.bench.load;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Presence frames matched to the transitions the presence scenario scheduled (docs/protocol.md; the edge emits on a
 * user's transitions only, ADR 0008): each subscriber must be told each transition once; subscribe answers and
 * repeated facts are counted apart.
 */
public final class PresenceMatcher {
    /** Where matched transitions and counts go (the run's figures). */
    public interface Figures {
        LatencyStats stats(String name);

        void count(String counter);
    }

    private record ExpectedPresence(int index, String state) {
    }

    private final Accounting accounting;
    private final Figures figures;
    /** Outstanding transitions per "subscriber device|user", oldest first. */
    private final Map<String, ConcurrentLinkedQueue<ExpectedPresence>> expected = new ConcurrentHashMap<>();
    /** The last state each subscriber device was told per user. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    /** Subscriptions whose answer (the current state) is still to come. */
    private final Set<String> answers = ConcurrentHashMap.newKeySet();

    PresenceMatcher(Accounting accounting, Figures figures) {
        this.accounting = accounting;
        this.figures = figures;
    }

    static String key(int subscriber, String userId) {
        return subscriber + "|" + userId;
    }

    /**
     * Subscribes device {@code d} to {@code userId}'s presence afresh: unsubscribe first, since the edge answers a
     * subscribe only when it is new on the connection.
     */
    public void subscribe(BenchDevice d, String userId) {
        answers.add(key(d.index, userId));
        unsubscribe(d, userId);
        d.write("{\"type\":\"presence\",\"op\":\"subscribe\",\"userId\":\"" + userId + "\"}");
    }

    public void unsubscribe(BenchDevice d, String userId) {
        d.write("{\"type\":\"presence\",\"op\":\"unsubscribe\",\"userId\":\"" + userId + "\"}");
    }

    /** The last presence state ({@code online}, {@code offline}, {@code unknown}) {@code d} got for the user, or null. */
    public String seen(BenchDevice d, String userId) {
        return seen.get(key(d.index, userId));
    }

    /**
     * Transition {@code index}: {@code userId} becomes {@code state} at {@code dueNanos} (its devices are closed or
     * reconnected right after); each of {@code subscribers} must be told once.
     */
    public void expect(String scenario, int index, int subjectDevice, String userId, String state,
                       int[] subscribers, long dueNanos, boolean measured) {
        accounting.register(index, scenario, subjectDevice, dueNanos, measured, subscribers);
        accounting.sent(index, dueNanos); // a transition gets no "sent"
        for (int s : subscribers) {
            expected.computeIfAbsent(key(s, userId), k -> new ConcurrentLinkedQueue<>())
                    .add(new ExpectedPresence(index, state));
        }
    }

    /** A presence frame: the oldest outstanding transition to that state, else a subscribe answer or an extra. */
    void onFrame(BenchDevice d, JsonObject f, long now) {
        String userId = f.getString("userId");
        String state = f.getString("state", "?");
        String key = key(d.index, userId);
        String before = seen.put(key, state);
        boolean answer = answers.remove(key);
        var queue = expected.get(key);
        if (queue != null) {
            for (ExpectedPresence e : queue) {
                if (e.state().equals(state) && queue.remove(e)) {
                    Accounting.Message m = accounting.message(e.index());
                    if (m != null && accounting.displayed(e.index(), d.index) == Accounting.Display.FIRST) {
                        figures.stats(m.scenario() + ".delivered").record(m.scheduledNanos(), now, m.measured());
                        figures.stats(m.scenario() + "." + state).record(m.scheduledNanos(), now, m.measured());
                    }
                    return;
                }
            }
        }
        if (answer) {
            figures.count("presence-subscribe-answers");
        } else if (state.equals(before)) {
            figures.count("presence-repeats"); // at-least-once: the same fact again (ADR 0008), not a new transition
        } else {
            figures.count("presence-unscheduled-" + state);
        }
    }
}
