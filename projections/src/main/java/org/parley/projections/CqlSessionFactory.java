package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        List<InetSocketAddress> contactPoints = contactPoints(s.cqlContactPoint());
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
                // cql.consistency: LOCAL_ONE on one node; QUORUM where the keyspace has 3 replicas (cluster topology).
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, consistency(s))
                .build();
        var builder = CqlSession.builder()
                .addContactPoints(contactPoints)
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

    /** host:port[,host:port...] of cql.contact-point, each checked. */
    static List<InetSocketAddress> contactPoints(String list) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String one : list.split(",")) {
            String hp = one.trim();
            int colon = hp.lastIndexOf(':');
            if (hp.isEmpty() || colon <= 0 || colon == hp.length() - 1) {
                throw new IllegalStateException("cql.contact-point: '" + hp + "' is not host:port (in '" + list + "')");
            }
            int port;
            try {
                port = Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalStateException("cql.contact-point: port of '" + hp + "' is not a number (in '" + list
                        + "')");
            }
            out.add(new InetSocketAddress(hp.substring(0, colon), port));
        }
        return out;
    }

    /** cql.consistency as a driver consistency level name (LOCAL_ONE when unset), checked. */
    static String consistency(Settings s) {
        String level = s.find("cql.consistency").orElse("LOCAL_ONE").toUpperCase(Locale.ROOT);
        try {
            com.datastax.oss.driver.api.core.DefaultConsistencyLevel.valueOf(level);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cql.consistency must be a consistency level such as LOCAL_ONE or QUORUM, not '"
                    + level + "'");
        }
        return level;
    }
}
