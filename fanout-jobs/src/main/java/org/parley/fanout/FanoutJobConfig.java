package org.parley.fanout;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import java.time.Duration;

/**
 * The job-level Flink configuration: valid both for the local MiniCluster and for a job submitted to a real
 * cluster (no ports, no paths: those belong to the cluster, see {@code LocalFanoutCluster}).
 */
public final class FanoutJobConfig {
    private FanoutJobConfig() {
    }

    public static Configuration of(FanoutConfig c) {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.DEFAULT_PARALLELISM, c.parallelism());
        conf.set(PipelineOptions.MAX_PARALLELISM, c.maxParallelism());
        conf.set(PipelineOptions.NAME, FanoutConfig.JOB_NAME);
        // Every record type has a Flink serializer (Avro or POJO): fail at graph build time, not silently use Kryo.
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Latency: flush network buffers after at most this long (Flink's default is 100 ms).
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, c.bufferTimeout());
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, c.checkpointInterval());
        // Aligned (exactly-once) checkpoints: the state snapshot matches the source offsets exactly, so after a
        // restore no record is sequenced twice (at-least-once checkpoints may snapshot a record's inbox seq while
        // its offset is replayed, giving it a second seq). Alignment on this shallow graph costs ~ms once per
        // interval; the sinks stay at-least-once, so no reader waits for a checkpoint. See docs/fanout.md.
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 1);
        conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        // Keep retrying while Kafka or the registry is away, backing off to at most 10 s between attempts.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(10));
        return conf;
    }
}
