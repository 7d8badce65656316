package org.parley.infra.stack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.parley.infra.stack.Component.Port;
import org.parley.infra.stack.StackProcesses.Started;

/**
 * The local stack supervisor: {@code up}, {@code down}, {@code status} and {@code config} of {@code ./parley} as a Java
 * API (the command line is {@link ParleyCommand}; the integration tests call this directly). Every component comes
 * from the {@link ComponentTable}, every setting from {@link StackSettings}.
 */
public final class StackSupervisor {
    private static final List<String> FLINK_OPENS = List.of("--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");

    private final StackSettings settings;
    private final ComponentTable table;
    private final StackProcesses processes;
    private final Console console;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** What the up in progress started (rolled back on failure or interrupt), with the log offsets of this start. */
    private final List<Started> started = new ArrayList<>();
    private volatile boolean upInProgress;

    public StackSupervisor(StackSettings settings, Console console) {
        this.settings = settings;
        this.table = ComponentTable.of(settings);
        this.processes = new StackProcesses(settings);
        this.console = console;
    }

    public StackSettings settings() {
        return settings;
    }

    public ComponentTable table() {
        return table;
    }

    public StackProcesses processes() {
        return processes;
    }

    // ---------------------------------------------------------------------------------------------------- status

    /** One component's state. */
    public record ComponentStatus(Component component, Optional<ProcessHandle> process, Optional<Long> rssMb, Path log) {
        public boolean running() {
            return process.isPresent();
        }

        public String name() {
            return component.name();
        }
    }

    /** The services, and unless servicesOnly the apps, in status order. */
    public List<ComponentStatus> status(boolean servicesOnly) {
        List<Component> comps = servicesOnly ? table.services() : table.all();
        List<ComponentStatus> out = new ArrayList<>();
        for (Component c : comps) {
            Optional<ProcessHandle> p = processes.live(c.name());
            out.add(new ComponentStatus(c, p, p.flatMap(h -> StackProcesses.rssMb(h.pid())), processes.logFile(c.name())));
        }
        return out;
    }

    /** The status lines of {@code ./parley status}. */
    public static List<String> statusLines(List<ComponentStatus> status) {
        List<String> lines = new ArrayList<>();
        for (ComponentStatus s : status) {
            String port = s.component().mainPort().map(String::valueOf).orElse("-");
            if (s.running()) {
                lines.add(String.format("%-12s running  pid %-7s port %-6s rss %5s MB", s.name(), s.process().get().pid(),
                        port, s.rssMb().map(String::valueOf).orElse("?")));
            } else {
                lines.add(String.format("%-12s stopped  %-11s port %-6s", s.name(), "", port));
            }
        }
        return lines;
    }

