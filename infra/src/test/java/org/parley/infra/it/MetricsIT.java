package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.infra.ConsumerLagReport;
import org.parley.infra.StackHealth;
import org.parley.schemas.CodeOutbox;

/**
 * Every app process of the real stack serves /metrics with its meters; traffic moves the edge's frame counters and
 * action latency timer; the lag report lists the app consumer groups (docs/operations.md, "Metrics and logs").
 */
class MetricsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();
    private static Settings settings;
    private static String edge;

    @BeforeAll
    static void start() {
        settings = EDGES.stack().settings();
        edge = EDGES.url();
    }

    private static StackHealth.Component component(String name) {
        return StackHealth.components(settings).stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static String scrape(String component) throws Exception {
        URI uri = StackHealth.endpoint(settings, component(component)).orElseThrow();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(uri.toString()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return r.body();
    }

    /** The value of one sample, 0 when absent: {@code name{labels...}} where every given label matches. */
    private static double sample(String body, String name, Map<String, String> labels) {
        double sum = 0;
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} ([0-9.eE+-]+)$").matcher(body);
        while (m.find()) {
            String l = m.group(1);
            if (labels.entrySet().stream().allMatch(e -> l.contains(e.getKey() + "=\"" + e.getValue() + "\""))) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /** The broker's and Cassandra's endpoints (the JMX exporter agent in their JVMs): their own beans, live. */
    @Test
    void theBrokerAndCassandraServeTheirServerMetrics() throws Exception {
        String host = settings.find("metrics.host").filter(h -> !h.isBlank()).orElse(settings.get("bind.host"));
        for (String[] server : new String[][] {
                {"kafka", "kafka_server_brokertopicmetrics_count", "MessagesInPerSec"},
                {"cql", "org_apache_cassandra_metrics_clientrequest_count", "Latency"}}) {
            int port = org.parley.metrics.MetricsPorts.port(settings, server[0]).orElseThrow();
            URI uri = URI.create("http://" + host + ":" + port + "/metrics");
            // The stack has been writing since it started: the counters have moved.
            await(server[0] + "'s " + server[1]).atMost(WAIT).untilAsserted(() -> {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(uri.toString()).isEqualTo(200);
                assertThat(sample(r.body(), server[1], Map.of("name", server[2]))).as(uri + " " + server[1]).isPositive();
            });
        }
    }

    @Test
    void everyAppProcessServesItsMeters() throws Exception {
        List<StackHealth.Component> components = StackHealth.components(settings);
        assertThat(components).isNotEmpty();
        for (StackHealth.Component c : components) {
            String body = scrape(c.name());
            assertThat(body).as(c.name()).contains("process_uptime_seconds").contains("jvm_memory_used_bytes")
                    .contains("jvm_gc_").contains("process_cpu_usage");
        }
        if (components.stream().anyMatch(c -> c.name().equals("sequencer"))) { // split layout: each role's own
            assertThat(scrape("sequencer")).contains("kafka_stream_").contains("role=\"sequencer\"");
            assertThat(scrape("presence")).contains("kafka_stream_").contains("role=\"presence\"");
            String projections = scrape("projections");
            assertThat(projections).contains("kafka_consumer_fetch_manager_records_lag_max")
                    .contains("cql_session_cql_requests_seconds_bucket").contains("session=\"projections\"");
            await().atMost(WAIT).untilAsserted(() -> assertThat(scrape("fanout"))
                    .contains("flink_jobmanager_job_numRestarts").contains("flink_taskmanager_job_task_operator_")
                    .contains("role=\"fanout\""));
            assertThat(scrape("push")).contains("kafka_consumer_").contains("role=\"push\"");
        }
    }

    @Test
    void trafficMovesTheEdgeFrameCountersAndTheActionLatencyTimer() throws Exception {
        String edgeProcess = StackHealth.components(settings).stream().anyMatch(c -> c.name().equals("edge-0"))
                ? "edge-0" : "apps";
        String before = scrape(edgeProcess);
        Map<String, String> send = Map.of("role", "edge", "type", "send");
        Map<String, String> sent = Map.of("role", "edge", "type", "sent");
        Map<String, String> accepted = Map.of("role", "edge", "outcome", "accepted");
        double sendsBefore = sample(before, "parley_edge_frames_in_total", send);
        double sentBefore = sample(before, "parley_edge_frames_out_total", sent);
        double timedBefore = sample(before, "parley_edge_action_latency_seconds_count", accepted);

        ParleyClient.Device a = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), edge, a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), edge, b, null, WAIT)) {
            for (int i = 1; i <= 3; i++) {
                alice.send("m" + i, b.userId(), new byte[] {(byte) i});
                String id = "m" + i;
                alice.awaitFrame(f -> is(f, "sent", id), WAIT);
            }
            bob.awaitFrame(f -> is(f, "message", "m3"), WAIT);
            String after = scrape(edgeProcess);
            assertThat(sample(after, "parley_edge_frames_in_total", send)).isGreaterThanOrEqualTo(sendsBefore + 3);
            assertThat(sample(after, "parley_edge_frames_out_total", sent)).isGreaterThanOrEqualTo(sentBefore + 3);
            assertThat(sample(after, "parley_edge_action_latency_seconds_count", accepted))
                    .isGreaterThanOrEqualTo(timedBefore + 3);
            assertThat(sample(after, "parley_edge_action_latency_seconds_bucket", Map.of("outcome", "accepted",
                    "le", "+Inf"))).isGreaterThanOrEqualTo(timedBefore + 3);
            assertThat(sample(after, "parley_edge_connections", Map.of("role", "edge"))).isGreaterThanOrEqualTo(2);
            assertThat(sample(after, "parley_edge_frames_out_total", Map.of("role", "edge", "type", "message")))
                    .isGreaterThanOrEqualTo(1);
            assertThat(after).contains("cql_session_cql_requests_seconds_bucket").contains("session=\"edge\"")
                    .contains("kafka_producer_");
        }
    }

    @Test
    void theLagReportListsTheAppConsumerGroups() throws Exception {
        // A message through the whole pipeline: every app group then has consumed, and commits (the fan-out's
        // sources on their next checkpoint, flink.checkpoint-interval-ms).
        ParleyClient.Device a = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), edge, a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), edge, b, null, WAIT)) {
            alice.send("lag-1", b.userId(), new byte[] {1});
            bob.awaitFrame(f -> is(f, "message", "lag-1"), WAIT);
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                List<ConsumerLagReport.GroupLag> groups = ConsumerLagReport.fetch(admin, Duration.ofSeconds(10));
                assertThat(groups).extracting(ConsumerLagReport.GroupLag::group).contains(
                        settings.get("streams.application-id"), settings.get("presence.application-id"),
                        settings.get("projections.group-id"), settings.get("push.group-id"));
                assertThat(groups).anySatisfy(g -> assertThat(g.group()).startsWith("parley-fanout"));
                for (String committing : List.of(settings.get("streams.application-id"), settings.get("projections.group-id"))) {
                    assertThat(groups).filteredOn(g -> g.group().equals(committing)).singleElement()
                            .satisfies(g -> assertThat(g.partitions()).as(committing).isNotEmpty()
                                    .allSatisfy(pl -> assertThat(pl.committed()).isLessThanOrEqualTo(pl.end())));
                }
            });
        }
    }

    @Test
    void statusShowsEachProcessHealthAndEveryGroupsLag() {
        LocalStackExtension.Result r = EDGES.stack().parley("status", "--json");
        String json = r.lines().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow(
                () -> new AssertionError("no JSON in ./parley status --json:\n" + r.output()));
        JsonObject status = new JsonObject(json);
        assertThat(r.exitCode()).as(status.encodePrettily()).isZero();
        JsonObject health = status.getJsonObject("health");
        assertThat(health.getBoolean("healthy")).as(health.encodePrettily()).isTrue();
        assertThat(health.getJsonArray("components")).isNotEmpty()
                .allSatisfy(c -> assertThat(((JsonObject) c).getString("status")).isEqualTo("up"));
        assertThat(health.getJsonArray("groups")).extracting(g -> ((JsonObject) g).getString("group"))
                .contains(settings.get("streams.application-id"), settings.get("projections.group-id"));
    }
}
