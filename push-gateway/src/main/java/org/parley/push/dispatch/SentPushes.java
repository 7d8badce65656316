package org.parley.push.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pushes this process sent whose answer is not recorded in {@code push_dispatches} yet (docs/adr/0007). When the
 * ledger write fails (CQL unavailable) the batch is read again by a new dispatcher instance, whose claim takes the
 * unanswered row over as another owner's and would send the push a second time; this memory, kept for the process's
 * life across dispatcher instances, makes the retry record the answer it already has instead. Only a crash of the
 * process itself between sending and recording still leaves ADR 0007's window. Bounded: the oldest entries go first.
 */
public final class SentPushes {
    /** What the push service answered to a sent push. */
    public record Answer(PushDispatcher.Result result, String outcome) {
    }

    private final int capacity;
    private final LinkedHashMap<String, Answer> answers;

    public SentPushes(int capacity) {
        this.capacity = capacity;
        this.answers = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
                return size() > SentPushes.this.capacity;
            }
        };
    }

    /** Sent, answered, not yet recorded. */
    public synchronized void sent(String pushId, PushDispatcher.Result result, String outcome) {
        answers.put(pushId, new Answer(result, outcome));
    }

    /** The answer is in the ledger: nothing to remember. */
    public synchronized void recorded(String pushId) {
        answers.remove(pushId);
    }

    /** The answer of a push this process sent and has not recorded yet. */
    public synchronized Optional<Answer> unrecorded(String pushId) {
        return Optional.ofNullable(answers.get(pushId));
    }

    public synchronized int size() {
        return answers.size();
    }
}
