package org.parley.bench.jmh;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
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
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceSession;
import org.parley.events.EventType;
import org.parley.fanout.DeviceInboxSequencer;
import org.parley.fanout.KeySelectors;
import org.parley.fanout.MemberItem;

/**
 * The fan-out step: one conversation event for one device through {@link DeviceInboxSequencer} (per-device inbox
 * seq in keyed state, routing to the device's session), in Flink's keyed two-input operator harness (heap state
 * backend; as in the job, no Kryo fallback); 10,000 devices in turn, each with an open session. The CPU cost per
 * (event, device) delivery, plus the harness copying each output record with its serializer (as a chained
 * operator's output would not).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.util=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class FanoutStepBench {
    private KeyedTwoInputStreamOperatorTestHarness<String, DeviceItem, DeviceSession, DeviceDelivery> harness;
    private DeviceItem[] items;
    private long n;

    @Setup
    public void setUp() throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new DeviceInboxSequencer()),
                new KeySelectors.DeviceItemDevice(), new KeySelectors.DeviceSessionDevice(), Types.STRING);
        // as the job: no Kryo fallback (pipeline.generic-types false), Avro records use their Avro serializers
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        harness.getExecutionConfig().getSerializerConfig().configure(conf, FanoutStepBench.class.getClassLoader());
        harness.open();
        items = new DeviceItem[10_000];
        for (int i = 0; i < items.length; i++) {
            String user = "u" + i;
            String device = user + "-1";
            harness.processElement2(DeviceSession.newBuilder().setDeviceId(device).setUserId(user).setSessionId("s" + i)
                    .setEdgeId(0).setAt(Instant.now()).build(), 0L);
            ConversationEvent event = ConversationEvent.newBuilder().setEventId("dm:x:" + user + "/1")
                    .setConversationId("dm:x:" + user).setSeq(1).setType(EventType.MESSAGE).setSenderUserId("x")
                    .setSenderDeviceId("x-1").setClientMessageId("cm").setMemberUserIds(List.of("x", user))
                    .setSentAt(Instant.now()).setMediaType(null).setPayload(ByteBuffer.wrap(new byte[100])).build();
            items[i] = MemberItem.ofEvent(user, null, event).forDevice(device);
        }
        harness.getOutput().clear();
    }

    @Benchmark
    public int deliverOneEventToOneDevice() throws Exception {
        harness.processElement1(items[(int) (n++ % items.length)], 0L);
        int size = harness.getOutput().size();
        harness.getOutput().clear();
        return size;
    }

    @TearDown
    public void tearDown() throws Exception {
        harness.close();
    }
}
