package org.parley.fanout.metrics;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.parley.metrics.ProcessMetrics;

/**
 * Flink's way to the {@link MicrometerReporter} (found through {@code META-INF/services}): the local MiniCluster names
 * it in {@code metrics.reporter.parley.factory.class} (LocalFanoutCluster), and the reporter writes into the
 * process's registry, tagged {@code role=fanout}.
 */
public final class MicrometerReporterFactory implements MetricReporterFactory {
    /** The reporter's name in Flink's configuration ({@code metrics.reporter.<name>.*}). */
    public static final String NAME = "parley";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new MicrometerReporter(ProcessMetrics.registry(), ProcessMetrics.role("fanout"));
    }
}
