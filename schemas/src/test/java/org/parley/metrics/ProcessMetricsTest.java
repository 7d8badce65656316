package org.parley.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class ProcessMetricsTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void reset() {
        ProcessMetrics.reset();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void theEndpointServesTheRegistryInThePrometheusTextFormat() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("parley.test.things").tags("role", "push").register(registry).increment(3);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, registry)) {
            HttpResponse<String> r = get(endpoint.port(), "/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains(MetricsEndpoint.CONTENT_TYPE);
            assertThat(r.body()).contains("# TYPE parley_test_things_total counter")
                    .contains("parley_test_things_total{role=\"push\"} 3.0");
            assertThat(get(endpoint.port(), "/other").statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port()
                    + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void theProcessEndpointCarriesJvmMetersAndRoleMetersOfEveryRole() throws Exception {
        int base = freePort();
        Settings s = Settings.of(Map.of("metrics.port", String.valueOf(base)));
        Optional<MetricsEndpoint> apps = ProcessMetrics.serve(s, "apps");
        assertThat(apps).isPresent();
        assertThat(apps.get().port()).isEqualTo(base);
        // a role starting later in the same JVM gets the same endpoint, not one of its own
        assertThat(ProcessMetrics.serve(s, "sequencer")).containsSame(apps.get());
        Counter.builder("parley.test.roles").tags(ProcessMetrics.role("edge")).register(ProcessMetrics.registry()).increment();
        String body = get(base, "/metrics").body();
        assertThat(body).contains("jvm_memory_used_bytes").contains("process_cpu_usage").contains("jvm_gc_")
                .contains("parley_test_roles_total{role=\"edge\"} 1.0");
    }

    @Test
    void portZeroStartsNoEndpointAndNoRoleStartsOneLater() throws Exception {
        int free = freePort();
        assertThat(ProcessMetrics.serve(Settings.of(Map.of("metrics.port", "0")), "apps")).isEmpty();
        assertThat(ProcessMetrics.serve(Settings.of(Map.of("metrics.port", String.valueOf(free))), "edge")).isEmpty();
        try (ServerSocket s = new ServerSocket(free)) {
            assertThat(s.isBound()).isTrue(); // nothing listens there
        }
    }

    @Test
    void aTakenPortFailsTheStartNamingTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Settings s = Settings.of(Map.of("metrics.port", String.valueOf(taken.getLocalPort())));
            assertThatThrownBy(() -> ProcessMetrics.serve(s, "apps")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort()).hasMessageContaining("metrics.port");
        }
    }
}
