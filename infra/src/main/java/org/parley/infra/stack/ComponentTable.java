package org.parley.infra.stack;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.parley.config.AppMains;
import org.parley.infra.stack.Component.Kind;
import org.parley.infra.stack.Component.Port;
import org.parley.infra.stack.Component.Readiness;
import org.parley.infra.stack.StackSettings.Layout;
import org.parley.metrics.MetricsPorts;

/**
 * The local stack's components as data, the one place of the app → module → main class → JVM options → ports →
 * readiness table (docs/operations.md): the four services, then the apps of the configured layout (split: sequencer,
 * presence, projections, fanout, push, edge-0; combined: apps), then edge-1 … edge-N-1.
 */
public final class ComponentTable {
    /** The roles the combined process runs ({@code org.parley.launcher.AppRole} names). */
    public static final String COMBINED_ROLES = "sequencer,presence,projections,fanout,push,edge";
    /** The READY lines the combined process prints, one per role. */
    public static final List<String> COMBINED_READY = List.of("sequencer", "presence", "projections", "fanout", "push",
            "edge-0");

    private final StackSettings settings;
    private final List<Component> services;
    private final List<Component> apps;
    private final List<Component> otherLayoutApps;
    private final Map<String, Map<String, String>> instanceEnv = new HashMap<>();

    private ComponentTable(StackSettings s) {
        this.settings = s;
        String host = s.host();
        int kafka = s.getInt("kafka.port");
        int cql = s.getInt("cql.port");
        int s3 = s.getInt("s3.port");
        int registry = s.getInt("registry.port");
        if (s.cluster()) {
            services = clusterServices(s);
            apps = clusterApps(s);
            otherLayoutApps = List.of();
            return;
        }
        services = List.of(
                new Component("kafka", Kind.SERVICE, "kafka", "kafka.Kafka", "jvm.kafka",
                        concat(List.of(port(s, "kafka.port"), port(s, "kafka.controller-port")), metrics(s, "kafka", 0)),
                        Readiness.tcpAndLog(kafka, "Kafka Server started"), List.of()),
                new Component("cql", Kind.SERVICE, "cassandra", "org.apache.cassandra.service.CassandraDaemon", "jvm.cql",
                        concat(List.of(port(s, "cql.port"), port(s, "cql.storage-port"), port(s, "cql.jmx-port")),
                                metrics(s, "cql", 0)),
                        Readiness.tcpAndLog(cql, "Startup complete"), List.of()),
                new Component("s3", Kind.SERVICE, "s3proxy", "org.gaul.s3proxy.Main", "jvm.s3", List.of(port(s, "s3.port")),
                        Readiness.http(s3, "/", 0), List.of()),
                new Component("registry", Kind.SERVICE, "registry", "io.quarkus.bootstrap.runner.QuarkusEntryPoint",
                        "jvm.registry", List.of(port(s, "registry.port"), port(s, "registry.management-port")),
                        Readiness.http(registry, "/apis/ccompat/v7/subjects", 200), List.of()));
        List<Component> split = splitApps(s);
        List<Component> combined = List.of(combinedApps(s));
        List<Component> a = new ArrayList<>(s.layout() == Layout.SPLIT ? split : combined);
        for (int i = 1; i < s.edgeInstances(); i++) {
            a.add(edge(s, i));
        }
        apps = List.copyOf(a);
        otherLayoutApps = s.layout() == Layout.SPLIT ? combined : split;
        if (host.isBlank()) {
            throw new StackException("bind.host is empty");
        }
    }

    /**
     * The cluster's services: kafka-1..N (KRaft broker+controller each), cql-1..N, then the single s3 and registry.
     */
    private static List<Component> clusterServices(StackSettings s) {
        List<Component> out = new ArrayList<>();
        for (ClusterTopology.KafkaNode k : ClusterTopology.kafkaNodes(s.settings())) {
            out.add(new Component(k.name(), Kind.SERVICE, "kafka", "kafka.Kafka", "jvm.kafka",
                    concat(List.of(new Port("kafka.port (" + k.name() + ")", k.port()),
                            new Port("kafka.controller-port (" + k.name() + ")", k.controllerPort())),
                            nodeMetrics(s, "kafka", k.name(), k.id())),
                    Readiness.tcpAndLog(k.port(), "Kafka Server started"), List.of()));
        }
        for (ClusterTopology.CqlNode c : ClusterTopology.cqlNodes(s.settings())) {
            out.add(new Component(c.name(), Kind.SERVICE, "cassandra", "org.apache.cassandra.service.CassandraDaemon",
                    "jvm.cql", concat(List.of(new Port("cql.port (" + c.name() + ")", c.port()),
                            new Port("cql.storage-port (" + c.name() + ")", c.storagePort()),
                            new Port("cql.jmx-port (" + c.name() + ")", c.jmxPort())),
                            nodeMetrics(s, "cql", c.name(), c.id())),
                    Readiness.tcpAndLog(c.port(), "Startup complete"), List.of()));
        }
        out.add(new Component("s3", Kind.SERVICE, "s3proxy", "org.gaul.s3proxy.Main", "jvm.s3",
                List.of(port(s, "s3.port")), Readiness.http(s.getInt("s3.port"), "/", 0), List.of()));
        out.add(new Component("registry", Kind.SERVICE, "registry", "io.quarkus.bootstrap.runner.QuarkusEntryPoint",
                "jvm.registry", List.of(port(s, "registry.port"), port(s, "registry.management-port")),
                Readiness.http(s.getInt("registry.port"), "/apis/ccompat/v7/subjects", 200), List.of()));
        return List.copyOf(out);
    }

