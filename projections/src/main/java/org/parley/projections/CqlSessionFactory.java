package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.parley.config.Settings;

/** Opens the CQL session every Parley process uses, from settings (contact point, datacenter, keyspace). */
public final class CqlSessionFactory {
    /** In flight on the one connection per node: the native protocol's stream ids (v4+). */
    static final int MAX_REQUESTS_PER_CONNECTION = 32_768;

    private CqlSessionFactory() {
    }

    public static CqlSession open(Settings s, boolean withKeyspace) {
        return open(s, withKeyspace, null);
    }

    /**
     * The same, with the driver's request and connection-pool metrics in the process's registry
     * ({@link CqlMetrics}), tagged {@code session=<metricsRole>}; null: no metrics.
     */
    public static CqlSession open(Settings s, boolean withKeyspace, String metricsRole) {
        String[] hostPort = s.cqlContactPoint().split(":");
        var loader = DriverConfigLoader.programmaticBuilder();
        if (metricsRole != null) {
            CqlMetrics.configure(loader, metricsRole);
        }
        DriverConfigLoader config = loader
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
                // Schema changes settle in ~10 ms instead of the default 1 s debounce.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(10))
                .withInt(DefaultDriverOption.CONNECTION_POOL_LOCAL_SIZE, 1)
                // One group event of a 1,024-member group starts 1,025 writes at once, on top of the writer's window
                // (ProjectionWriter.MAX_IN_FLIGHT): past the default 1,024 requests per connection the driver refused
                // the rest ("No connection was available") and the batch was retried. Protocol v4+ has 32,768 stream
                // ids per connection; the node queues what it cannot run yet.
                .withInt(DefaultDriverOption.CONNECTION_MAX_REQUESTS, MAX_REQUESTS_PER_CONNECTION)
                .build();
        var builder = CqlSession.builder()
                .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
                .withLocalDatacenter(s.get("cql.datacenter"))
                .withConfigLoader(config);
        if (metricsRole != null) {
            builder.withMetricRegistry(org.parley.metrics.ProcessMetrics.registry());
        }
        if (withKeyspace) {
            builder.withKeyspace(s.get("cql.keyspace"));
        }
        return builder.build();
    }
}
