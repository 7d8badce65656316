package org.parley.fanout.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.BlobServerOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.parley.fanout.FanoutConfig;
import org.parley.fanout.FanoutJobConfig;
import org.parley.fanout.FanoutSinks;
import org.parley.fanout.FanoutSources;
import org.parley.fanout.FanoutTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the fan-out job in an in-process MiniCluster with the web dashboard: the local stack's way to run Flink.
 *
 * <ul>
 *   <li>Dashboard/REST on {@code bind.host:flink.rest-port}, blob server on {@code flink.blob-port}, every other
 *       socket bound to {@code bind.host} (RPC inside a MiniCluster is in-process). Job submission and the cancel
 *       button of the dashboard are off unless {@code flink.web-submit-enabled} / {@code flink.web-cancel-enabled}.</li>
 *   <li>Checkpoints in {@code <data.dir>/data/flink/checkpoints} (retained on cancellation), savepoints in
 *       {@code .../savepoints}. On start the newest completed one is restored, so inbox seqs and sessions survive
 *       a restart of the stack; older ones are pruned.</li>
 *   <li>{@link #stop} (the SIGTERM hook) stops the job with a savepoint, so a clean restart replays nothing;
 *       if that does not finish in time it cancels (the last checkpoint, at most a checkpoint interval old,
 *       is restored then).</li>
 * </ul>
 */
public final class LocalFanoutCluster {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFanoutCluster.class);
    private static final Duration STOP_WITH_SAVEPOINT_TIMEOUT = Duration.ofSeconds(8);
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(5);

    private final FanoutConfig config;
    private volatile JobClient job;
    private volatile boolean stopping;

    public LocalFanoutCluster(FanoutConfig config) {
        this.config = config;
    }

    /** The MiniCluster + job configuration, restoring from {@code restoreFrom} if present. */
    public static Configuration configuration(FanoutConfig c, Optional<RestorePoints.Point> restoreFrom) {
        Configuration conf = FanoutJobConfig.of(c);
        String host = c.bindHost();
        conf.set(RestOptions.PORT, c.restPort());
        conf.set(RestOptions.ADDRESS, host);
        conf.set(RestOptions.BIND_ADDRESS, host);
        conf.set(BlobServerOptions.PORT, String.valueOf(c.blobPort()));
        conf.set(JobManagerOptions.ADDRESS, host);
        conf.set(JobManagerOptions.BIND_HOST, host);
        conf.set(TaskManagerOptions.HOST, host);
        conf.set(TaskManagerOptions.BIND_HOST, host);
        conf.set(MetricOptions.QUERY_SERVICE_PORT, "0");
        // Flink's metrics into the process's /metrics (MicrometerReporter): no port of Flink's own for them.
        conf.set(org.apache.flink.configuration.ConfigOptions.key("metrics.reporter."
                + org.parley.fanout.metrics.MicrometerReporterFactory.NAME + ".factory.class").stringType()
                .noDefaultValue(), org.parley.fanout.metrics.MicrometerReporterFactory.class.getName());
        // No job jars uploaded and run through the dashboard/REST port (that would run anyone's code in this
        // process), no cancel button, unless a setting asks for them (docs/security.md).
        conf.set(WebOptions.SUBMIT_ENABLE, c.webSubmitEnabled());
        conf.set(WebOptions.CANCEL_ENABLE, c.webCancelEnabled());
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, c.checkpointsDir().toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, c.savepointsDir().toUri().toString());
        restoreFrom.ifPresent(p -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, p.dir().toUri().toString()));
        return conf;
    }

    /** Starts the MiniCluster and submits the job; returns once the job is submitted. */
    public JobClient start(FanoutSources sources, FanoutSinks sinks) throws Exception {
        try {
            Files.createDirectories(config.checkpointsDir());
            Files.createDirectories(config.savepointsDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + config.flinkDir(), e);
        }
        boolean restore = config.restoreOnStart();
        RestorePoints points = new RestorePoints(config.checkpointsDir(), config.savepointsDir());
        Optional<RestorePoints.Point> latest = restore ? points.latest() : Optional.empty();
        if (latest.isPresent()) {
            LOG.info("restoring the fan-out state from {} {}", latest.get().savepoint() ? "savepoint" : "checkpoint",
                    latest.get().dir());
        } else {
            LOG.info("no completed checkpoint in {}{}: starting with empty state (sources resume from the group's "
                    + "committed offsets, else the earliest)", config.flinkDir(), restore ? "" : " used");
        }
        points.pruneAllBut(latest);

        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(configuration(config, latest));
        FanoutTopology.build(env, sources, sinks, config.push());
        job = env.executeAsync(FanoutConfig.JOB_NAME);
        LOG.info("job {} submitted; dashboard at http://{}:{}/", job.getJobID(), config.bindHost(), config.restPort());
        return job;
    }

    /** Blocks until the job ends; returns normally if it ended because of {@link #stop}. */
    public void awaitTermination() throws Exception {
        try {
            JobExecutionResult result = job.getJobExecutionResult().get();
            LOG.info("job finished after {} ms", result.getNetRuntime());
        } catch (Exception e) {
            if (!stopping) {
                throw e;
            }
        }
    }

    /** Stops the job with a savepoint, else cancels it. Safe to call from a shutdown hook, idempotent. */
    public synchronized void stop() {
        JobClient j = job;
        if (stopping || j == null) {
            return;
        }
        stopping = true;
        try {
            String savepoint = j.stopWithSavepoint(false, config.savepointsDir().toUri().toString(),
                    SavepointFormatType.CANONICAL).get(STOP_WITH_SAVEPOINT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("job stopped with savepoint {}", savepoint);
        } catch (Exception e) {
            LOG.warn("stop with savepoint did not complete ({}); cancelling: the last checkpoint will be restored",
                    e.toString());
            try {
                j.cancel().get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception ce) {
                LOG.warn("cancel did not complete: {}", ce.toString());
            }
        }
        try {
            j.getJobExecutionResult().get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception ignored) {
            // cancelled or failed: either way it is over
        }
    }
}
