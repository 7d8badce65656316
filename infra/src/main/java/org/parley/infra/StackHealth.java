package org.parley.infra;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.parley.config.Settings;
import org.parley.metrics.MetricsPorts;

/**
 * Health and lag of the local stack's apps, for {@code ./parley status}: probes each app process's {@code /metrics}
 * ({@link MetricsPorts}; the layout from {@code stack.layout}, the edges from {@code edge.instances}) and reports every
 * consumer group's lag ({@link ConsumerLagReport}).
 *
 * <p>{@code StackHealth [--json]}: a table, or one JSON object ({@code components}, {@code groups}, {@code healthy}).
 * Exit status 0 when every process answers and the broker was reached, 1 otherwise, 2 on a bad argument.
 */
public final class StackHealth {
    private static final Pattern UPTIME = Pattern.compile("(?m)^process_uptime_seconds(?:\\{[^}]*})? ([0-9.eE+-]+)$");
    private static final Pattern ROLE = Pattern.compile("role=\"([a-z]+)\"");

    /** One app process and its endpoint (empty url: its endpoint is turned off). */
    public record Component(String name, String metricsRole, int edgeId) {
    }

    /** What a probe found. */
    public record Probe(String component, String url, String status, Double uptimeSeconds, List<String> roles) {
        public boolean up() {
            return status.equals("up") || status.equals("off");
        }
    }

    private StackHealth() {
    }

    /** The app processes of the stack's layout: "combined" → apps; "split" → each role and edge-0..N-1. */
    public static List<Component> components(Settings s) {
        String layout = s.find("stack.layout").orElse("combined");
        int edges = s.getInt("edge.instances");
        List<Component> out = new ArrayList<>();
        if (cluster(s)) {
            // The cluster topology: role-1..N of each role (the fan-out runs in the Flink session cluster: no endpoint).
            Map<String, String> counts = Map.of("sequencer", "cluster.sequencers", "presence", "cluster.presence",
                    "projections", "cluster.projections", "push", "cluster.push");
            for (String r : List.of("sequencer", "presence", "projections", "push")) {
                for (int i = 1; i <= s.getInt(counts.get(r)); i++) {
                    out.add(new Component(r + "-" + i, r, 0));
                }
            }
            for (int i = 0; i < edges; i++) {
                out.add(new Component("edge-" + i, "edge", i));
            }
            return out;
        }
        switch (layout) {
            case "combined" -> {
                out.add(new Component("apps", "apps", 0));
                for (int i = 1; i < edges; i++) {
                    out.add(new Component("edge-" + i, "edge", i));
                }
            }
            case "split" -> {
                for (String r : List.of("sequencer", "presence", "projections", "fanout", "push")) {
                    out.add(new Component(r, r, 0));
                }
                for (int i = 0; i < edges; i++) {
                    out.add(new Component("edge-" + i, "edge", i));
                }
            }
            default -> throw new IllegalStateException("stack.layout must be combined or split, not '" + layout + "'");
        }
        return out;
    }

    /** The endpoint of {@code c}, or empty when its port is 0. */
    public static Optional<URI> endpoint(Settings s, Component c) {
        Settings own = s.with(Map.of("edge.id", String.valueOf(c.edgeId())));
        String host = s.find("metrics.host").orElse(s.host());
        // Instance i of a role in the cluster topology: + (i-1) * cluster.metrics-instance-step (ComponentTable).
        Matcher instance = INSTANCE.matcher(c.name());
        int extra = cluster(s) && !c.metricsRole().equals("edge") && instance.matches()
                ? (Integer.parseInt(instance.group(1)) - 1) * s.getInt("cluster.metrics-instance-step") : 0;
        return MetricsPorts.port(own, c.metricsRole())
                .map(p -> URI.create("http://" + host + ":" + (p + extra) + "/metrics"));
    }

    private static final Pattern INSTANCE = Pattern.compile("[a-z]+-([0-9]+)");

    private static boolean cluster(Settings s) {
        return "cluster".equals(s.find("stack.topology").orElse("single"));
    }

    /** Reads a scrape: up with the process's uptime and the roles whose meters it carries. */
    public static Probe parse(String component, String url, int status, String body) {
        if (status != 200) {
            return new Probe(component, url, "HTTP " + status, null, List.of());
        }
        Matcher m = UPTIME.matcher(body);
        Double uptime = m.find() ? Double.valueOf(m.group(1)) : null;
        TreeSet<String> roles = new TreeSet<>();
        Matcher r = ROLE.matcher(body);
        while (r.find()) {
            roles.add(r.group(1));
        }
        return new Probe(component, url, uptime == null ? "not a Parley metrics endpoint" : "up", uptime,
                List.copyOf(roles));
    }

