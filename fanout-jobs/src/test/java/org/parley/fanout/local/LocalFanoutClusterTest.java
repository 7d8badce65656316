package org.parley.fanout.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.BlobServerOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.fanout.FanoutConfig;

class LocalFanoutClusterTest {
    private final FanoutConfig config = FanoutConfig.from(Settings.of(Map.of(
            "data.dir", "target/test-data-dir", "flink.rest-port", "38081", "flink.blob-port", "38082")));

    @Test
    void theClusterBindsLoopbackOnTheConfiguredPortsAndTunesForLatency() {
        Configuration conf = LocalFanoutCluster.configuration(config, Optional.empty());

        assertThat(conf.get(RestOptions.PORT)).isEqualTo(38081);
        assertThat(conf.get(RestOptions.ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(conf.get(RestOptions.BIND_ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(conf.get(BlobServerOptions.PORT)).isEqualTo("38082");
        assertThat(conf.get(JobManagerOptions.BIND_HOST)).isEqualTo("127.0.0.1");
        assertThat(conf.get(TaskManagerOptions.BIND_HOST)).isEqualTo("127.0.0.1");
        assertThat(conf.get(ExecutionOptions.BUFFER_TIMEOUT)).isEqualTo(Duration.ZERO); // flushed per record, no flusher thread
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(conf.get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(2);
        assertThat(conf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(conf.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(conf.contains(StateRecoveryOptions.SAVEPOINT_PATH)).isFalse();
    }

    @Test
    void checkpointsGoUnderTheAbsoluteDataDirAndTheLatestIsRestored() {
        Path dataDir = Path.of("target/test-data-dir").toAbsolutePath().normalize();
        RestorePoints.Point point = new RestorePoints.Point(dataDir.resolve("data/flink/checkpoints/j/chk-5"),
                FileTime.fromMillis(1), 5, false);

        Configuration conf = LocalFanoutCluster.configuration(config, Optional.of(point));

        assertThat(config.checkpointsDir()).isEqualTo(dataDir.resolve("data/flink/checkpoints")).isAbsolute();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo(dataDir.resolve("data/flink/checkpoints").toUri().toString()).startsWith("file:/");
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY))
                .isEqualTo(dataDir.resolve("data/flink/savepoints").toUri().toString());
        assertThat(conf.get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo(point.dir().toUri().toString());
    }

    @Test
    void flinkStateDirOverridesTheDataDir() {
        FanoutConfig c = FanoutConfig.from(Settings.of(Map.of("data.dir", "ignored", "flink.state-dir", "/var/x")));

        assertThat(c.checkpointsDir()).isEqualTo(Path.of("/var/x/checkpoints"));
        assertThat(c.savepointsDir()).isEqualTo(Path.of("/var/x/savepoints"));
    }

    @Test
    void theDashboardNeitherRunsUploadedJarsNorCancelsJobsByDefault() {
        Configuration conf = LocalFanoutCluster.configuration(config, Optional.empty());

        assertThat(conf.get(WebOptions.SUBMIT_ENABLE)).isFalse();
        assertThat(conf.get(WebOptions.CANCEL_ENABLE)).isFalse();
    }

    @Test
    void settingsCanTurnJobSubmissionAndCancelOnForALocalCluster() {
        FanoutConfig c = FanoutConfig.from(Settings.of(Map.of("data.dir", "target/test-data-dir",
                "flink.web-submit-enabled", "true", "flink.web-cancel-enabled", "true")));

        Configuration conf = LocalFanoutCluster.configuration(c, Optional.empty());

        assertThat(conf.get(WebOptions.SUBMIT_ENABLE)).isTrue();
        assertThat(conf.get(WebOptions.CANCEL_ENABLE)).isTrue();
    }
}
