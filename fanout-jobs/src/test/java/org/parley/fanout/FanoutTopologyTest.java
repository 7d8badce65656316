package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.Receipt;
import org.parley.fanout.kafka.KafkaFanoutSinks;
import org.parley.fanout.kafka.KafkaFanoutSources;

/** Builds the whole job graph (without running it) and checks its shape, names, uids and serializers. */
class FanoutTopologyTest {
    private final FanoutConfig config = FanoutConfig.from(Settings.of(Map.of("flink.parallelism", "3")));

    /** In-memory stand-ins for the Kafka topics. */
    static final class StubSources implements FanoutSources {
        @Override
        public SingleOutputStreamOperator<ConversationEvent> conversationEvents(StreamExecutionEnvironment env) {
            return env.fromData(new AvroTypeInfo<>(ConversationEvent.class),
                    Fixtures.event("c1", 1, "alice", "a1", "alice", "bob"));
        }

        @Override
        public SingleOutputStreamOperator<Receipt> receipts(StreamExecutionEnvironment env) {
            return env.fromData(new AvroTypeInfo<>(Receipt.class), Fixtures.receipt("c1", 1, "bob", "b1", "alice"));
        }

        @Override
        public SingleOutputStreamOperator<DeviceRecord> devices(StreamExecutionEnvironment env) {
            return env.fromData(new AvroTypeInfo<>(DeviceRecord.class), Fixtures.device("bob", "b1"));
        }

        @Override
        public SingleOutputStreamOperator<DeviceSession> deviceSessions(StreamExecutionEnvironment env) {
            return env.fromData(new AvroTypeInfo<>(DeviceSession.class), Fixtures.open("bob", "b1", "s1", 0));
        }

        @Override
        public SingleOutputStreamOperator<MemberItem> userItems(StreamExecutionEnvironment env) {
            return env.fromData(Types.POJO(MemberItem.class),
                    MemberItem.ofEvent("bob", null, Fixtures.event("c1", 1, "alice", "a1", "alice", "bob")));
        }
    }

    static final class StubSinks implements FanoutSinks {
        @Override
        public DataStreamSink<MemberItem> userItems(DataStream<MemberItem> items) {
            return items.sinkTo(new DiscardingSink<>());
        }

        @Override
        public DataStreamSink<DeviceDelivery> inbox(DataStream<DeviceDelivery> inboxEntries) {
            return inboxEntries.sinkTo(new DiscardingSink<>());
        }

        @Override
        public DataStreamSink<DeviceDelivery> edges(DataStream<DeviceDelivery> routed) {
            return routed.sinkTo(new DiscardingSink<>());
        }

        @Override
        public DataStreamSink<org.parley.events.PushRequest> pushRequests(
                DataStream<org.parley.events.PushRequest> requests) {
            return requests.sinkTo(new DiscardingSink<>());
        }
    }

