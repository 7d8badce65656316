package org.parley.infra.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hand-overs of {@code ./parley}: topic, replay and sql run the infra module's tools, bench a load tool of the
 * benchmarks module, each as its own JVM with the terminal (standard input, output, error) and the effective settings
 * ({@code PARLEY_CONFIG}); the exit code is the tool's.
 */
final class Tools {
    /** A bench scenario: its main class, the component it needs running (empty: none), heap, and edge/run-dir targets. */
    record Scenario(String name, String mainClass, String needs, String heap, boolean edge, boolean runDir) {
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("one-to-one-latency", "org.parley.bench.OneToOneLatency", "edge-0", "-Xmx512m", true, false),
            new Scenario("typing-latency", "org.parley.bench.TypingLatency", "edge-0", "-Xmx512m", true, false),
            new Scenario("pipeline-stages", "org.parley.bench.PipelineStages", "edge-0", "-Xmx512m", true, false),
            new Scenario("sequencer-throughput", "org.parley.bench.SequencerThroughput", "sequencer", "-Xmx512m", false, false),
            new Scenario("load", "org.parley.bench.load.LoadBench", "edge-0", "-Xmx1g", true, true),
            new Scenario("capacity", "org.parley.bench.load.CapacityBench", "edge-0", "-Xmx1g", true, true),
            new Scenario("jmh", "org.openjdk.jmh.Main", "", "-Xmx512m", false, false),
            new Scenario("e2e-cost", "org.parley.bench.E2eCost", "", "-Xmx512m", false, false),
            new Scenario("media-transfer", "org.parley.bench.MediaTransfer", "edge-0", "-Xmx512m", true, false),
            new Scenario("search", "org.parley.bench.SearchLatency", "edge-0", "-Xmx512m", true, false));

    private Tools() {
    }

    static int run(StackSupervisor supervisor, Console console, String cmd, List<String> args) {
        StackSettings s = supervisor.settings();
        return switch (cmd) {
            case "topic" -> {
                if (args.isEmpty()) {
                    throw new StackException("usage: ./parley topic <name> [--from-offset N | --from-time ISO-8601] "
                            + "[--partition P] [--max N] [--follow]");
                }
                yield java(supervisor, List.of("-Xmx256m"), "infra", "org.parley.infra.TopicDump", args);
            }
            case "replay" -> java(supervisor, List.of("-Xmx512m"), "infra", "org.parley.infra.replay.ReplayCommand", args);
            case "sql" -> java(supervisor, List.of("-Xmx512m",
                    // relative file names are the caller's
                    "-Dparley.cwd=" + System.getProperty("parley.stack.cwd", System.getProperty("user.dir"))),
                    "infra", "org.parley.infra.analytics.SqlCommand", args);
            case "bench" -> bench(supervisor, s, args);
            default -> throw new IllegalArgumentException(cmd);
        };
    }

    private static int bench(StackSupervisor supervisor, StackSettings s, List<String> args) {
        String name = "one-to-one-latency";
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--scenario")) {
                if (i + 1 >= args.size()) {
                    throw new StackException("--scenario needs a name");
                }
                name = args.get(++i);
            } else {
                rest.add(args.get(i));
            }
        }
        String wanted = name;
        Scenario sc = SCENARIOS.stream().filter(x -> x.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new StackException("unknown scenario '" + wanted + "' (known: "
                        + String.join(" ", SCENARIOS.stream().map(Scenario::name).sorted().toList()) + ")"));
        String needs = sc.needs();
        // edge-0 and the sequencer are in "apps" when stack.layout=combined
        if (!needs.isEmpty() && supervisor.table().apps().stream().noneMatch(c -> c.name().equals(sc.needs()))) {
            needs = "apps";
        }
        if (!needs.isEmpty() && !supervisor.processes().isRunning(needs)) {
            throw new StackException(needs + " is not running: ./parley up first");
        }
        List<String> target = new ArrayList<>();
        if (sc.edge()) {
            target.addAll(List.of("--edge", "http://" + s.host() + ":" + s.edgePort(0)));
        }
        if (sc.runDir()) {
            target.addAll(List.of("--run-dir", s.run().toString()));
        }
        target.addAll(rest);
        return java(supervisor, List.of(sc.heap(), "-XX:+UseG1GC"), "benchmarks", sc.mainClass(), target);
    }

    /** Runs java with the module's class path in the foreground, terminal inherited; returns its exit code. */
    private static int java(StackSupervisor supervisor, List<String> jvm, String module, String main, List<String> args) {
        Path effective = supervisor.writeEffectiveConfig();
        List<String> command = new ArrayList<>();
        command.add(StackProcesses.javaExecutable());
        command.addAll(jvm);
        command.addAll(List.of("-cp", supervisor.moduleClasspath(module), main));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(supervisor.settings().root().toFile()).inheritIO();
        pb.environment().putAll(supervisor.settings().env());
        pb.environment().putAll(Map.of("PARLEY_CONFIG", effective.toString()));
        try {
            Process p = pb.start();
            ignoreInterrupts(); // Ctrl-C reaches the tool too (same process group): wait for its own ending
            return p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + main, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    @SuppressWarnings("restriction")
    private static void ignoreInterrupts() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        } catch (RuntimeException | LinkageError e) {
            // no such signal here: Ctrl-C ends this JVM first, the tool still gets it
        }
    }
}
