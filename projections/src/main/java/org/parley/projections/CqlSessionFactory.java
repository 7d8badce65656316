package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.parley.config.Settings;

/** Opens the CQL session every Parley process uses, from settings (contact point, datacenter, keyspace). */
public final class CqlSessionFactory {
    private CqlSessionFactory() {
    }

    public static CqlSession open(Settings s, boolean withKeyspace) {
        String[] hostPort = s.cqlContactPoint().split(":");
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
                // Schema changes settle in ~10 ms instead of the default 1 s debounce.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(10))
                .withInt(DefaultDriverOption.CONNECTION_POOL_LOCAL_SIZE, 1)
                .build();
        var builder = CqlSession.builder()
                .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
                .withLocalDatacenter(s.get("cql.datacenter"))
                .withConfigLoader(config);
        if (withKeyspace) {
            builder.withKeyspace(s.get("cql.keyspace"));
        }
        return builder.build();
    }
}
