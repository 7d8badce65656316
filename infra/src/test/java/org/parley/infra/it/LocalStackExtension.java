package org.parley.infra.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.config.Settings;

/**
 * The real local stack for integration tests, shared by every test class of the JVM.
 *
 * <p>Once per JVM (a CloseableResource in the root store): if {@code ./parley status} exits 0 the running stack is
 * reused and left running; otherwise {@code ./parley up} starts what is missing (output copied into the test log) and
 * {@code ./parley down} stops, when the JVM's tests are done, exactly the components that were not running before
 * (all of them when nothing was). The script is found by walking up from the working directory to the directory
 * holding {@code parley}.
 *
 * <p>Usage: {@code @RegisterExtension static final LocalStackExtension STACK = LocalStackExtension.servicesOnly();}
 * (Kafka, CQL, S3, registry, provisioned) or {@code LocalStackExtension.full()} (plus the apps). With
 * {@code @ExtendWith(LocalStackExtension.class)} the class gets the full stack, or the services only when annotated
 * {@link ServicesOnly}.
 *
 * <p>The stack's effective settings ({@code ./parley config}) are also published as {@code -Dparley.<key>} system
 * properties (unless already set), so {@code Settings.load()} in tests sees the same ports, topics and folders.
 *
 * <p>{@code ./parley up} runs with {@code PARLEY_SKIP_BUILD=1}: inside a Maven build the modules are already packaged
 * and a nested build must not run. {@code -Dparley.it.build=true} lets it build.
 *
 * <p>Every {@code ./parley} it runs gets {@code PARLEY_STACK_LAYOUT=split}: each app role is its own process, so a
 * crash test can kill one (the local default runs them in one JVM; a stack started that way is not reused: ./parley
 * refuses to mix the layouts, ./parley down first).
 *
 * <p>Every {@code ./parley} it runs gets {@code PARLEY_PUSH_ALLOW_LOOPBACK_HTTP=true}: the stack it starts is in the
 * local push test mode (off by default), so the edge accepts and the dispatcher pushes to the tests' Web Push endpoint
 * on http://127.0.0.1. A stack started by hand and reused here must have been started the same way
 * ({@code PARLEY_PUSH_ALLOW_LOOPBACK_HTTP=true ./parley up}) for the push tests.
 */