    /** {@code ./parley status --json}: one object, for tools. */
    public String statusJson(List<ComponentStatus> status) {
        StringBuilder b = new StringBuilder();
        b.append("{\"layout\":").append(Json.str(settings.layout().id()))
                .append(",\"topology\":").append(Json.str(settings.topology().id()))
                .append(",\"host\":").append(Json.str(settings.host()))
                .append(",\"dataDir\":").append(Json.str(settings.dataDir().toString()))
                .append(",\"allRunning\":").append(status.stream().allMatch(ComponentStatus::running))
                .append(",\"components\":[");
        for (int i = 0; i < status.size(); i++) {
            ComponentStatus s = status.get(i);
            Component c = s.component();
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"name\":").append(Json.str(c.name()))
                    .append(",\"kind\":").append(Json.str(c.isService() ? "service" : "app"))
                    .append(",\"state\":").append(Json.str(s.running() ? "running" : "stopped"))
                    .append(",\"pid\":").append(s.process().map(p -> String.valueOf(p.pid())).orElse("null"))
                    .append(",\"port\":").append(c.mainPort().map(String::valueOf).orElse("null"))
                    .append(",\"ports\":{");
            for (int j = 0; j < c.ports().size(); j++) {
                Port p = c.ports().get(j);
                b.append(j > 0 ? "," : "").append(Json.str(p.setting())).append(':').append(p.port());
            }
            b.append("},\"rssMb\":").append(s.rssMb().map(String::valueOf).orElse("null"))
                    .append(",\"log\":").append(Json.str(s.log().toString())).append('}');
        }
        return b.append("]}").toString();
    }

    // ---------------------------------------------------------------------------------------------------- config

    /** Writes {@code <data.dir>/run/effective.conf}, the PARLEY_CONFIG of every process, and returns its path. */
    public Path writeEffectiveConfig() {
        Path file = settings.run().resolve("effective.conf");
        StringBuilder b = new StringBuilder();
        b.append("# Generated by ./parley at ")
                .append(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(". Effective settings: defaults < ")
                .append(settings.configSource().map(Path::toString).orElse("no config file"))
                .append(" < PARLEY_* environment.\n");
        settings.effective().forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        try {
            Files.createDirectories(settings.run());
            Path tmp = file.resolveSibling("effective.conf.tmp");
            Files.writeString(tmp, b.toString());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The environment every process of the stack gets on top of the supervisor's: PARLEY_CONFIG. */
    private Map<String, String> appEnv(Path effective) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PARLEY_CONFIG", effective.toString());
        return env;
    }

    // ---------------------------------------------------------------------------------------------------- down

    /** Stops everything (no names) or the named components: apps first (edges, then jobs), then the services. */
    public void down(List<String> names) {
        List<String> apps = new ArrayList<>();
        List<String> appNames = table.apps().stream().map(Component::name).toList();
        List<String> stale = new ArrayList<>();
        List<String> staleServices = new ArrayList<>();
        // Pid files of components this table does not have: edges of a larger edge.instances, or the other topology's
        // processes (kafka-1, cql-2, sequencer-2, ... while single is configured, or kafka, cql ... while cluster is).
        for (String c : pidFileComponents()) {
            if (appNames.contains(c) || table.services().stream().anyMatch(x -> x.name().equals(c))) {
                continue;
            }
            if (isServiceName(c)) {
                staleServices.add(c);
            } else {
                stale.add(c);
            }
        }
        for (int i = appNames.size() - 1; i >= 0; i--) {
            apps.add(appNames.get(i));
        }
        for (Component c : table.otherLayoutApps()) { // left running by an up in the other layout
            if (processes.isRunning(c.name()) && !apps.contains(c.name()) && !stale.contains(c.name())) {
                stale.add(c.name());
            }
        }
        List<String> allApps = new ArrayList<>(stale);
        allApps.addAll(apps);
        List<String> services = new ArrayList<>(staleServices);
        for (int i = table.services().size() - 1; i >= 0; i--) {
            services.add(table.services().get(i).name());
        }
        List<String> stopApps = allApps;
        List<String> stopServices = services;
        if (!names.isEmpty()) {
            List<String> all = new ArrayList<>(allApps);
            all.addAll(services);
            for (String n : names) {
                if (!all.contains(n)) {
                    throw new StackException("down: unknown component '" + n + "' (known: " + String.join(" ", all) + ")");
                }
            }
            stopApps = allApps.stream().filter(names::contains).toList();
            stopServices = services.stream().filter(names::contains).toList();
        }
        List<String> every = new ArrayList<>(stopApps);
        every.addAll(stopServices);
        if (every.stream().noneMatch(processes::isRunning)) {
            for (String c : every) {
                try {
                    Files.deleteIfExists(processes.pidFile(c));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            console.say("nothing to stop");
            return;
        }
        if (stopApps.contains("flink-jobmanager") && processes.isRunning("flink-jobmanager")) {
            flink().stopJobWithSavepoint();
        }
        processes.stopGroup(stopApps, console);
        processes.stopGroup(stopServices, console);
        console.say("down in " + console.elapsed() + " (data kept in " + settings.data() + ")");
    }

    /** The components with a pid file in the run folder, sorted (edges first, so they stop before the jobs). */
    List<String> pidFileComponents() {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(settings.run())) {
            return found;
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(settings.run(), "*.pid")) {
            pids.forEach(p -> found.add(p.getFileName().toString().replaceAll("\\.pid$", "")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        found.sort(Comparator.comparing((String c) -> !c.startsWith("edge-")).thenComparing(Comparator.naturalOrder()));
        return found;
    }

    /** A service of either topology: kafka, kafka-N, cql, cql-N, s3, registry. */
    static boolean isServiceName(String c) {
        return c.matches("(kafka|cql)(-[0-9]+)?|s3|registry");
    }

    // ---------------------------------------------------------------------------------------------------- up

    /** What {@code ./parley up} was asked for. */
    public record UpOptions(boolean clean, boolean servicesOnly, List<String> apps) {
        public static UpOptions all() {
            return new UpOptions(false, false, List.of());
        }

        public static UpOptions servicesOnlyUp() {
            return new UpOptions(false, true, List.of());
        }
    }

    public boolean upInProgress() {
        return upInProgress;
    }

    /**
     * Starts what is not running. On a failure it prints the reason and the component's log tail, stops what this run
     * started and throws a {@link StackException} (exit 1).
     */
    public void up(UpOptions options) {
        List<Component> apps;
        if (!options.apps().isEmpty()) {
            if (options.servicesOnly() || options.clean()) {
                throw new StackException("up: app names go without --services-only and --clean");
            }
            apps = new ArrayList<>();
            for (String a : options.apps()) {
                apps.add(table.apps().stream().filter(c -> c.name().equals(a)).findFirst()
                        .orElseThrow(() -> new StackException("up: '" + a + "' is not an app (apps: "
                                + String.join(" ", table.apps().stream().map(Component::name).toList()) + ")")));
            }
        } else {
            apps = table.apps();
        }
        List<Component> wanted = new ArrayList<>(table.services());
        if (!options.servicesOnly()) {
            wanted.addAll(apps);
        }
        if (options.clean()) {
            for (Component c : table.all()) {
                if (processes.isRunning(c.name())) {
                    throw new StackException("up --clean: the stack is (partly) running (" + c.name()
                            + "); run ./parley down first");
                }
            }
        }
        for (Component c : table.otherLayoutApps()) {
            if (processes.isRunning(c.name())) {
                throw new StackException("up: " + c.name() + " is running, from the other stack.layout than '"
                        + settings.layout().id() + "'; run ./parley down first");
            }
        }
        for (String c : pidFileComponents()) {
            if (table.find(c).isEmpty() && !c.matches("edge-[0-9]+") && processes.isRunning(c)) {
                throw new StackException("up: " + c + " is running, from the other stack.topology than '"
                        + settings.topology().id() + "'; run ./parley down first");
            }
        }
        List<Component> missing = wanted.stream().filter(c -> !processes.isRunning(c.name())).toList();
        if (missing.isEmpty()) {
            console.say("the stack is already up");
            statusLines(status(options.servicesOnly())).forEach(console.out()::println);
            return;
        }
        if (options.clean()) {
            console.say("--clean: deleting " + settings.data());
            deleteTree(settings.data());
        }
        try {
            for (Path d : List.of(settings.lib(), settings.data(), settings.logs(), settings.run())) {
                Files.createDirectories(d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path effective = writeEffectiveConfig();
        console.say("config: " + settings.configSource().map(Path::toString).orElse("built-in defaults")
                + "; effective settings in " + effective + "; data in " + settings.dataDir());
        if ("true".equals(settings.get("push.allow-loopback-http", "false"))) {
            console.say("push.allow-loopback-http=true: local push test mode, loopback push endpoints accepted (never in production)");
        }
        warnAboutOpenFiles();
        table.portConflict().ifPresent(m -> {
            throw new StackException(m);
        });
        new StackLibraries(settings, console).fetchAll();
        if (!options.servicesOnly()) {
            for (Component c : table.apps()) {
                if (ComponentTable.isFlink(c)) {
                    if (!Files.isRegularFile(FlinkSessionCluster.jobJar(settings))) {
                        throw new StackException(c.name() + ": the fan-out job jar " + FlinkSessionCluster.jobJar(settings)
                                + " is not built: run ./mvnw -DskipTests install");
                    }
                    continue;
                }
                if (!hasMainClass(c)) {
                    throw new StackException(c.name() + ": main class " + c.mainClass() + " is not in module " + c.module()
                            + " (not written yet?). Use ./parley up --services-only for the services alone.");
                }
            }
        }
        for (Component c : missing) {
            processes.awaitExit(c.name(), java.time.Duration.ofSeconds(30)); // killed, not torn down yet: its ports
        }
        List<String> taken = new ArrayList<>();
        for (Component c : missing) {
            for (Port p : c.ports()) {
                if (portInUse(settings.host(), p.port())) {
                    taken.add(c.name() + ": port " + p.port() + " (" + p.setting() + ") on " + settings.host()
                            + " is already in use");
                }
            }
        }
        if (!taken.isEmpty()) {
            StringBuilder m = new StringBuilder("cannot start, ports taken:\n");
            taken.forEach(t -> m.append("  ").append(t).append('\n'));
            m.append("parley: free them (ss -ltnp shows who holds them) or choose other ports in parley.conf; nothing was started.");
            throw new StackException(m.toString());
        }

        upInProgress = true;
        try {
            // Services, in parallel: the slowest (Cassandra) first.
            List<String> order = List.of("cassandra", "s3proxy", "registry", "kafka");
            List<Component> services = order.stream()
                    .flatMap(m -> table.services().stream().filter(c -> c.module().equals(m))).toList();
            startAndAwait(services, c -> startService(c));
            provision(effective);
            if (!options.servicesOnly()) {
                EdgeCertificate.ensure(settings, console);
                startAndAwait(apps, c -> startApp(c, effective));
                if (settings.cluster() && apps.stream().anyMatch(ComponentTable::isFlink)) {
                    flink().ensureJob(effective);
                }
            }
        } catch (RuntimeException e) {
            if (!(e instanceof StackException se && se.reported())) {
                upInProgress = false;
                console.error("\nparley: " + e.getMessage());
                rollback();
                throw new StackException(String.valueOf(e.getMessage()), e instanceof StackException se2 ? se2.exitCode() : 1,
                        true);
            }
            throw e;
        } finally {
            upInProgress = false;
        }
        printEndpoints(options.servicesOnly());
        console.say("up in " + console.elapsed());
    }

    /**
     * Starts the named components that are not running and waits until they are ready, without the provisioning of
     * {@link #up} (the stack was provisioned by an earlier up): a restart after a crash, as the load tool's chaos mode
     * does. On a failure it stops what this call started and throws (exit 1).
     */
    public void start(List<String> names) {
        List<Component> components = new ArrayList<>();
        for (String n : names) {
            components.add(table.find(n).filter(c -> c.isService() || table.apps().contains(c))
                    .orElseThrow(() -> new StackException("start: '" + n + "' is not a component of this stack ("
                            + String.join(" ", table.all().stream().map(Component::name).toList()) + ")")));
        }
        Path existing = settings.run().resolve("effective.conf");
        Path effective = Files.isRegularFile(existing) ? existing : writeEffectiveConfig();
        upInProgress = true;
        try {
            startAndAwait(components, c -> c.isService() ? startService(c) : startApp(c, effective));
        } finally {
            upInProgress = false;
        }
    }

    private void warnAboutOpenFiles() {
        int want = settings.getInt("stack.nofile");
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long have = unix.getMaxFileDescriptorCount();
            if (have < want) {
                console.warn("open files limited to " + have + " (stack.nofile=" + want + "): fewer connections per edge");
            }
        }
    }

    static boolean portInUse(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ----- starting

    /**
     * Starts each component that is not running (reported as starting, with pid and log) and waits until all are
     * ready; a failure rolls back everything this up started.
     */
    void startAndAwait(List<Component> components, java.util.function.Function<Component, Started> starter) {
        Map<Started, Component> group = new LinkedHashMap<>();
        for (Component c : components) {
            Optional<ProcessHandle> live = processes.live(c.name());
            if (live.isPresent()) {
                console.say(c.name() + " already running (pid " + live.get().pid() + ")");
                continue;
            }
            Started s = starter.apply(c);
            synchronized (started) {
                started.add(s);
            }
            group.put(s, c);
            console.say(c.name() + " starting (pid " + s.process().pid() + ", log " + processes.logFile(c.name()) + ")");
        }
        waitReady(group);
    }

    private Started startService(Component c) {
        return switch (c.module()) {
            case "kafka" -> settings.cluster() ? startKafkaNode(c) : startKafka(c);
            case "cassandra" -> settings.cluster() ? startCqlNode(c) : startCql(c);
            case "s3proxy" -> startS3(c);
            case "registry" -> startRegistry(c);
            default -> throw new IllegalArgumentException(c.name());
        };
    }

    private List<String> jvm(Component c) {
        return words(settings.get(c.jvmKey(), ""));
    }

    /** The JMX exporter agent serving the server's /metrics on its metrics port, if it has one (metrics.port). */
    private List<String> exporter(Component c, String config) {
        return c.ports().stream().filter(p -> p.setting().startsWith("metrics.port")).findFirst()
                .map(p -> List.of(JmxExporterAgent.argument(settings, config, p.port()))).orElse(List.of());
    }

    static List<String> words(String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    private Path lib(String name) {
        return settings.lib().resolve(name);
    }

    private Started startKafka(Component c) {
        Path dir = settings.data().resolve("kafka");
        Path conf = settings.run().resolve("kafka");
        Path stack = settings.stackFiles().resolve("kafka");
        createDirectories(dir, conf);
        render(stack.resolve("server.properties.template"), conf.resolve("server.properties"), Map.of(
                "@HOST@", settings.host(), "@PORT@", settings.get("kafka.port"),
                "@CONTROLLER_PORT@", settings.get("kafka.controller-port"), "@LOG_DIRS@", dir.toString(),
                "@NODE_ID@", "1", "@VOTERS@", "1@" + settings.host() + ":" + settings.get("kafka.controller-port"),
                "@RF@", "1", "@MIN_ISR@", "1"));
        String log4j = "-Dlog4j2.configurationFile=" + stack.resolve("log4j2.xml");
        String cp = lib("kafka") + "/*";
        if (!Files.isRegularFile(dir.resolve("meta.properties"))) {
            String clusterId = KafkaClusterId.random();
            console.say("kafka: formatting storage " + dir + " (cluster " + clusterId + ")");
            int exit = runToLog("kafka", List.of(StackProcesses.javaExecutable(), log4j, "-cp", cp,
                    "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", conf.resolve("server.properties").toString()));
            if (exit != 0) {
                fail("kafka", "storage format failed", 0);
            }
        }
        List<String> args = new ArrayList<>(jvm(c));
        args.addAll(exporter(c, "kafka"));
        args.addAll(List.of("-Djava.awt.headless=true", log4j, "-cp", cp, c.mainClass(),
                conf.resolve("server.properties").toString()));
        return processes.launch("kafka", Map.of(), args);
    }

    /**
     * Kafka node i of the cluster: its own data and config folder, the quorum of every node, the cluster's replication
     * for the internal topics; all nodes formatted with one cluster id (kept in data/kafka-cluster.id).
     */
    private Started startKafkaNode(Component c) {
        ClusterTopology.KafkaNode node = ClusterTopology.kafkaNodes(settings.settings()).stream()
                .filter(k -> k.name().equals(c.name())).findFirst().orElseThrow();
        Path dir = settings.data().resolve(c.name());
        Path conf = settings.run().resolve(c.name());
        Path stack = settings.stackFiles().resolve("kafka");
        createDirectories(dir, conf);
        String voters = String.join(",", ClusterTopology.kafkaNodes(settings.settings()).stream()
                .map(k -> k.id() + "@" + settings.host() + ":" + k.controllerPort()).toList());
        render(stack.resolve("server.properties.template"), conf.resolve("server.properties"), Map.of(
                "@HOST@", settings.host(), "@PORT@", String.valueOf(node.port()),
                "@CONTROLLER_PORT@", String.valueOf(node.controllerPort()), "@LOG_DIRS@", dir.toString(),
                "@NODE_ID@", String.valueOf(node.id()), "@VOTERS@", voters,
                "@RF@", settings.get("topic.replication-factor"), "@MIN_ISR@", settings.get("topic.min-insync-replicas")));
        String log4j = "-Dlog4j2.configurationFile=" + stack.resolve("log4j2.xml");
        String cp = lib("kafka") + "/*";
        if (!Files.isRegularFile(dir.resolve("meta.properties"))) {
            String clusterId = kafkaClusterId();
            console.say(c.name() + ": formatting storage " + dir + " (cluster " + clusterId + ")");
            int exit = runToLog(c.name(), List.of(StackProcesses.javaExecutable(), log4j, "-cp", cp,
                    "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", conf.resolve("server.properties").toString()));
            if (exit != 0) {
                fail(c.name(), "storage format failed", 0);
            }
        }
        List<String> args = new ArrayList<>(jvm(c));
        args.addAll(exporter(c, "kafka"));
        args.addAll(List.of("-Djava.awt.headless=true", log4j, "-cp", cp, c.mainClass(),
                conf.resolve("server.properties").toString()));
        return processes.launch(c.name(), Map.of(), args);
    }

    /** The cluster's one id, made on first use (every node is formatted with it). */
    private synchronized String kafkaClusterId() {
        Path f = settings.data().resolve("kafka-cluster.id");
        try {
            if (Files.isRegularFile(f)) {
                return Files.readString(f).trim();
            }
            String id = KafkaClusterId.random();
            Files.writeString(f, id + "\n");
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * CQL node i of the cluster: same host, its own ports, data and config folders; every node is a seed, owns one
     * evenly spaced token and starts without bootstrap streaming (a new, empty cluster), so all start at once.
     */
    private Started startCqlNode(Component c) {
        List<ClusterTopology.CqlNode> nodes = ClusterTopology.cqlNodes(settings.settings());
        ClusterTopology.CqlNode node = nodes.stream().filter(n -> n.name().equals(c.name())).findFirst().orElseThrow();
        Path dir = settings.data().resolve(c.name());
        Path conf = settings.run().resolve(c.name());
        Path stack = settings.stackFiles().resolve("cassandra");
        createDirectories(dir, conf.resolve("triggers"));
        String seeds = String.join(",", nodes.stream().map(n -> settings.host() + ":" + n.storagePort()).toList());
        Path yaml = conf.resolve("cassandra.yaml");
        render(stack.resolve("cassandra.yaml.template"), yaml, Map.of("\"@HOST@:@STORAGE_PORT@\"", "\"" + seeds + "\""));
        render(yaml, yaml, Map.of(
                "@HOST@", settings.host(), "@STORAGE_PORT@", String.valueOf(node.storagePort()),
                "@NATIVE_PORT@", String.valueOf(node.port()), "@STORAGE_DIR@", dir.toString()));
        try {
            Files.writeString(yaml, "\n# cluster topology: node " + node.id() + " of " + nodes.size() + "\n"
                    + "initial_token: " + node.initialToken() + "\n"
                    + "auto_bootstrap: false\n", java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(cassandraJvmOptions(stack));
        args.addAll(jvm(c));
        args.addAll(exporter(c, "cassandra"));
        args.addAll(List.of("-Dcassandra.jmx.local.port=" + node.jmxPort(),
                "-Dcassandra.config=file://" + yaml,
                "-Dcassandra-foreground=yes",
                "-Dcassandra.storagedir=" + dir,
                "-Dcassandra.triggers_dir=" + conf.resolve("triggers"),
                "-Dcassandra.logdir=" + settings.logs(),
                "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                "-Dlogback.configurationFile=" + stack.resolve("logback.xml"),
                "-cp", lib("cassandra") + "/*", c.mainClass()));
        return processes.launch(c.name(), Map.of(), args);
    }

    private static List<String> cassandraJvmOptions(Path stack) {
        List<String> args = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(stack.resolve("jvm17-server.options"))) {
                if (!line.isBlank() && !line.trim().startsWith("#")) {
                    args.addAll(words(line)); // "--add-opens x" lines are two arguments
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return args;
    }

    private Started startCql(Component c) {
        Path dir = settings.data().resolve("cql");
        Path conf = settings.run().resolve("cassandra");
        Path stack = settings.stackFiles().resolve("cassandra");
        createDirectories(dir, conf.resolve("triggers"));
        render(stack.resolve("cassandra.yaml.template"), conf.resolve("cassandra.yaml"), Map.of(
                "@HOST@", settings.host(), "@STORAGE_PORT@", settings.get("cql.storage-port"),
                "@NATIVE_PORT@", settings.get("cql.port"), "@STORAGE_DIR@", dir.toString()));
        List<String> args = new ArrayList<>(cassandraJvmOptions(stack));
        args.addAll(jvm(c));
        args.addAll(exporter(c, "cassandra"));
        args.addAll(List.of("-Dcassandra.jmx.local.port=" + settings.get("cql.jmx-port"),
                "-Dcassandra.config=file://" + conf.resolve("cassandra.yaml"),
                "-Dcassandra-foreground=yes",
                "-Dcassandra.storagedir=" + dir,
                "-Dcassandra.triggers_dir=" + conf.resolve("triggers"),
                "-Dcassandra.logdir=" + settings.logs(),
                "-Dlogback.configurationFile=" + stack.resolve("logback.xml"),
                "-cp", lib("cassandra") + "/*", c.mainClass()));
        return processes.launch("cql", Map.of(), args);
    }

    private Started startS3(Component c) {
        Path dir = settings.data().resolve("s3");
        Path props = settings.run().resolve("s3proxy.properties");
        createDirectories(dir, settings.run());
        String text = "s3proxy.endpoint=http://" + settings.host() + ":" + settings.get("s3.port") + "\n"
                + "s3proxy.authorization=aws-v2-or-v4\n"
                + "s3proxy.identity=" + settings.get("s3.access-key") + "\n"
                + "s3proxy.credential=" + settings.get("s3.secret-key") + "\n"
                + "jclouds.provider=filesystem\n"
                + "jclouds.filesystem.basedir=" + dir + "\n";
        write(props, text);
        List<String> args = new ArrayList<>(jvm(c));
        args.addAll(List.of("-jar", firstMatch(lib("s3proxy"), "s3proxy-*-jar-with-dependencies.jar").toString(),
                "--properties", props.toString()));
        return processes.launch("s3", Map.of(), args);
    }

    private Started startRegistry(Component c) {
        Path dir = settings.data().resolve("registry");
        createDirectories(dir);
        String host = settings.host();
        List<String> args = new ArrayList<>(jvm(c));
        args.addAll(List.of(
                "-Dquarkus.http.host=" + host, "-Dquarkus.http.port=" + settings.get("registry.port"),
                "-Dquarkus.management.host=" + host,
                "-Dquarkus.management.port=" + settings.get("registry.management-port"),
                "-Dapicurio.datasource.url=jdbc:h2:file:" + dir.resolve("db"),
                "-Dapicurio.rest.deletion.artifact.enabled=true",
                "-Dapicurio.rest.deletion.artifact-version.enabled=true",
                "-Dapicurio.rest.deletion.group.enabled=true",
                "-Dquarkus.log.console.color=false",
                "-jar", firstMatch(lib("registry"), "apicurio-registry-app-*-runner.jar").toString()));
        return processes.launch("registry", Map.of(), args);
    }

    private FlinkSessionCluster flink() {
        return new FlinkSessionCluster(settings, processes, console, http);
    }

    private Started startApp(Component c, Path effective) {
        if (ComponentTable.isFlink(c)) {
            return flink().start(c, jvm(c), FLINK_OPENS);
        }
        Map<String, String> env = appEnv(effective);
        List<String> args = new ArrayList<>(jvm(c));
        if (c.name().equals("fanout") || c.name().equals("apps")) {
            args.addAll(FLINK_OPENS);
        }
        c.edgeInstance().ifPresent(i -> {
            env.put("PARLEY_EDGE_ID", String.valueOf(i));
            env.put("PARLEY_EDGE_PORT", String.valueOf(settings.edgePort(i)));
        });
        if (c.name().equals("apps")) {
            env.put("PARLEY_EDGE_ID", "0");
            env.put("PARLEY_EDGE_PORT", String.valueOf(settings.edgePort(0)));
        }
        env.putAll(table.env(c));
        args.addAll(List.of("-cp", moduleClasspath(c.module()), c.mainClass()));
        args.addAll(c.args());
        return processes.launch(c.name(), env, args);
    }

    /** jar:dependencies of a built module. */
    public String moduleClasspath(String module) {
        Path jar = moduleJar(module);
        Path cp = settings.root().resolve(module).resolve("target").resolve("classpath.txt");
        if (!Files.isRegularFile(jar) || !Files.isRegularFile(cp)) {
            throw new StackException("module " + module + " is not built (" + jar + " or " + cp
                    + " missing): run ./mvnw -DskipTests install");
        }
        try {
            return jar + java.io.File.pathSeparator + Files.readString(cp).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path moduleJar(String module) {
        return settings.root().resolve(module).resolve("target")
                .resolve("parley-" + module + "-" + ProjectVersion.of(settings.root()) + ".jar");
    }

    private boolean hasMainClass(Component c) {
        Path jar = moduleJar(c.module());
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getEntry(c.mainClass().replace('.', '/') + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    // ----- readiness

    private void waitReady(Map<Started, Component> starting) {
        Duration timeout = settings.readyTimeout();
        List<Started> pending = new ArrayList<>(starting.keySet());
        while (!pending.isEmpty()) {
            List<Started> still = new ArrayList<>();
            for (Started s : pending) {
                long sinceStart = System.nanoTime() - s.startNanos();
                // The child this JVM spawned, not the pid file and marker check: in a process's first moments (setsid
                // exec'ing java) /proc shows no command line, and a live, slow starter was taken for an exited one.
                if (!StackProcesses.alive(s.process())) {
                    fail(s.component(), "exited before it was ready", s.logOffset());
                } else if (isReady(starting.get(s), s)) {
                    console.say(s.component() + " ready (" + (sinceStart / 1_000_000_000L) + "s after start)");
                } else if (sinceStart > timeout.toNanos()) {
                    fail(s.component(), "not ready after " + timeout.toSeconds() + "s (stack.ready-timeout-seconds)",
                            s.logOffset());
                } else {
                    still.add(s);
                }
            }
            pending = still;
            if (!pending.isEmpty()) {
                StackProcesses.sleep(500);
            }
        }
    }

    boolean isReady(Component c, Started s) {
        Component.Readiness r = c.readiness();
        if (r.tcpPort() > 0 && !portInUse(settings.host(), r.tcpPort())) {
            return false;
        }
        if (!r.logLines().isEmpty()) {
            String log = processes.logSince(s.component(), s.logOffset());
            for (String line : r.logLines()) {
                if (!Pattern.compile(line).matcher(log).find()) {
                    return false;
                }
            }
        }
        if (r.httpPath() != null) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + settings.host() + ":" + r.httpPort() + r.httpPath()))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                return r.httpStatus() == 0 || response.statusCode() == r.httpStatus();
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted", 130);
            }
        }
        return true;
    }

    /** Prints why, the log tail of this start, rolls back what this up started, and throws (exit 1). */
    private void fail(String component, String reason, long logOffset) {
        Path log = processes.logFile(component);
        StringBuilder b = new StringBuilder();
        b.append('\n').append("parley: ").append(component).append(' ').append(reason).append('\n');
        b.append("parley: log: ").append(log).append(" (last 20 lines follow)");
        List<String> lines = processes.logSince(component, logOffset).lines().toList();
        for (String l : lines.subList(Math.max(0, lines.size() - 20), lines.size())) {
            b.append('\n').append(l.length() > 400 ? l.substring(0, 400) : l);
        }
        console.error(b.toString());
        upInProgress = false;
        rollback();
        throw new StackException(component + " " + reason, 1, true);
    }

    /** Stops, in reverse order, what this up started: apps first, then the services they use. */
    public void rollback() {
        List<Started> mine;
        synchronized (started) {
            mine = new ArrayList<>(started);
            started.clear();
        }
        if (mine.isEmpty()) {
            return;
        }
        console.error("\nparley: stopping what this run started: "
                + String.join(" ", mine.stream().map(Started::component).toList()));
        List<String> apps = new ArrayList<>();
        List<String> services = new ArrayList<>();
        Map<String, ProcessHandle> spawned = new HashMap<>();
        for (int i = mine.size() - 1; i >= 0; i--) {
            String c = mine.get(i).component();
            spawned.put(c, mine.get(i).process());
            if (table.find(c).map(Component::isService).orElse(false)) {
                services.add(c);
            } else {
                apps.add(c);
            }
        }
        processes.stopGroup(apps, spawned, console);
        processes.stopGroup(services, spawned, console);
    }

    // ----- provisioning

    private void provision(Path effective) {
        Path log = processes.logFile("provision");
        console.say("provisioning topics, CQL schema, media bucket, schemas (log " + log + ")");
        List<String> command = List.of(StackProcesses.javaExecutable(), "-Xmx256m", "-cp", moduleClasspath("infra"),
                "org.parley.infra.ProvisionStack");
        ProcessBuilder pb = new ProcessBuilder(command).directory(settings.root().toFile()).redirectErrorStream(true);
        pb.environment().putAll(settings.env());
        pb.environment().putAll(appEnv(effective));
        boolean provisioned = false;
        int exit;
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    var w = Files.newBufferedWriter(log)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.newLine();
                    w.flush();
                    console.out().println("           " + line);
                    console.out().flush();
                    provisioned |= line.startsWith("PROVISIONED");
                }
            }
            exit = p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the provisioner", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
        if (exit != 0) {
            fail("provision", "failed", 0);
        }
        if (!provisioned) {
            fail("provision", "did not finish", 0);
        }
    }

    // ----- endpoints

    private void printEndpoints(boolean servicesOnly) {
        var out = console.out();
        String host = settings.host();
        out.println();
        out.println("Parley stack on " + host + ":");
        if (settings.cluster()) {
            out.println("Topology: cluster (replication " + settings.get("topic.replication-factor") + ", min ISR "
                    + settings.get("topic.min-insync-replicas") + "; CQL replication " + settings.get("cql.replication-factor")
                    + ", consistency " + settings.get("cql.consistency") + ")");
        }
        row("Kafka bootstrap", settings.cluster() ? settings.settings().kafkaBootstrap()
                : host + ":" + settings.get("kafka.port"));
        row("CQL contact point", (settings.cluster() ? settings.settings().cqlContactPoint()
                : host + ":" + settings.get("cql.port")) + "  (datacenter " + settings.get("cql.datacenter")
                + ", keyspace " + settings.get("cql.keyspace") + ")");
        row("S3 endpoint", "http://" + host + ":" + settings.get("s3.port") + "  bucket " + settings.get("s3.media-bucket")
                + "  (access key " + settings.get("s3.access-key") + ")");
        row("Schema registry", "http://" + host + ":" + settings.get("registry.port") + "/apis/ccompat/v7");
        if (!servicesOnly) {
            row("Flink dashboard", "http://" + host + ":" + settings.get("flink.rest-port"));
            String tls = settings.get("edge.tls", "off");
            String ws = tls.equals("off") ? "ws" : "wss";
            String http = tls.equals("off") ? "http" : "https";
            for (int i = 0; i < settings.edgeInstances(); i++) {
                int port = settings.edgePort(i);
                row("edge-" + i, ws + "://" + host + ":" + port + "/v1/ws   health " + http + "://" + host + ":" + port + "/health");
            }
            if (tls.equals("self-signed")) {
                row("edge certificate", settings.data().resolve("tls").resolve("edge-cert.pem")
                        + " (self-signed: trust it in clients, e.g. curl --cacert)");
            }
        }
        out.println("Logs:");
        for (Component c : table.services()) {
            row(c.name(), processes.logFile(c.name()).toString());
        }
        row("provision", processes.logFile("provision").toString());
        if (!servicesOnly) {
            for (Component c : table.apps()) {
                row(c.name(), processes.logFile(c.name()).toString());
            }
        }
        out.println();
        out.flush();
    }

    private void row(String label, String value) {
        console.out().printf("  %-22s %s%n", label, value);
    }

    // ----- files

    private int runToLog(String component, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(settings.root().toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(processes.logFile(component).toFile())).start();
            p.getOutputStream().close();
            return p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    static void render(Path template, Path target, Map<String, String> values) {
        try {
            String text = Files.readString(template);
            for (Map.Entry<String, String> e : values.entrySet()) {
                text = text.replace(e.getKey(), e.getValue());
            }
            Files.writeString(target, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createDirectories(Path... dirs) {
        try {
            for (Path d : dirs) {
                Files.createDirectories(d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path firstMatch(Path dir, String glob) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            List<Path> all = new ArrayList<>();
            s.forEach(all::add);
            return all.stream().sorted().findFirst()
                    .orElseThrow(() -> new StackException("no " + glob + " in " + dir + " (delete the folder to fetch it again)"));
        } catch (IOException e) {
            throw new StackException("no " + glob + " in " + dir + " (delete the folder to fetch it again)");
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** A password of 24 random bytes, base64 without '/', '+', '='. */
    static String randomToken(Supplier<byte[]> bytes) {
        return Base64.getEncoder().encodeToString(bytes.get()).replaceAll("[/+=\\n]", "");
    }

    static void ownerOnly(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system
        }
    }
}
