package org.parley.streams;

import org.parley.events.ActionResult;
import org.parley.events.ConversationEvent;
import org.parley.events.Receipt;

/**
 * One output of the sequencer: exactly one of event, receipt, result is set; a result carries the edge instance
 * (= partition of the results topic) that awaits it. Never leaves the Streams task.
 */
public record SequencerOutput(ConversationEvent event, Receipt receipt, ActionResult result, int edgeId) {
    static SequencerOutput of(ConversationEvent e) {
        return new SequencerOutput(e, null, null, -1);
    }

    static SequencerOutput of(Receipt r) {
        return new SequencerOutput(null, r, null, -1);
    }

    static SequencerOutput of(ActionResult r, int edgeId) {
        return new SequencerOutput(null, null, r, edgeId);
    }
}
