package org.parley.infra.stack;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.parley.infra.StackHealth;

/**
 * {@code ./parley}: the local stack's command line. The bash script at the repository root only finds Java, builds what
 * is stale and hands over to this class ({@code -Dparley.stack.root=<repository root>}). Output, exit codes and
 * messages are those of {@code ./parley}: 0 success, 1 failure ("parley: ..." on standard error), 2 bad usage.
 */
public final class ParleyCommand {
    /** The system property naming the repository root (set by the ./parley bootstrap). */
    public static final String ROOT_PROPERTY = "parley.stack.root";

    private ParleyCommand() {
    }

    public static void main(String[] args) {
        // Before any logger exists: the Kafka admin client of `status` logged at DEBUG on stdout without it.
        org.parley.infra.Logging.useToolConfig();
        Path root = Path.of(System.getProperty(ROOT_PROPERTY, ".")).toAbsolutePath().normalize();
        Console console = new Console(System.out, System.err);
        int exit;
        try {
            exit = run(root, System.getenv(), console, List.of(args));
        } catch (StackException e) {
            if (!e.reported()) {
                console.error("parley: " + e.getMessage());
            }
            exit = e.exitCode();
        }
        System.out.flush();
        System.exit(exit);
    }

    /** Runs one command; returns its exit code (or throws a {@link StackException}). */
    public static int run(Path root, Map<String, String> env, Console console, List<String> argv) {
        String cmd = argv.isEmpty() ? "help" : argv.get(0);
        List<String> args = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
        if (List.of("help", "-h", "--help").contains(cmd)) {
            console.out().print(USAGE);
            return 0;
        }
        // --topology single|cluster for the stack's commands: the same as PARLEY_STACK_TOPOLOGY.
        Map<String, String> withTopology = env;
        if (List.of("up", "down", "status", "logs", "config").contains(cmd)) {
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                String value = null;
                if (a.equals("--topology")) {
                    if (i + 1 >= args.size()) {
                        throw new StackException(cmd + ": --topology needs a value: single or cluster");
                    }
                    value = args.get(++i);
                } else if (a.startsWith("--topology=")) {
                    value = a.substring("--topology=".length());
                }
                if (value == null) {
                    rest.add(a);
                } else {
                    Map<String, String> e = new java.util.LinkedHashMap<>(env);
                    e.put("PARLEY_STACK_TOPOLOGY", value);
                    withTopology = e;
                }
            }
            args = rest;
        }
        StackSettings settings = StackSettings.load(root, withTopology);
        StackSupervisor supervisor = new StackSupervisor(settings, console);
        return switch (cmd) {
            case "up" -> up(supervisor, args);
            case "down" -> {
                supervisor.down(args);
                yield 0;
            }
            case "status" -> status(supervisor, console, args);
            case "logs" -> logs(supervisor, args);
            case "config" -> {
                Path file = supervisor.writeEffectiveConfig();
                try {
                    Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).forEach(console.out()::println);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                yield 0;
            }
            case "topic", "replay", "sql", "bench" -> Tools.run(supervisor, console, cmd, args);
            default -> {
                console.err().print(USAGE);
                yield 2;
            }
        };
    }

    private static int up(StackSupervisor supervisor, List<String> args) {
        boolean clean = false;
        boolean servicesOnly = false;
        List<String> apps = new ArrayList<>();
        for (String a : args) {
            switch (a) {
                case "--clean" -> clean = true;
                case "--services-only" -> servicesOnly = true;
                default -> {
                    if (a.startsWith("-")) {
                        throw new StackException("up: unknown option '" + a + "' (try ./parley help)");
                    }
                    apps.add(a);
                }
            }
        }
        StackSupervisor.UpOptions options = new StackSupervisor.UpOptions(clean, servicesOnly, apps);
        Thread hook = new Thread(() -> {
            if (supervisor.upInProgress()) {
                System.err.println("\nparley: up interrupted");
                supervisor.rollback();
            }
        }, "parley-up-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            supervisor.up(options);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
        return 0;
    }

    private static int status(StackSupervisor supervisor, Console console, List<String> args) {
        boolean servicesOnly = false;
        boolean json = false;
        for (String a : args) {
            switch (a) {
                case "--services-only" -> servicesOnly = true;
                case "--json" -> json = true;
                default -> throw new StackException("status: unknown option '" + a + "'");
            }
        }
        var status = supervisor.status(servicesOnly);
        // Health and lag only when there is something to ask: the broker and at least one app process running.
        boolean ask = !servicesOnly && status.stream().anyMatch(s -> s.running() && s.component().module().equals("kafka"))
                && status.stream().anyMatch(s -> s.running() && !s.component().isService());
        StackHealth.Report health = ask ? StackHealth.collect(supervisor.settings().settings()) : null;
        if (json) {
            String processes = supervisor.statusJson(status);
            console.out().println(health == null ? processes
                    : processes.substring(0, processes.length() - 1) + ",\"health\":" + health.json() + "}");
        } else {
            StackSupervisor.statusLines(status).forEach(console.out()::println);
            if (health != null) {
                console.out().println();
                health.print(console.out());
            }
        }
        return status.stream().allMatch(StackSupervisor.ComponentStatus::running) ? 0 : 1;
    }

    private static int logs(StackSupervisor supervisor, List<String> args) {
        String component = null;
        boolean follow = true;
        for (String a : args) {
            if (a.equals("--no-follow")) {
                follow = false;
            } else if (a.startsWith("-")) {
                throw new StackException("logs: unknown option '" + a + "'");
            } else {
                component = a;
            }
        }
        ComponentTable t = supervisor.table();
        String known = String.join(" ", t.services().stream().map(Component::name).toList()) + " provision "
                + String.join(" ", t.apps().stream().map(Component::name).toList());
        if (component == null) {
            throw new StackException("usage: ./parley logs <component> [--no-follow]; components: " + known);
        }
        Path log = supervisor.processes().logFile(component);
        if (!Files.isRegularFile(log)) {
            throw new StackException("no log for '" + component + "' at " + log + " (components: " + known + ")");
        }
        tail(log, 200, follow);
        return 0;
    }

    /** tail -n lines [-F]: the last lines, then (follow) what is appended, from the start again if truncated. */
    static void tail(Path log, int lines, boolean follow) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.out::println);
            System.out.flush();
            long pos = Files.size(log);
            while (follow) {
                StackProcesses.sleep(250);
                if (!Files.isRegularFile(log)) {
                    continue;
                }
                long size = Files.size(log);
                if (size < pos) {
                    pos = 0;
                }
                if (size > pos) {
                    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                        f.seek(pos);
                        byte[] b = new byte[(int) Math.min(size - pos, 1 << 20)];
                        f.readFully(b);
                        System.out.write(b);
                        System.out.flush();
                        pos += b.length;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String USAGE = """
            Usage: ./parley <command> [options]

              up [--topology single|cluster] [--clean] [--services-only] [app...]
                    Start the local stack: Kafka, the CQL server (Cassandra), S3 (s3proxy), the schema registry (Apicurio),
                    provision them (topics, CQL schema, media bucket, schemas), then the apps: sequencer, presence, projections,
                    fanout (Flink MiniCluster + dashboard), push (the push dispatcher) and edge-0..N-1. With stack.layout=combined
                    (the default) the roles and edge-0 share one JVM, the component "apps"; with stack.layout=split (e.g.
                    PARLEY_STACK_LAYOUT=split ./parley up) each is its own process. Idempotent: starts only what is not running.
                    --clean          delete the data folder's data/ first (libraries stay)
                    --services-only  the four services and provisioning only, no apps
                    app...           only these apps (and any service not running), e.g. ./parley up sequencer (split layout)
                    --topology cluster  3 Kafka nodes (RF 3, min ISR 2), 3 CQL nodes (RF 3, QUORUM), 2 instances of every
                                     app, each its own process (docs/operations.md, "The cluster topology"); also for
                                     down, status, logs and config (or PARLEY_STACK_TOPOLOGY=cluster)
              down [component...]
                    Stop everything ./parley started, or only the named components (apps first; SIGTERM, then SIGKILL
                    after stack.stop-timeout-seconds, 20 s). Data stays.
              status [--services-only] [--json]
                    One line per component: running/stopped, pid, port, RSS (--json: one JSON object, for tools).
                    Exit 0 only if all are running.
              logs <component> [--no-follow]
                    The last 200 lines of a component's log, then what it appends (kafka cql s3 registry provision apps edge-N;
                    split layout: sequencer presence projections fanout push edge-0 instead of apps).
              topic <name> [--from-offset N | --from-time ISO-8601] [--partition P] [--max N] [--follow]
                    Print a topic's records as JSON lines, values decoded through the schema registry.
              replay [--keyspace NAME] [--fresh] [--no-compare | --compare-only] [--against KEYSPACE]
              replay --topic NAME [--from OFFSET|TIME] [--to OFFSET|TIME] [--partition P] --out FILE
                    Rebuild the CQL read model from the topics into another keyspace (resumable), then compare it with the
                    live one table by table (exit 1 on any difference); or export a topic's range as JSON lines (docs/replay.md).
              sql [FILE.sql...] [-e SQL] [--since TIME] [--until TIME] [--csv] [--no-export | --export-only | --rebuild]
                    Export what is new in the log to the analytics projection (Parquet by day, metadata only), then run SQL over
                    it with DuckDB: the files, -e, or a prompt on standard input (docs/analytics.md, examples in docs/analytics/).
              bench --scenario typing-latency [--samples N] [--interval-ms MS] [--out FILE]
              bench [--scenario one-to-one-latency] [--messages N] [--warmup N] [--payload-bytes N] [--out FILE]
              bench --scenario pipeline-stages [--pairs N] [--rate R] [--duration S] [--warmup W] [--out FILE]
              bench --scenario sequencer-throughput [--rates R1,R2,...] [--seconds S] [--label TEXT] [--out FILE]
              bench --scenario load [--rate R] [--duration S] [--warmup W] [--devices N] [--mix one-to-one=1]
                    [--storm-devices K --storm-every S] [--source-addresses 127.0.0.2,...] [--e2e] [--out DIR]   (--help: all options)
                    [--media-share [0.1]] [--media-bytes 500000]   (media messages: presigned upload, send, download)
                    [--chaos-every S --chaos-kinds all|broker,cql,... --chaos-rounds N]   (SIGKILL + restart under load)
              bench --scenario capacity [--step N] [--max-connections N] [--out DIR]
              bench --scenario jmh [JMH options, e.g. -f 1 -wi 3 -i 5 Serde]
              bench --scenario e2e-cost [--messages N] [--payload-bytes N]   (envelope sizes, encrypt+decrypt cost; no stack)
              bench --scenario media-transfer [--bytes N] [--runs N]   (encrypted upload/download through S3, first chunk by Range)
              bench --scenario search [--messages N] [--conversations N] [--samples N]   (writes synthetic search rows: scratch stack)
                    Run a load tool of the benchmarks module against the running stack (docs/performance.md). The bench's
                    module alone is rebuilt when stale; the running stack's modules are never rebuilt under it.
              config
                    Print the effective settings (key=value), as the apps get them through PARLEY_CONFIG.
              help  This text.

            Configuration: $PARLEY_CONFIG or ./parley.conf (see parley.conf.example) over the defaults in
            schemas/src/main/resources/parley-defaults.properties; PARLEY_<KEY> environment variables win.
            Details: docs/operations.md
            """;
}
