package org.parley.bench.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.config.Settings;
import org.parley.events.ClientAction;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.schemas.Conversations;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerializer;
import org.parley.streams.SequencerTopology;

/**
 * The sequencer step: one SEND_MESSAGE action through the real topology ({@code SequencerTopology.build}: the
 * ConversationSequencer with its RocksDB stores, Avro serde in and out) in a TopologyTestDriver, 1,000 conversations
 * in turn, a new clientMessageId each time. No broker, no transaction. The driver commits, and so flushes the RocksDB
 * stores, after every record, which the app does once per commit interval: an upper bound of the per-action cost,
 * not the app's cost per action.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SequencerStepBench {
    private TopologyTestDriver driver;
    private TestInputTopic<String, ClientAction> actions;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> results;
    private String[] conversations;
    private long n;
    private Path stateDir;

    @Setup
    public void setUp() throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        TopicCatalog topics = TopicCatalog.from(Settings.of(Map.of()));
        StreamsBuilder builder = new StreamsBuilder();
        SequencerTopology.build(builder, topics, registry);
        stateDir = Files.createTempDirectory(Path.of(System.getProperty("user.dir")), "jmh-sequencer-state");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh-sequencer");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        actions = driver.createInputTopic(topics.actions().name(), new StringSerializer(), new AvroWireSerializer<>(registry, true));
        events = driver.createOutputTopic(topics.conversationEvents().name(), new StringDeserializer(), new ByteArrayDeserializer());
        results = driver.createOutputTopic(topics.actionResults().name(), new StringDeserializer(), new ByteArrayDeserializer());
        conversations = new String[1000];
        for (int i = 0; i < conversations.length; i++) {
            conversations[i] = Conversations.direct("a" + i, "b" + i);
        }
    }

    @Benchmark
    public long topologyTestDriver() {
        long i = n++;
        String conversation = conversations[(int) (i % conversations.length)];
        String sender = Conversations.members(conversation).orElseThrow().get(0);
        actions.pipeInput(conversation, MicroFixtures.sendAction(conversation, sender, "cm-" + i, 0));
        return events.readRecordsToList().size() + results.readRecordsToList().size();
    }

    @TearDown
    public void tearDown() throws Exception {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