    private StreamGraph build(FanoutSources sources, FanoutSinks sinks) {
        Configuration conf = FanoutJobConfig.of(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        FanoutTopology.build(env, sources, sinks, config.push());
        return env.getStreamGraph();
    }

    /** Whether an operator shown as {@code shown} is the one named {@code name} (Flink decorates sources, sinks). */
    static boolean isNamed(String shown, String name) {
        return shown.equals(name) || shown.equals("Source: " + name) || shown.startsWith(name + ": ");
    }

    private static StreamNode node(StreamGraph graph, String name) {
        return graph.getStreamNodes().stream().filter(n -> isNamed(n.getOperatorName(), name)).findFirst()
                .orElseThrow(() -> new AssertionError("no operator named '" + name + "' in "
                        + graph.getStreamNodes().stream().map(StreamNode::getOperatorName).toList()));
    }

    @Test
    void everyOperatorHasItsNameAndUid() {
        StreamGraph graph = build(new StubSources(), new StubSinks());
        List<String> names = graph.getStreamNodes().stream().map(StreamNode::getOperatorName).toList();

        for (String expected : FanoutTopology.OPERATOR_NAMES) {
            assertThat(names).as("operator names").anyMatch(n -> isNamed(n, expected));
        }
        List<String> uids = graph.getStreamNodes().stream().map(StreamNode::getTransformationUID)
                .filter(Objects::nonNull).toList();
        assertThat(uids).as("uids").containsAll(FanoutTopology.UIDS);
        assertThat(graph.getStreamNodes()).as("every operator has a uid")
                .allSatisfy(n -> assertThat(n.getTransformationUID()).as(n.getOperatorName()).isNotBlank());
        assertThat(graph.getJobName()).isEqualTo("parley-fanout");
    }

    @Test
    void theStatefulOperatorsAreFedByKeyedEdgesFromTheRightInputs() {
        StreamGraph graph = build(new StubSources(), new StubSinks());
        StreamNode directory = node(graph, FanoutTopology.DIRECTORY);
        StreamNode sequencer = node(graph, FanoutTopology.SEQUENCER);

        StreamNode userItemsSink = node(graph, FanoutTopology.SINK_USER_ITEMS);

        // The first half is stateless: every member item and every device change goes into the user-items log.
        assertThat(userItemsSink.getInEdges()).extracting(e -> graph.getStreamNode(e.getSourceId()).getOperatorName())
                .containsExactlyInAnyOrder(FanoutTopology.EXPAND_EVENTS, FanoutTopology.EXPAND_RECEIPTS,
                        FanoutTopology.DEVICE_CHANGES);
        // The directory reads that log only (items and device changes in one order), never a topic of its own.
        assertThat(directory.getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(KeyGroupStreamPartitioner.class))
                .satisfies(e -> assertThat(graph.getStreamNode(e.getSourceId()).getOperatorName())
                        .isEqualTo("Source: " + FanoutTopology.SOURCE_USER_ITEMS));
        assertThat(sequencer.getInEdges()).hasSize(2)
                .allSatisfy(e -> assertThat(e.getPartitioner()).isInstanceOf(KeyGroupStreamPartitioner.class));
        assertThat(sequencer.getInEdges()).extracting(e -> graph.getStreamNode(e.getSourceId()).getOperatorName())
                .containsExactlyInAnyOrder(FanoutTopology.DIRECTORY, "Source: " + FanoutTopology.SOURCE_SESSIONS);
        assertThat(directory.getOutEdges()).extracting(e -> graph.getStreamNode(e.getTargetId()).getOperatorName())
                .containsExactly(FanoutTopology.SEQUENCER);
        assertThat(sequencer.getOutEdges()).extracting(e -> graph.getStreamNode(e.getTargetId()).getOperatorName())
                .containsExactlyInAnyOrder(FanoutTopology.FILTER_INBOX, FanoutTopology.FILTER_ROUTED,
                        FanoutTopology.PUSH_DECISION);
        assertThat(sequencer.getParallelism()).isEqualTo(3);
        // The push decision is keyed by device: its mutes and unread counts live with the device's key.
        assertThat(node(graph, FanoutTopology.PUSH_DECISION).getInEdges()).singleElement()
                .satisfies(e -> assertThat(e.getPartitioner()).isInstanceOf(KeyGroupStreamPartitioner.class));
    }

    @Test
    void noRecordTypeFallsBackToKryo() {
        StreamGraph graph = build(new StubSources(), new StubSinks());

        List<TypeSerializer<?>> serializers = graph.getStreamNodes().stream()
                .flatMap(n -> Stream.concat(Arrays.stream(n.getTypeSerializersIn()),
                        Stream.of(n.getTypeSerializerOut())))
                .filter(Objects::nonNull).toList();
        assertThat(serializers).isNotEmpty().noneMatch(s -> s instanceof KryoSerializer);
        assertThat(graph.getExecutionConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }

    @Test
    void theJobGraphChainsTheSinksToTheSequencerAndIsCheckpointed() {
        JobGraph job = build(new StubSources(), new StubSinks()).getJobGraph();
        List<String> vertices = Stream.of(job.getVerticesAsArray()).map(JobVertex::getName).toList();

        assertThat(vertices).anyMatch(v -> v.contains(FanoutTopology.SEQUENCER)
                && v.contains(FanoutTopology.FILTER_INBOX) && v.contains(FanoutTopology.FILTER_ROUTED));
        assertThat(vertices).anyMatch(v -> v.startsWith(FanoutTopology.DIRECTORY));
        assertThat(job.getCheckpointingSettings()).isNotNull();
        assertThat(job.getCheckpointingSettings().getCheckpointCoordinatorConfiguration().getCheckpointInterval())
                .isEqualTo(10_000L);
        // Aligned barriers: state and source offsets agree, so a restore never sequences a record twice.
        assertThat(job.getCheckpointingSettings().getCheckpointCoordinatorConfiguration().isExactlyOnce()).isTrue();
        assertThat(job.getCheckpointingSettings().getCheckpointCoordinatorConfiguration()
                .isUnalignedCheckpointsEnabled()).isFalse();
    }

    @Test
    void theProductionGraphWithKafkaSourcesAndSinksBuildsWithoutKryo() {
        StreamGraph graph = build(new KafkaFanoutSources(config), new KafkaFanoutSinks(config));
        JobGraph job = graph.getJobGraph();

        List<String> names = graph.getStreamNodes().stream().map(StreamNode::getOperatorName).toList();
        for (String expected : FanoutTopology.OPERATOR_NAMES) {
            assertThat(names).as("operator names").anyMatch(n -> isNamed(n, expected));
        }
        // The stateless expansion runs chained to its Kafka source (same parallelism): no network hop.
        List<String> vertices = Stream.of(job.getVerticesAsArray()).map(JobVertex::getName).toList();
        assertThat(vertices).anyMatch(v -> v.contains(FanoutTopology.SOURCE_EVENTS)
                && v.contains(FanoutTopology.EXPAND_EVENTS));
        assertThat(vertices).anyMatch(v -> v.contains(FanoutTopology.SOURCE_RECEIPTS)
                && v.contains(FanoutTopology.EXPAND_RECEIPTS));
        assertThat(vertices).anyMatch(v -> v.startsWith(FanoutTopology.SEQUENCER)
                && v.contains(FanoutTopology.SINK_DELIVERIES) && v.contains(FanoutTopology.SINK_EDGE_DELIVERIES));
        assertThat(graph.getStreamNodes()).allSatisfy(n -> assertThat(n.getTransformationUID()).isNotBlank());
        assertThat(graph.getStreamNodes().stream().map(StreamNode::getTypeSerializerOut).filter(Objects::nonNull))
                .noneMatch(s -> s instanceof KryoSerializer);
    }
}
