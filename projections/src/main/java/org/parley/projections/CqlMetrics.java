package org.parley.projections;

import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import java.time.Duration;
import java.util.List;

/**
 * The CQL driver's metrics in the process's Micrometer registry (docs/operations.md, "Metrics and logs"): the driver's
 * Micrometer factory with tagged names, prefixed {@code cql}, the session named after the role, so a scrape shows
 * e.g. {@code cql_session_cql_requests_seconds_bucket{session="projections"}} (request latency, with a histogram) and
 * {@code cql_nodes_pool_in_flight{session="edge",node="127.0.0.1:29042"}}. The driver updates them as requests
 * complete, with no allocation of meters per request.
 */
public final class CqlMetrics {
    /** Session-wide metrics enabled. */
    public static final List<String> SESSION_METRICS = List.of("cql-requests", "cql-client-timeouts", "connected-nodes",
            "bytes-sent", "bytes-received", "throttling.delay");
    /** Per-node metrics enabled (a node tag: bounded by the cluster's size). */
    public static final List<String> NODE_METRICS = List.of("pool.open-connections", "pool.in-flight", "errors.request.aborted",
            "errors.request.write-timeouts", "errors.request.read-timeouts", "errors.request.unavailables",
            "errors.request.others", "errors.connection.init");

    private CqlMetrics() {
    }

    /** Configures the driver's metrics for a session of {@code role}. */
    public static ProgrammaticDriverConfigLoaderBuilder configure(ProgrammaticDriverConfigLoaderBuilder b, String role) {
        return b.withString(DefaultDriverOption.SESSION_NAME, role)
                .withString(DefaultDriverOption.METRICS_FACTORY_CLASS, "MicrometerMetricsFactory")
                .withString(DefaultDriverOption.METRICS_ID_GENERATOR_CLASS, "TaggingMetricIdGenerator")
                .withString(DefaultDriverOption.METRICS_ID_GENERATOR_PREFIX, "cql")
                .withStringList(DefaultDriverOption.METRICS_SESSION_ENABLED, SESSION_METRICS)
                .withStringList(DefaultDriverOption.METRICS_NODE_ENABLED, NODE_METRICS)
                .withBoolean(DefaultDriverOption.METRICS_GENERATE_AGGREGABLE_HISTOGRAMS, true)
                .withDuration(DefaultDriverOption.METRICS_SESSION_CQL_REQUESTS_HIGHEST, Duration.ofSeconds(12))
                .withDuration(DefaultDriverOption.METRICS_SESSION_CQL_REQUESTS_LOWEST, Duration.ofMillis(1));
    }
}
