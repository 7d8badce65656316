package org.parley.infra.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.config.Settings;
import org.parley.infra.stack.Console;
import org.parley.infra.stack.ParleyCommand;
import org.parley.infra.stack.StackException;
import org.parley.infra.stack.StackSettings;
import org.parley.infra.stack.StackSupervisor;

/**
 * The real local stack for integration tests, shared by every test class of the JVM.
 *
 * <p>Once per JVM (a CloseableResource in the root store): if the stack supervisor ({@link StackSupervisor}, the Java
 * API behind {@code ./parley}) reports every needed component running, the running stack is reused and left running;
 * otherwise its {@code up} starts what is missing (output copied into the test log) and its {@code down} stops, when
 * the JVM's tests are done, exactly the components that were not running before (all of them when nothing was). The
 * repository root is found by walking up from the working directory to the directory holding {@code parley}.
 *
 * <p>Usage: {@code @RegisterExtension static final LocalStackExtension STACK = LocalStackExtension.servicesOnly();}
 * (Kafka, CQL, S3, registry, provisioned) or {@code LocalStackExtension.full()} (plus the apps). With
 * {@code @ExtendWith(LocalStackExtension.class)} the class gets the full stack, or the services only when annotated
 * {@link ServicesOnly}.
 *
 * <p>The stack's effective settings ({@link StackSettings#effective()}, what {@code ./parley config} prints) are also published as {@code -Dparley.<key>} system
 * properties (unless already set), so {@code Settings.load()} in tests sees the same ports, topics and folders.
 *
 * <p>The commands run in this JVM and never build: inside a Maven build the modules are already packaged (run
 * {@code ./mvnw -DskipTests install} once, or {@code ./parley up}, so that every app module is).
 *
 * <p>Every command it runs gets {@code PARLEY_STACK_LAYOUT=split}: each app role is its own process, so a
 * crash test can kill one (the local default runs them in one JVM; a stack started that way is not reused: ./parley
 * refuses to mix the layouts, ./parley down first).
 *
 * <p>Every command it runs gets {@code PARLEY_PUSH_ALLOW_LOOPBACK_HTTP=true}: the stack it starts is in the
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

    /** http://host:port of edge instance i (health, HTTP API): edge.port + i ({@link Settings#edgePort(int)}). */
    public URI edgeHttpUrl(int instance) {
        return URI.create("http://" + settings().host() + ":" + settings().edgePort(instance));
    }

    /** ws://host:port/v1/ws of edge instance i. */
    public URI edgeWsUrl(int instance) {
        return URI.create("ws://" + settings().host() + ":" + settings().edgePort(instance) + "/v1/ws");
    }

    /** The live process the stack runs as this component (sequencer, fanout, edge-1, ...), if any. */
    public Optional<ProcessHandle> process(String component) {
        return stack().supervisor(Map.of()).processes().live(component);
    }

    public URI flinkDashboardUrl() {
        return URI.create("http://" + settings().host() + ":" + settings().get("flink.rest-port"));
    }

    /**
     * Runs the {@code ./parley <args>} command in this JVM ({@link ParleyCommand#run}) and returns its exit code and
     * output (stdout and stderr merged).
     */
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
        Settings settings;

        StackSupervisor supervisor(Map<String, String> extraEnv) {
            return new StackSupervisor(StackSettings.load(root, environment(extraEnv)), new Console(System.out, System.err));
        }

        synchronized void ensure(Scope scope) {
            if (ensured != null && ensured.compareTo(scope) >= 0) {
                return;
            }
            String[] only = scope == Scope.SERVICES ? new String[] {"--services-only"} : new String[0];
            List<StackSupervisor.ComponentStatus> status = supervisor(Map.of()).status(scope == Scope.SERVICES);
            if (status.stream().allMatch(StackSupervisor.ComponentStatus::running)) {
                System.out.println("[local stack] running already (" + scope + "): reusing it, leaving it running");
            } else {
                // What is stopped now is what this up starts, so ours to stop.
                List<String> stopped = status.stream().filter(c -> !c.running()).map(StackSupervisor.ComponentStatus::name)
                        .toList();
                boolean nothingRan = status.stream().noneMatch(StackSupervisor.ComponentStatus::running);
                allStartedByUs |= nothingRan && ensured == null;
                startedByUs.addAll(stopped);
                System.out.println("[local stack] not (fully) running (" + scope + "), starting " + stopped
                        + ": ./parley up " + String.join(" ", only));
                Result up = run(root, true, Map.of(), concat("up", only));
                if (up.exitCode() != 0) {
                    // A first start on a cold, loaded machine can miss a readiness deadline or a download; up rolled
                    // back what it started, so one more try is clean. Its reason stays in the log and, when the
                    // second try fails too, in the exception (a CI summary shows that, not the whole log).
                    System.out.println("[local stack] ./parley up failed (" + failureReason(up) + "); trying once more");
                    up = run(root, true, Map.of(), concat("up", only));
                }
                if (up.exitCode() != 0) {
                    throw new IllegalStateException("./parley up failed twice (exit " + up.exitCode() + "): "
                            + failureReason(up));
                }
            }
            settings = Settings.of(supervisor(Map.of()).settings().effective());
            publishAsSystemProperties(settings);
            ensured = scope;
        }

        /** So that {@code Settings.load()} anywhere in this JVM sees the stack's settings (-Dparley.key wins). */
        private void publishAsSystemProperties(Settings s) {
            for (String key : s.keys()) {
                if (System.getProperty("parley." + key) == null) {
                    s.find(key).ifPresent(v -> System.setProperty("parley." + key, v));
                }
            }
        }

        @Override
        public synchronized void close() {
            if (allStartedByUs) {
                System.out.println("[local stack] stopping the stack these tests started: ./parley down");
                run(root, true, Map.of(), "down");
            } else if (!startedByUs.isEmpty()) {
                System.out.println("[local stack] stopping what these tests started: ./parley down " + startedByUs);
                run(root, true, Map.of(), concat("down", startedByUs.toArray(String[]::new)));
            }
        }
    }

    /**
     * From the script's first failure line ("parley: edge-0 not ready ...", then the component's log tail) on, else its
     * last lines; at most 30: what a reader of a CI summary needs, which shows the exception and not the whole log.
     */
    public static String failureReason(Result r) {
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

    /** The environment of every command: this JVM's, in the split layout and the local push test mode, plus extra. */
    static Map<String, String> environment(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(LOCAL_PUSH_TEST_MODE);
        env.putAll(SPLIT_LAYOUT);
        env.putAll(extra);
        return env;
    }

    /**
     * Runs a {@code ./parley} command through the supervisor's API in this JVM (never a build: inside a Maven build the
     * modules are packaged already); with echo, every output line also goes to the test log as it comes.
     */
    private static Result run(Path root, boolean echo, Map<String, String> env, String... args) {
        LineCapture capture = new LineCapture(echo);
        PrintStream stream = new PrintStream(capture, true, StandardCharsets.UTF_8);
        int exit;
        try {
            exit = ParleyCommand.run(root, environment(env), new Console(stream, stream), List.of(args));
        } catch (StackException e) {
            if (!e.reported()) {
                stream.println("parley: " + e.getMessage());
            }
            exit = e.exitCode();
        } catch (RuntimeException e) {
            stream.println("parley: " + e);
            exit = 1;
        }
        stream.flush();
        capture.flushLine();
        return new Result(exit, capture.text());
    }

    /** Collects a command's output; with echo, copies each complete line to the test log as "[parley] line". */
    private static final class LineCapture extends OutputStream {
        private final boolean echo;
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineCapture(boolean echo) {
            this.echo = echo;
        }

        @Override
        public synchronized void write(int b) {
            all.write(b);
            if (b == '\n') {
                if (echo) {
                    System.out.println("[parley] " + line.toString(StandardCharsets.UTF_8));
                }
                line.reset();
            } else {
                line.write(b);
            }
        }

        synchronized void flushLine() {
            if (echo && line.size() > 0) {
                System.out.println("[parley] " + line.toString(StandardCharsets.UTF_8));
            }
            line.reset();
        }

        synchronized String text() {
            return all.toString(StandardCharsets.UTF_8);
        }
    }
}
