package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionResult;
import org.parley.events.ConversationEvent;
import org.parley.schemas.Conversations;

/**
 * A rebalance moves a conversation's task from one sequencer instance to another (the cluster topology runs two; a
 * SIGKILLed one's tasks move after the session timeout). The new owner has only what the task's changelog holds (it
 * restores it, or its standby replica kept it): if any of the sequencer's state lived elsewhere (a cache in the
 * processor, a counter in memory), the new owner would hand out a seq twice or skip one, or answer a retry of an old
 * message with a new seq. Here instance A sequences, its changelog is restored into instance B, and B goes on.
 */
class SequencerRebalanceTest {

    @Test
    void theInstanceThatTakesOverATaskGoesOnWithTheNextSeqAndKnowsTheOldMessages() {
        String dm = Conversations.direct("alice", "bob");
        List<KeyValue<String, byte[]>> changelog;
        ConversationEvent lastOfA;
        var retried = new Object() {
            org.parley.events.ClientAction action;
        };
        try (SequencerFixture a = new SequencerFixture()) {
            a.accepted(a.message(dm, "alice", "one"));
            var second = a.message(dm, "bob", "two");
            retried.action = second.build();
            a.accepted(second);
            a.accepted(a.message(dm, "alice", "three"));
            List<ConversationEvent> events = a.events.readValuesToList();
            assertThat(events).extracting(ConversationEvent::getSeq).containsExactly(1L, 2L, 3L);
            lastOfA = events.get(2);
            changelog = a.changelog();
        }
        assertThat(changelog).isNotEmpty();

        try (SequencerFixture b = new SequencerFixture()) {
            // What Streams does when B is assigned the task: the store is rebuilt from the changelog (tombstones delete).
            for (KeyValue<String, byte[]> r : changelog) {
                if (r.value == null) {
                    b.state().delete(r.key);
                } else {
                    b.state().put(r.key, r.value);
                }
            }
            long four = b.accepted(b.message(dm, "bob", "four"));
            long five = b.accepted(b.message(dm, "alice", "five"));
            assertThat(List.of(four, five)).containsExactly(4L, 5L);

            // A client retry of a message A sequenced (same device and clientMessageId): the same seq, no event.
            b.events.readValuesToList();
            b.actions.pipeInput(dm, org.parley.events.ClientAction.newBuilder(retried.action).setActionId("retry").build());
            ActionResult answer = b.results.readValuesToList().stream()
                    .filter(r -> "retry".equals(r.getActionId())).findFirst().orElseThrow();
            assertThat(answer.getSeq()).isEqualTo(2L);
            assertThat(answer.getDuplicate()).isTrue();
            assertThat(b.events.isEmpty()).as("no second event for the retried message").isTrue();
            assertThat(lastOfA.getSeq()).isEqualTo(3L);
        }
    }
}
