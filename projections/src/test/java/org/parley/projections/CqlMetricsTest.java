package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import org.junit.jupiter.api.Test;

class CqlMetricsTest {
    @Test
    void theDriverReportsToMicrometerWithTaggedNamesUnderTheRolesSessionName() {
        DriverConfigLoader loader = CqlMetrics.configure(DriverConfigLoader.programmaticBuilder(), "push").build();
        DriverExecutionProfile p = loader.getInitialConfig().getDefaultProfile();
        assertThat(p.getString(DefaultDriverOption.SESSION_NAME)).isEqualTo("push");
        assertThat(p.getString(DefaultDriverOption.METRICS_FACTORY_CLASS)).isEqualTo("MicrometerMetricsFactory");
        assertThat(p.getString(DefaultDriverOption.METRICS_ID_GENERATOR_CLASS)).isEqualTo("TaggingMetricIdGenerator");
        assertThat(p.getString(DefaultDriverOption.METRICS_ID_GENERATOR_PREFIX)).isEqualTo("cql");
        assertThat(p.getStringList(DefaultDriverOption.METRICS_SESSION_ENABLED)).contains("cql-requests");
        assertThat(p.getStringList(DefaultDriverOption.METRICS_NODE_ENABLED)).contains("pool.in-flight");
        loader.close();
    }

    @Test
    void theDriversMicrometerFactoryIsOnTheClassPath() throws Exception {
        // the driver resolves the short name in this package; without the module a session would not open
        assertThat(Class.forName("com.datastax.oss.driver.internal.metrics.micrometer.MicrometerMetricsFactory"))
                .isNotNull();
    }
}