    /**
     * Node i (1..N) of the broker or CQL cluster: its exporter's /metrics port, metrics.port + 40 + i (Kafka) or
     * + 45 + i (CQL), past the app instances' ports and clear of the Flink and edge ports above metrics.port + 20.
     */
    private static List<Port> nodeMetrics(StackSettings s, String role, String name, int id) {
        int base = s.getInt("metrics.port");
        if (base == 0 || MetricsPorts.port(s.settings(), role).isEmpty()) {
            return List.of();
        }
        return List.of(new Port("metrics.port (" + name + ")", base + (role.equals("kafka") ? 40 : 45) + id));
    }

    /**
     * The cluster's apps, each instance its own process: sequencer-1..N, presence-1..N, projections-1..N, fanout,
     * push-1..N, edge-0..N-1. Instance i of a role gets its own /metrics port (+ (i-1) * cluster.metrics-instance-step)
     * and, for the Streams roles, its own state folder.
     */
    private List<Component> clusterApps(StackSettings s) {
        List<Component> out = new ArrayList<>();
        int step = s.getInt("cluster.metrics-instance-step");
        for (String role : List.of("sequencer", "presence", "projections", "fanout", "push")) {
            String module = switch (role) {
                case "sequencer", "presence" -> "stream-jobs";
                case "fanout" -> "fanout-jobs";
                case "push" -> "push-gateway";
                default -> "projections";
            };
            String main = org.parley.config.AppMains.valueOf(role.toUpperCase(java.util.Locale.ROOT)).mainClass();
            if (role.equals("fanout")) {
                out.addAll(flinkCluster(s));
                continue;
            }
            int n = ClusterTopology.instances(s.settings(), role);
            for (int i = 1; i <= n; i++) {
                String name = role + "-" + i;
                Map<String, String> env = new LinkedHashMap<>();
                List<Port> ports = List.of();
                Optional<Integer> base = MetricsPorts.port(s.settings(), role);
                if (base.isPresent()) {
                    int p = base.get() + (i - 1) * step;
                    env.put(org.parley.config.Settings.envName("metrics." + role + ".port"), String.valueOf(p));
                    ports = List.of(new Port("metrics.port (" + name + ")", p));
                }
                if (role.equals("sequencer") || role.equals("presence")) {
                    env.put(org.parley.config.Settings.envName("streams.state-dir"),
                            s.data().resolve("streams-" + name).toString());
                }
                instanceEnv.put(name, Map.copyOf(env));
                out.add(new Component(name, Kind.APP, module, main, "jvm." + role, ports,
                        Readiness.logLines(List.of(readyLine(role))), List.of()));
            }
        }
        for (int i = 0; i < s.edgeInstances(); i++) {
            out.add(edge(s, i));
        }
        return List.copyOf(out);
    }

    /** The main classes of the Flink session cluster's processes (from the "flink" library). */
    public static final String FLINK_JOBMANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    public static final String FLINK_TASKMANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

    /**
     * The fan-out's Flink session cluster: flink-jobmanager (dashboard/REST on flink.rest-port, blob server, RPC) and
     * flink-taskmanager-1..N. The job is submitted to it once they are ready (StackSupervisor).
     */
    private static List<Component> flinkCluster(StackSettings s) {
        List<Component> out = new ArrayList<>();
        out.add(new Component("flink-jobmanager", Kind.APP, "flink", FLINK_JOBMANAGER_MAIN, "jvm.flink",
                List.of(port(s, "flink.rest-port"), port(s, "flink.blob-port"),
                        new Port("flink.blob-port+1 (jobmanager rpc)", ClusterTopology.flinkJobManagerRpcPort(s.settings()))),
                Readiness.http(s.getInt("flink.rest-port"), "/overview", 200), List.of()));
        for (ClusterTopology.FlinkTaskManager tm : ClusterTopology.flinkTaskManagers(s.settings())) {
            out.add(new Component(tm.name(), Kind.APP, "flink", FLINK_TASKMANAGER_MAIN, "jvm.flink",
                    List.of(new Port("flink.blob-port+" + 2 * tm.id() + " (" + tm.name() + " rpc)", tm.rpcPort()),
                            new Port("flink.blob-port+" + (2 * tm.id() + 1) + " (" + tm.name() + " data)", tm.dataPort())),
                    Readiness.logLines(List.of("Successful registration at resource manager")), List.of()));
        }
        return out;
    }