    static Probe probe(HttpClient http, Settings s, Component c) {
        Optional<URI> uri = endpoint(s, c);
        if (uri.isEmpty()) {
            return new Probe(c.name(), "", "off", null, List.of());
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.get()).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return parse(c.name(), uri.get().toString(), r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(c.name(), uri.get().toString(), "interrupted", null, List.of());
        } catch (Exception e) {
            return new Probe(c.name(), uri.get().toString(), "down (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", null, List.of());
        }
    }

    public static void main(String[] args) throws Exception {
        Logging.useToolConfig();
        boolean json = false;
        for (String a : args) {
            if (a.equals("--json")) {
                json = true;
            } else {
                System.err.println("usage: StackHealth [--json]: unknown argument '" + a + "'");
                System.exit(2);
            }
        }
        Report report = collect(Settings.load());
        PrintStream out = System.out;
        if (json) {
            out.println(report.json());
        } else {
            report.print(out);
        }
        out.flush();
        System.exit(report.healthy() ? 0 : 1);
    }

    /** What {@link #collect} found: each process's probe, each consumer group's lag (or why the broker was not read). */
    public record Report(List<Probe> probes, List<ConsumerLagReport.GroupLag> groups, String kafkaError,
                         boolean healthy) {
        public String json() {
            return toJson(probes, groups, kafkaError, healthy);
        }

        public void print(PrintStream out) {
            printTable(out, probes, groups, kafkaError);
        }
    }

    /** Probes every app process of the stack's layout and reads every consumer group's committed lag. */
    public static Report collect(Settings settings) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        List<Probe> probes = new ArrayList<>();
        for (Component c : components(settings)) {
            probes.add(probe(http, settings, c));
        }
        List<ConsumerLagReport.GroupLag> groups = List.of();
        String kafkaError = null;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(p)) {
            groups = ConsumerLagReport.fetch(admin, Duration.ofSeconds(10));
        } catch (Exception e) {
            kafkaError = "consumer lag not read from " + settings.kafkaBootstrap() + ": " + e;
        }
        boolean healthy = kafkaError == null && probes.stream().allMatch(Probe::up);
        return new Report(List.copyOf(probes), groups, kafkaError, healthy);
    }

    static String toJson(List<Probe> probes, List<ConsumerLagReport.GroupLag> groups, String kafkaError,
                         boolean healthy) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode cs = root.putArray("components");
        for (Probe p : probes) {
            ObjectNode o = cs.addObject().put("component", p.component()).put("metrics", p.url())
                    .put("status", p.status()).put("up", p.up());
            if (p.uptimeSeconds() != null) {
                o.put("uptimeSeconds", p.uptimeSeconds());
            }
            ArrayNode roles = o.putArray("roles");
            p.roles().forEach(roles::add);
        }
        ArrayNode gs = root.putArray("groups");
        for (ConsumerLagReport.GroupLag g : groups) {
            ObjectNode o = gs.addObject().put("group", g.group()).put("state", g.state()).put("lag", g.total())
                    .put("maxPartitionLag", g.max());
            ArrayNode parts = o.putArray("partitions");
            for (ConsumerLagReport.PartitionLag pl : g.partitions()) {
                parts.addObject().put("topic", pl.topic()).put("partition", pl.partition())
                        .put("committed", pl.committed()).put("end", pl.end()).put("lag", pl.lag());
            }
        }
        if (kafkaError != null) {
            root.put("kafkaError", kafkaError);
        }
        root.put("healthy", healthy);
        return root.toString();
    }

    static void printTable(PrintStream out, List<Probe> probes, List<ConsumerLagReport.GroupLag> groups,
                           String kafkaError) {
        out.printf("%-14s %-8s %-10s %-40s %s%n", "PROCESS", "STATUS", "UPTIME", "METRICS", "ROLES");
        for (Probe p : probes) {
            out.printf("%-14s %-8s %-10s %-40s %s%n", p.component(), p.status().startsWith("down") ? "down"
                            : p.status().length() > 8 ? "error" : p.status(),
                    p.uptimeSeconds() == null ? "-" : String.format("%.0f s", p.uptimeSeconds()),
                    p.url().isEmpty() ? "(off)" : p.url(), String.join(",", p.roles()));
            if (!p.up() && p.status().length() > 8) {
                out.println("    " + p.status());
            }
        }
        out.println();
        if (kafkaError != null) {
            out.println(kafkaError);
            return;
        }
        out.printf("%-32s %-12s %10s %10s %s%n", "CONSUMER GROUP", "STATE", "LAG", "MAX", "PARTITIONS");
        for (ConsumerLagReport.GroupLag g : groups) {
            out.printf("%-32s %-12s %10d %10d %d%n", g.group(), g.state(), g.total(), g.max(), g.partitions().size());
        }
    }
}