public final class LocalStackExtension implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalStackExtension.class);

    /** How much of the stack a test needs. */
    public enum Scope { SERVICES, FULL }

    /** On a test class using {@code @ExtendWith(LocalStackExtension.class)}: only the services are needed. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface ServicesOnly {
    }

    private final Scope explicitScope;
    private volatile Stack stack;

    /** For {@code @ExtendWith}: full stack unless the class is annotated {@link ServicesOnly}. */
    public LocalStackExtension() {
        this(null);
    }

    private LocalStackExtension(Scope scope) {
        this.explicitScope = scope;
    }

    public static LocalStackExtension servicesOnly() {
        return new LocalStackExtension(Scope.SERVICES);
    }

    public static LocalStackExtension full() {
        return new LocalStackExtension(Scope.FULL);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Scope scope = explicitScope != null ? explicitScope
                : context.getRequiredTestClass().isAnnotationPresent(ServicesOnly.class) ? Scope.SERVICES : Scope.FULL;
        Stack s = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Stack.class, k -> new Stack(), Stack.class);
        s.ensure(scope);
        this.stack = s;
    }

    private Stack stack() {
        Stack s = stack;
        if (s == null) {
            throw new IllegalStateException("the local stack is not started yet: use the helpers from tests, not from static initialisers");
        }
        return s;
    }

    // ---- helpers for tests

    /** The stack's effective settings ({@code ./parley config}): ports, topic names, keyspace, bucket, ... */
    public Settings settings() {
        return stack().settings;
    }

    public Path repoRoot() {
        return stack().root;
    }

    public Path dataDir() {
        return Path.of(settings().get("data.dir"));
    }

    public String kafkaBootstrap() {
        return settings().kafkaBootstrap();
    }

    public String registryUrl() {
        return settings().registryUrl();
    }

    public String cqlContactPoint() {
        return settings().cqlContactPoint();
    }

    public String s3Endpoint() {
        return settings().s3Endpoint();
    }

    public int edgeInstances() {
        return settings().getInt("edge.instances");
    }

    /** http://host:port of edge instance i (health, HTTP API). */
    public URI edgeHttpUrl(int instance) {
        return URI.create("http://" + settings().host() + ":" + (settings().getInt("edge.port") + instance));
    }

    /** ws://host:port/v1/ws of edge instance i. */
    public URI edgeWsUrl(int instance) {
        return URI.create("ws://" + settings().host() + ":" + (settings().getInt("edge.port") + instance) + "/v1/ws");
    }

    public URI flinkDashboardUrl() {
        return URI.create("http://" + settings().host() + ":" + settings().get("flink.rest-port"));
    }

    /** Runs {@code ./parley <args>} and returns its exit code and output (stdout and stderr merged). */
    public Result parley(String... args) {
        return run(stack().root, false, Map.of(), args);
    }

    /** Runs {@code ./parley <args>} with extra environment (e.g. {@code PARLEY_EDGE_INSTANCES=2}). */
    public Result parley(Map<String, String> env, String... args) {
        return run(stack().root, false, env, args);
    }

    /** Starts whatever is not running with a second edge instance (edge-1), for tests that span two edges. */
    public void upWithSecondEdge() {
        Result up = parley(TWO_EDGES, "up");
        if (up.exitCode() != 0) {
            throw new AssertionError("./parley up with two edges failed:\n" + up.output());
        }
    }

    /** Stops the second edge instance again (the other tests expect one). */
    public void downSecondEdge() {
        Result down = parley(TWO_EDGES, "down", "edge-1");
        if (down.exitCode() != 0) {
            throw new AssertionError("./parley down edge-1 failed:\n" + down.output());
        }
    }

    private static final Map<String, String> TWO_EDGES = Map.of("PARLEY_EDGE_INSTANCES", "2");
    /** The tests' Web Push endpoint listens on loopback: the stack runs in the local push test mode. */
    /** Each app role its own process: the crash tests kill one role (SequencerCrashIT, FanoutCrashIT, ...). */
    private static final Map<String, String> SPLIT_LAYOUT = Map.of("PARLEY_STACK_LAYOUT", "split");
    private static final Map<String, String> LOCAL_PUSH_TEST_MODE = Map.of("PARLEY_PUSH_ALLOW_LOOPBACK_HTTP", "true");

    public record Result(int exitCode, String output) {
        public List<String> lines() {
            return output.lines().toList();
        }
    }

    // ---- the shared stack

    @SuppressWarnings("deprecation") // CloseableResource: closed by JUnit when the root context (the JVM's run) ends
    static final class Stack implements ExtensionContext.Store.CloseableResource {
        final Path root = findRepoRoot();
        private Scope ensured;
        private final Set<String> startedByUs = new LinkedHashSet<>();
        private boolean allStartedByUs;
        private Set<String> keys = Set.of();
        Settings settings;

        synchronized void ensure(Scope scope) {
            if (ensured != null && ensured.compareTo(scope) >= 0) {
                return;
            }
            String[] only = scope == Scope.SERVICES ? new String[] {"--services-only"} : new String[0];
            Result status = run(root, false, concat("status", only));
            if (status.exitCode() == 0) {
                System.out.println("[local stack] running already (" + scope + "): reusing it, leaving it running");
            } else {
                // "<component> running|stopped ...": what is stopped now is what this up starts, so ours to stop.
                List<String> stopped = status.lines().stream().map(l -> l.trim().split("\\s+"))
                        .filter(w -> w.length >= 2 && w[1].equals("stopped")).map(w -> w[0]).toList();
                boolean nothingRan = status.lines().stream().noneMatch(l -> l.matches("\\S+\\s+running\\b.*"));
                allStartedByUs |= nothingRan && ensured == null;
                startedByUs.addAll(stopped);
                System.out.println("[local stack] not (fully) running (" + scope + "), starting " + stopped
                        + ": ./parley up " + String.join(" ", only));
                Result up = run(root, true, concat("up", only));
                if (up.exitCode() != 0) {
                    // A first start on a cold, loaded machine can miss a readiness deadline or a download; up rolled
                    // back what it started, so one more try is clean. Its reason stays in the log and, when the
                    // second try fails too, in the exception (a CI summary shows that, not the whole log).
                    System.out.println("[local stack] ./parley up failed (" + failureReason(up) + "); trying once more");
                    up = run(root, true, concat("up", only));
                }
                if (up.exitCode() != 0) {
                    throw new IllegalStateException("./parley up failed twice (exit " + up.exitCode() + "): "
                            + failureReason(up));
                }
            }
            settings = loadSettings();
            publishAsSystemProperties(settings);
            ensured = scope;
        }

        private Settings loadSettings() {
            Result config = run(root, false, "config");
            if (config.exitCode() != 0) {
                throw new IllegalStateException("./parley config failed: " + config.output());
            }
            Map<String, String> values = new HashMap<>();
            for (String line : config.lines()) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            keys = Set.copyOf(values.keySet());
            return Settings.of(values);
        }

        /** So that {@code Settings.load()} anywhere in this JVM sees the stack's settings (-Dparley.key wins). */
        private void publishAsSystemProperties(Settings s) {
            for (String key : keys) {
                if (System.getProperty("parley." + key) == null) {
                    s.find(key).ifPresent(v -> System.setProperty("parley." + key, v));
                }
            }
        }

        @Override
        public synchronized void close() {
            if (allStartedByUs) {
                System.out.println("[local stack] stopping the stack these tests started: ./parley down");
                run(root, true, "down");
            } else if (!startedByUs.isEmpty()) {
                System.out.println("[local stack] stopping what these tests started: ./parley down " + startedByUs);
                run(root, true, concat("down", startedByUs.toArray(String[]::new)));
            }
        }
    }

    /**
     * From the script's first failure line ("parley: edge-0 not ready ...", then the component's log tail) on, else its
     * last lines; at most 30: what a reader of a CI summary needs, which shows the exception and not the whole log.
     */
    static String failureReason(Result r) {
        List<String> lines = r.lines();
        int first = 0;
        while (first < lines.size() && !lines.get(first).startsWith("parley:")) {
            first++;
        }
        int from = first < lines.size() ? first : Math.max(0, lines.size() - 10);
        return String.join(" | ", lines.subList(from, Math.min(lines.size(), from + 30)));
    }

    private static String[] concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    static Path findRepoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("parley")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no ./parley found above " + Path.of("").toAbsolutePath());
    }

    /** Runs the script; with echo, every output line also goes to the test log as it comes. */
    private static Result run(Path root, boolean echo, String... args) {
        return run(root, echo, Map.of(), args);
    }

    private static Result run(Path root, boolean echo, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("parley").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        if (!Boolean.getBoolean("parley.it.build")) {
            pb.environment().put("PARLEY_SKIP_BUILD", "1");
        }
        pb.environment().putAll(LOCAL_PUSH_TEST_MODE);
        pb.environment().putAll(SPLIT_LAYOUT);
        pb.environment().putAll(env);
        StringBuilder output = new StringBuilder();
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                    if (echo) {
                        System.out.println("[parley] " + line);
                    }
                }
            }
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("./parley " + String.join(" ", args) + " did not finish in 15 minutes");
            }
            return new Result(p.exitValue(), output.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run ./parley " + String.join(" ", args), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running ./parley", e);
        }
    }
}
