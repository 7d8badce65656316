package org.parley.fanout;

import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.parley.serde.TrustedEventClasses;
import org.parley.config.Settings;
import org.parley.fanout.kafka.KafkaFanoutSinks;
import org.parley.fanout.kafka.KafkaFanoutSources;
import org.parley.fanout.local.LocalFanoutCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out job's entry point.
 *
 * <ul>
 *   <li>Run as a plain Java program ({@code ./parley}): starts a local MiniCluster with the dashboard
 *       ({@link LocalFanoutCluster}), submits the job, prints {@code PARLEY READY fanout} and runs until SIGTERM.</li>
 *   <li>Submitted to a Flink cluster ({@code flink run}, or the REST jar upload): builds the same topology into the
 *       cluster's environment and executes it there; checkpoint storage and restore are the cluster's
 *       ({@code execution.checkpointing.dir}, {@code flink run -s}).</li>
 * </ul>
 * Settings: see {@link FanoutConfig}.
 */
public final class FanoutJob {
    private static final Logger LOG = LoggerFactory.getLogger(FanoutJob.class);
    public static final String READY_LINE = "PARLEY READY fanout";

    private FanoutJob() {
    }

    public static void main(String[] args) throws Exception {
        TrustedEventClasses.install();
        Settings settings = Settings.load();
        FanoutConfig config = FanoutConfig.from(settings);
        StreamExecutionEnvironment context = StreamExecutionEnvironment.getExecutionEnvironment(
                FanoutJobConfig.of(config));
        if (!(context instanceof LocalStreamEnvironment)) {
            runOnCluster(context, config);
        } else {
            // The local MiniCluster's metrics: this process's endpoint (a Flink cluster has its own reporters).
            org.parley.metrics.ProcessMetrics.serve(settings, "fanout");
            runLocally(config);
        }
    }

    private static void runOnCluster(StreamExecutionEnvironment env, FanoutConfig config) throws Exception {
        LOG.info("submitting {} to the Flink cluster", FanoutConfig.JOB_NAME);
        FanoutTopology.build(env, new KafkaFanoutSources(config), new KafkaFanoutSinks(config), config.push());
        env.execute(FanoutConfig.JOB_NAME);
    }

    private static void runLocally(FanoutConfig config) throws Exception {
        LocalFanoutCluster cluster = new LocalFanoutCluster(config);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "parley-fanout-shutdown"));
        cluster.start(new KafkaFanoutSources(config), new KafkaFanoutSinks(config));
        System.out.println(READY_LINE);
        System.out.flush();
        try {
            cluster.awaitTermination();
        } catch (Exception e) {
            LOG.error("the fan-out job failed", e);
            System.exit(1);
        }
    }
}
