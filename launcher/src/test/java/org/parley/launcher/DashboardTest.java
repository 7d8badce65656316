package org.parley.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.parley.edge.metrics.EdgeMetrics;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.metrics.ProcessMetrics;
import org.parley.projections.CqlMetrics;

/**
 * docs/grafana/parley.json cannot drift from the meters: every metric name its queries use is one a Parley process
 * registers (the JVM meters, the edge's, the Kafka clients', the CQL driver's as CqlMetrics enables them).
 */
class DashboardTest {
    private static final Pattern METRIC = Pattern.compile(
            "\\b((?:parley|jvm|process|system|kafka|cql|flink)_[a-zA-Z0-9_]+)\\b");
    private static JsonNode dashboard;
    private static Set<String> registered;

    @BeforeAll
    static void load() throws Exception {
        dashboard = new ObjectMapper().readTree(Files.readString(Path.of("..", "docs", "grafana", "parley.json")));
        registered = registeredNames();
    }

    /** The sample names a process's /metrics shows, from the code's own meters. */
    private static Set<String> registeredNames() {
        PrometheusMeterRegistry registry = ProcessMetrics.registry(); // with the JVM and process meters
        EdgeMetrics edge = new EdgeMetrics(registry);
        edge.gauges(() -> 1, () -> 0);
        edge.actionCompleted(System.nanoTime() - 5_000_000, ActionResult.newBuilder().setActionId("a").setDeviceId("d")
                .setConversationId("dm:a:b").setOutcome(ActionOutcome.ACCEPTED).build());
        edge.actionTimedOut(System.nanoTime());
        edge.frameOut("{\"type\":\"error\",\"code\":\"INTERNAL\"}");
        // The driver's meters as CqlMetrics enables them: timers for requests and throttling, gauges and counters else.
        for (String m : CqlMetrics.SESSION_METRICS) {
            String name = "cql.session." + m;
            if (m.equals("cql-requests") || m.equals("throttling.delay")) {
                Timer.builder(name).tag("session", "edge").publishPercentileHistogram().register(registry)
                        .record(Duration.ofMillis(2));
            } else {
                Gauge.builder(name, () -> 0).tag("session", "edge").register(registry);
            }
        }
        for (String m : CqlMetrics.NODE_METRICS) {
            Gauge.builder("cql.nodes." + m, () -> 0).tag("session", "edge").tag("node", "n").register(registry);
        }
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // never polled: no connection
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "dashboard-test");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                     new ByteArraySerializer());
             KafkaClientMetrics cm = new KafkaClientMetrics(consumer, ProcessMetrics.role("projections"));
             KafkaClientMetrics pm = new KafkaClientMetrics(producer, ProcessMetrics.role("edge"))) {
            cm.bindTo(registry);
            pm.bindTo(registry);
            return sampleNames(registry.scrape());
        }
    }

    static Set<String> sampleNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        return names;
    }

    private static List<String> metricsIn(String expr) {
        List<String> out = new ArrayList<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theDashboardHasAPrometheusDatasourceVariableThatEveryPanelUses() {
        JsonNode vars = dashboard.get("templating").get("list");
        assertThat(vars).anySatisfy(v -> {
            assertThat(v.get("type").asText()).isEqualTo("datasource");
            assertThat(v.get("query").asText()).isEqualTo("prometheus");
            assertThat(v.get("name").asText()).isEqualTo("datasource");
        });
        assertThat(dashboard.get("panels")).isNotEmpty().allSatisfy(p -> {
            assertThat(p.get("datasource").get("uid").asText()).as(p.get("title").asText()).isEqualTo("${datasource}");
            assertThat(p.get("targets")).as(p.get("title").asText()).isNotEmpty();
        });
    }

    @Test
    void everyQueryUsesOnlyMetricsTheCodeRegisters() {
        List<String> exprs = new ArrayList<>();
        dashboard.get("panels").forEach(p -> p.get("targets").forEach(t -> {
            String expr = t.get("expr").asText();
            assertThat(metricsIn(expr)).as("panel '%s' query %s names a metric", p.get("title").asText(), expr)
                    .isNotEmpty();
            exprs.add(expr);
        }));
        dashboard.get("templating").get("list").forEach(v -> {
            if (v.has("definition")) {
                exprs.add(v.get("definition").asText());
            }
        });
        for (String expr : exprs) {
            assertThat(registered).as("metrics of %s", expr).containsAll(metricsIn(expr));
        }
    }

    @Test
    void theFiguresThatMatterHavePanels() {
        Set<String> used = new TreeSet<>();
        dashboard.get("panels").forEach(p -> p.get("targets").forEach(t -> used.addAll(metricsIn(t.get("expr").asText()))));
        assertThat(used).contains("parley_edge_connections", "parley_edge_frames_in_total", "parley_edge_frames_out_total",
                "parley_edge_errors_total", "parley_edge_action_latency_seconds_bucket",
                "kafka_consumer_fetch_manager_records_lag_max", "cql_session_cql_requests_seconds_bucket",
                "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum", "process_cpu_usage");
    }

    @Test
    void aMetricTheCodeDoesNotRegisterIsCaught() {
        assertThat(registered).doesNotContain("parley_edge_conections").contains("parley_edge_connections");
        assertThat(metricsIn("sum(rate(parley_edge_frames_in_total[5m])) / on(instance) jvm_threads_live_threads"))
                .containsExactly("parley_edge_frames_in_total", "jvm_threads_live_threads");
    }
}
