package org.parley.streams;

import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.GroupState;
import org.parley.events.MessageRef;
import org.parley.events.Receipt;
import org.parley.events.UserSettings;
import org.apache.kafka.streams.kstream.Materialized;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerde;

/**
 * actions (+ the user-settings global table) → ConversationSequencer → conversation-events (key conversation), receipts (key conversation) and
 * action-results (partition = the edge instance that appended the action).
 */
public final class SequencerTopology {
    private SequencerTopology() {
    }

    public static void build(StreamsBuilder builder, TopicCatalog topics, SchemaRegistryClient registry) {
        build(builder, topics, registry, SequencerRules.defaults());
    }

    public static void build(StreamsBuilder builder, TopicCatalog topics, SchemaRegistryClient registry,
                             SequencerRules rules) {
        Serde<String> keys = Serdes.String();
        Serde<ClientAction> actions = new AvroWireSerde<>(registry, ClientAction.getClassSchema(), false);
        Serde<ConversationEvent> events = new AvroWireSerde<>(registry, ConversationEvent.getClassSchema(), false);
        Serde<Receipt> receipts = new AvroWireSerde<>(registry, Receipt.getClassSchema(), false);
        Serde<ActionResult> results = new AvroWireSerde<>(registry, ActionResult.getClassSchema(), false);

        // One changelogged, cached store for all of the sequencer's state (SequencerState: fewer partitions per
        // transaction, changelog records batched per commit).
        builder.addStateStore(SequencerState.storeBuilder());
        Serde<GroupState> groupStates = new AvroWireSerde<>(registry, GroupState.getClassSchema(), true);
        Serde<MessageRef> messageRefs = new AvroWireSerde<>(registry, MessageRef.getClassSchema(), true);
        // Every task reads any user's settings (read-receipt privacy), so they are a global table.
        builder.globalTable(topics.userSettings().name(),
                Consumed.with(keys, new AvroWireSerde<UserSettings>(registry, UserSettings.getClassSchema(), false))
                        .withName("user-settings"),
                Materialized.as(ConversationSequencer.USER_SETTINGS_STORE));

        KStream<String, SequencerOutput> out = builder
                .stream(topics.actions().name(), Consumed.with(keys, actions).withName("actions"))
                .process(() -> new ConversationSequencer(rules, groupStates, messageRefs),
                        Named.as("conversation-sequencer"), ConversationSequencer.STATE_STORE);

        out.filter((k, v) -> v.event() != null, Named.as("events-only"))
                .mapValues(SequencerOutput::event, Named.as("event"))
                .to(topics.conversationEvents().name(), Produced.with(keys, events).withName("conversation-events"));
        out.filter((k, v) -> v.receipt() != null, Named.as("receipts-only"))
                .mapValues(SequencerOutput::receipt, Named.as("receipt"))
                .to(topics.receipts().name(), Produced.with(keys, receipts).withName("receipts"));
        out.filter((k, v) -> v.result() != null, Named.as("results-only"))
                .to(topics.actionResults().name(), Produced.with(keys, new ResultSerde(results))
                        .withStreamPartitioner(new ToAwaitingEdge()).withName("action-results"));
    }

    /** Routes a result to the partition read by the edge instance that appended the action. */
    static final class ToAwaitingEdge implements StreamPartitioner<String, SequencerOutput> {
        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, SequencerOutput value, int numPartitions) {
            return Optional.of(Set.of(Math.floorMod(value.edgeId(), numPartitions)));
        }
    }

    /** Writes the result part of a SequencerOutput (the edge id only chose the partition). */
    static final class ResultSerde implements Serde<SequencerOutput> {
        private final Serde<ActionResult> results;

        ResultSerde(Serde<ActionResult> results) {
            this.results = results;
        }

        @Override
        public org.apache.kafka.common.serialization.Serializer<SequencerOutput> serializer() {
            return (topic, v) -> v == null ? null : results.serializer().serialize(topic, v.result());
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<SequencerOutput> deserializer() {
            return (topic, bytes) -> SequencerOutput.of(results.deserializer().deserialize(topic, bytes), -1);
        }
    }
}