    /** Whether c is a process of the Flink session cluster (its code is the "flink" library, not a module). */
    public static boolean isFlink(Component c) {
        return c.module().equals("flink");
    }

    /** The environment an app instance gets on top of the stack's (its metrics port, its state folder); may be empty. */
    public Map<String, String> env(Component c) {
        return instanceEnv.getOrDefault(c.name(), Map.of());
    }

    public static ComponentTable of(StackSettings settings) {
        return new ComponentTable(settings);
    }

    private static Port port(StackSettings s, String key) {
        return new Port(key, s.getInt(key));
    }

    private static List<Component> splitApps(StackSettings s) {
        List<Port> flink = List.of(port(s, "flink.rest-port"), port(s, "flink.blob-port"));
        return List.of(
                app("sequencer", "stream-jobs", AppMains.SEQUENCER.mainClass(), metrics(s, "sequencer", 0)),
                app("presence", "stream-jobs", AppMains.PRESENCE.mainClass(), metrics(s, "presence", 0)),
                app("projections", "projections", AppMains.PROJECTIONS.mainClass(),
                        metrics(s, "projections", 0)),
                app("fanout", "fanout-jobs", AppMains.FANOUT.mainClass(), concat(flink, metrics(s, "fanout", 0))),
                app("push", "push-gateway", AppMains.PUSH.mainClass(), metrics(s, "push", 0)),
                edge(s, 0));
    }

    /** The process's /metrics port (metrics.port + the role's offset; none when turned off), checked like the rest. */
    private static List<Port> metrics(StackSettings s, String role, int edgeId) {
        return MetricsPorts.port(s.settings().with(Map.of("edge.id", String.valueOf(edgeId))), role)
                .map(p -> List.of(new Port("metrics.port (" + role + ")", p))).orElse(List.of());
    }

    private static List<Port> concat(List<Port> a, List<Port> b) {
        List<Port> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    private static Component app(String name, String module, String main, List<Port> ports) {
        return new Component(name, Kind.APP, module, main, "jvm." + name, ports,
                Readiness.logLines(List.of(readyLine(name))), List.of());
    }

    private static Component combinedApps(StackSettings s) {
        return new Component("apps", Kind.APP, "launcher", "org.parley.launcher.RoleLauncher", "jvm.apps",
                concat(List.of(new Port("edge.port+0", s.edgePort(0)), port(s, "flink.rest-port"),
                        port(s, "flink.blob-port")), metrics(s, "apps", 0)),
                Readiness.logLines(COMBINED_READY.stream().map(ComponentTable::readyLine).toList()),
                List.of(COMBINED_ROLES));
    }

    /** edge-i: listens on edge.port + i ({@link StackSettings#edgePort(int)}). */
    static Component edge(StackSettings s, int i) {
        return new Component("edge-" + i, Kind.APP, "ingest-edge", AppMains.EDGE.mainClass(), "jvm.edge",
                concat(List.of(new Port("edge.port+" + i, s.edgePort(i))), metrics(s, "edge", i)),
                Readiness.logLines(List.of(readyLine("edge-" + i))),
                List.of());
    }

    static String readyLine(String name) {
        return "PARLEY READY " + name + "\\b";
    }

    public StackSettings settings() {
        return settings;
    }

    /** kafka, cql, s3, registry: the order of status and of the port checks. */
    public List<Component> services() {
        return services;
    }

    /** The apps of the configured layout and edge count, in start order. */
    public List<Component> apps() {
        return apps;
    }

    /** The apps of the other layout (an up of one layout refuses while these run; down stops them too). */
    public List<Component> otherLayoutApps() {
        return otherLayoutApps;
    }

    /** Services then apps. */
    public List<Component> all() {
        List<Component> all = new ArrayList<>(services);
        all.addAll(apps);
        return all;
    }

    public Optional<Component> find(String name) {
        for (Component c : all()) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        for (Component c : otherLayoutApps) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        if (name.matches("edge-[0-9]+")) {
            return Optional.of(edge(settings, Integer.parseInt(name.substring(5))));
        }
        return Optional.empty();
    }

    /**
     * The first port configured for two components (e.g. edge.port + 1 = flink.rest-port with two edges), as the
     * message {@code ./parley} refuses with; empty if every port is distinct.
     */
    public Optional<String> portConflict() {
        Map<Integer, String> owner = new HashMap<>();
        for (Component c : all()) {
            for (Port p : c.ports()) {
                String previous = owner.putIfAbsent(p.port(), c.name() + " (" + p.setting() + ")");
                if (previous != null) {
                    return Optional.of("port " + p.port() + " is configured twice: " + previous + " and " + c.name()
                            + " (" + p.setting() + "); change one in parley.conf");
                }
            }
        }
        return Optional.empty();
    }

    /** Every component name by kind, for messages. */
    public Map<String, List<String>> names() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("services", services.stream().map(Component::name).toList());
        m.put("apps", apps.stream().map(Component::name).toList());
        return m;
    }
}
