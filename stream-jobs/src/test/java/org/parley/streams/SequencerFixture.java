package org.parley.streams;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.parley.config.Settings;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.GroupInfoChange;
import org.parley.events.Receipt;
import org.parley.events.UserSettings;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerde;

/** The sequencer topology under TopologyTestDriver, with builders for each kind of action. */
final class SequencerFixture implements AutoCloseable {
    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    final TopicCatalog topics = TopicCatalog.from(Settings.of(Map.of()));
    final TopologyTestDriver driver;
    final TestInputTopic<String, ClientAction> actions;
    final TestInputTopic<String, UserSettings> settings;
    final TestOutputTopic<String, ConversationEvent> events;
    final TestOutputTopic<String, Receipt> receipts;
    final TestOutputTopic<String, ActionResult> results;
    /** The edge's clock: every action is received one second after the previous one unless moved. */
    Instant now = Instant.parse("2026-11-28T10:00:00Z");
    private int counter;
    final String applicationId = "sequencer-test-" + java.util.UUID.randomUUID();

    SequencerFixture() {
        this(SequencerRules.defaults());
    }

    SequencerFixture(SequencerRules rules) {
        StreamsBuilder builder = new StreamsBuilder();
        SequencerTopology.build(builder, topics, registry, rules);
        Properties props = new Properties();
        // A state folder of its own: two fixtures may be open at once.
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(builder.build(), props);
        actions = driver.createInputTopic(topics.actions().name(), Serdes.String().serializer(),
                new AvroWireSerde<ClientAction>(registry, ClientAction.getClassSchema(), true).serializer());
        settings = driver.createInputTopic(topics.userSettings().name(), Serdes.String().serializer(),
                new AvroWireSerde<UserSettings>(registry, UserSettings.getClassSchema(), true).serializer());
        events = driver.createOutputTopic(topics.conversationEvents().name(), Serdes.String().deserializer(),
                new AvroWireSerde<ConversationEvent>(registry, ConversationEvent.getClassSchema(), true).deserializer());
        receipts = driver.createOutputTopic(topics.receipts().name(), Serdes.String().deserializer(),
                new AvroWireSerde<Receipt>(registry, Receipt.getClassSchema(), true).deserializer());
        results = driver.createOutputTopic(topics.actionResults().name(), Serdes.String().deserializer(),
                new AvroWireSerde<ActionResult>(registry, ActionResult.getClassSchema(), true).deserializer());
    }

    /** An action by {@code user} (device "<user>-phone") in a conversation. */
    ClientAction.Builder action(ActionType type, String conversation, String user) {
        now = now.plusSeconds(1);
        return ClientAction.newBuilder()
                .setActionId("a" + (++counter)).setType(type)
                .setConversationId(conversation).setSenderUserId(user).setSenderDeviceId(user + "-phone")
                .setClientMessageId("c" + counter).setEdgeId(3).setReceivedAt(now)
                .setPayload(ByteBuffer.allocate(0));
    }

    ClientAction.Builder message(String conversation, String user, String text) {
        return action(ActionType.SEND_MESSAGE, conversation, user).setPayload(ByteBuffer.wrap(text.getBytes()));
    }

    ClientAction.Builder createGroup(String group, String creator, String name, String... members) {
        return action(ActionType.CREATE_GROUP, group, creator).setSubjectUserIds(List.of(members))
                .setGroupInfo(GroupInfoChange.newBuilder().setName(name).build());
    }

    ClientAction.Builder onTarget(ActionType type, String conversation, String user, long targetSeq) {
        return action(type, conversation, user).setTargetSeq(targetSeq);
    }

    ClientAction.Builder subjects(ActionType type, String conversation, String user, String... subjects) {
        return action(type, conversation, user).setSubjectUserIds(List.of(subjects));
    }

    /** Pipes the action and returns its result (if the action produces one). */
    ActionResult pipe(ClientAction.Builder a) {
        ClientAction built = a.build();
        actions.pipeInput(built.getConversationId(), built);
        return results.isEmpty() ? null : results.readValuesToList().get(0);
    }

    /** Pipes the action, which must be accepted, and returns its seq. */
    long accepted(ClientAction.Builder a) {
        ActionResult r = pipe(a);
        if (r == null || r.getSeq() == null) {
            throw new AssertionError("not accepted: " + r);
        }
        return r.getSeq();
    }

    /** Pipes the action, which must be refused, and returns the error code; no event may come of it. */
    String refused(ClientAction.Builder a) {
        long before = events.getQueueSize();
        ActionResult r = pipe(a);
        if (r == null || r.getErrorCode() == null) {
            throw new AssertionError("not refused: " + r);
        }
        if (events.getQueueSize() != before) {
            throw new AssertionError("a refused action produced an event");
        }
        return r.getErrorCode();
    }

    void setReadReceipts(String user, boolean on) {
        settings.pipeInput(user, UserSettings.newBuilder().setUserId(user).setReadReceipts(on).setUpdatedAt(now).build());
    }

    void advance(Duration d) {
        now = now.plus(d);
    }

    /** The sequencer's state store (all kinds, keys with their one-character kind prefix). */
    org.apache.kafka.streams.state.KeyValueStore<String, byte[]> state() {
        return driver.getKeyValueStore(ConversationSequencer.STATE_STORE);
    }

    /** What the sequencer wrote to its state store's changelog topic so far (what a new owner of the task restores). */
    List<org.apache.kafka.streams.KeyValue<String, byte[]>> changelog() {
        return driver.createOutputTopic(applicationId + "-" + ConversationSequencer.STATE_STORE + "-changelog",
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer()).readKeyValuesToList();
    }

    /** One kind of the sequencer's state whose values are seqs. */
    org.apache.kafka.streams.state.KeyValueStore<String, Long> longs(SequencerState.Kind kind) {
        return SequencerState.longs(state(), kind);
    }

    @Override
    public void close() {
        driver.close();
    }
}
