package org.parley.fanout.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.fanout.FanoutConfig;
import org.parley.fanout.FanoutJobConfig;

/**
 * The cluster topology's promise for the fan-out: a TaskManager dies and the job goes on on the other, from its last
 * checkpoint, with its keyed state exact. Two TaskManagers of two slots, the job at the fan-out's parallelism (2) with
 * its job configuration (checkpointing, exponential-delay restarts), one slot used on each TaskManager; one
 * TaskManager is terminated after a checkpoint. The job must finish, restarted (attempt 1) on the one left, and each
 * key's counter (keyed state, like the inbox seq) must have counted every input once: no count lost or repeated
 * across the restore (the sink is at-least-once, so a count may be emitted twice, never differently).
 */
class TaskManagerLossTest {
    private static final int RECORDS = 400;
    private static final int KEYS = 4;
    static final ConcurrentLinkedQueue<long[]> OUT = new ConcurrentLinkedQueue<>();
    static final AtomicInteger CHECKPOINTS = new AtomicInteger();
    static final Set<Integer> ATTEMPTS = ConcurrentHashMap.newKeySet();

    @Test
    void theJobRestoresOnTheOtherTaskManagerWithItsStateExact() throws Exception {
        FanoutConfig fanout = FanoutConfig.from(Settings.of(Map.of("flink.checkpoint-interval-ms", "200")));
        Configuration conf = FanoutJobConfig.of(fanout);
        conf.setString("taskmanager.load-balance.mode", "SLOTS"); // one slot on each TaskManager: either loss hits it
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(500));
        conf.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(3));
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(2).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.fromSource(new DataGeneratorSource<>(i -> i, RECORDS, RateLimiterStrategy.perSecond(40), Types.LONG),
                            WatermarkStrategy.noWatermarks(), "numbers")
                    // One reader, as one Kafka partition feeds a key: a replay meets the keys' inputs in the same order.
                    .setParallelism(1)
                    .keyBy(i -> i % KEYS)
                    .map(new Count())
                    .sinkTo(new Collect());
            JobID job = cluster.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();

            await("a checkpoint completed and counting is under way").atMost(Duration.ofSeconds(60))
                    .until(() -> CHECKPOINTS.get() >= 2 && OUT.size() >= RECORDS / 4);
            int before = OUT.size();
            cluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);

            JobResult result = cluster.requestJobResult(job).get(120, TimeUnit.SECONDS);
            assertThat(result.isSuccess()).as("job result %s", result.getSerializedThrowable()).isTrue();
            assertThat(before).isLessThan(RECORDS);
            assertThat(ATTEMPTS).as("the tasks ran again after the loss").contains(1);

            Map<Long, Set<Long>> counts = OUT.stream().collect(Collectors.groupingBy(r -> r[0],
                    Collectors.mapping(r -> r[1], Collectors.toCollection(TreeSet::new))));
            assertThat(counts).hasSize(KEYS);
            counts.forEach((key, seen) -> assertThat(List.copyOf(seen)).as("counts of key %d", key)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, RECORDS / KEYS).boxed().toList()));
            // The same input always got the same count: a count emitted twice (replayed after the restore) is an exact copy.
            assertThat(OUT.stream().map(r -> r[0] + "/" + r[1] + "/" + r[2]).distinct().count())
                    .isEqualTo(OUT.stream().map(r -> r[0] + "/" + r[1]).distinct().count());
        }
    }

    /** Per key: the number of inputs so far (keyed state), emitted with the input. */
    static final class Count extends RichMapFunction<Long, long[]> implements CheckpointListener {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            ATTEMPTS.add(getRuntimeContext().getTaskInfo().getAttemptNumber());
        }

        @Override
        public long[] map(Long value) throws Exception {
            long n = count.value() == null ? 1 : count.value() + 1;
            count.update(n);
            return new long[] {value % KEYS, n, value};
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    /** Collects into {@link #OUT} (the MiniCluster runs in this JVM). */
    static final class Collect implements Sink<long[]> {
        @Override
        public SinkWriter<long[]> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(long[] element, Context c) {
                    OUT.add(element);
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
