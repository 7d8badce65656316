package org.parley.infra.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.parley.config.Settings;

/**
 * The settings of the local stack as the supervisor sees them: {@link Settings#load(Map, Path, boolean)} with the
 * repository's {@code parley.conf} as the fallback config file and no system properties, so the precedence is exactly
 * the one documented for {@code ./parley}: environment {@code PARLEY_<KEY>} over the config file ({@code PARLEY_CONFIG},
 * else {@code ./parley.conf}) over {@code parley-defaults.properties}. Also the folders of the data directory and the
 * stack-only values (layout, edge count, timeouts).
 */
public final class StackSettings {
    /** The two process layouts of the apps. */
    public enum Layout { COMBINED, SPLIT;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The two topologies: one process per service and app, or replicated services and two of every app. */
    public enum Topology { SINGLE, CLUSTER;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Path root;
    private final Map<String, String> env;
    private final Settings settings;
    private final Path dataDir;
    private final Layout layout;
    private final int edges;
    private final Topology topology;

    private StackSettings(Path root, Map<String, String> env, Settings loaded) {
        this.root = root;
        this.env = env;
        String t = loaded.find("stack.topology").orElse("single");
        this.topology = switch (t) {
            case "single" -> Topology.SINGLE;
            case "cluster" -> Topology.CLUSTER;
            default -> throw new StackException("stack.topology must be single or cluster, not '" + t + "'");
        };
        Settings settings = topology == Topology.CLUSTER ? loaded.with(ClusterTopology.overrides(loaded)) : loaded;
        this.settings = settings;
        Path d = Path.of(settings.get("data.dir"));
        this.dataDir = (d.isAbsolute() ? d : root.resolve(d)).normalize();
        String l = settings.get("stack.layout");
        Layout chosen = switch (l) {
            case "combined" -> Layout.COMBINED;
            case "split" -> Layout.SPLIT;
            default -> throw new StackException("stack.layout must be combined or split, not '" + l + "'");
        };
        // The cluster runs every app instance as its own process.
        this.layout = topology == Topology.CLUSTER ? Layout.SPLIT : chosen;
        int n;
        try {
            n = settings.getInt("edge.instances");
        } catch (IllegalStateException e) {
            throw new StackException(e.getMessage());
        }
        if (n < 1) {
            throw new StackException("edge.instances must be at least 1");
        }
        this.edges = n;
    }

    /** The settings of the stack rooted at {@code root}, for a caller whose environment is {@code env}. */
    public static StackSettings load(Path root, Map<String, String> env) {
        Settings s;
        try {
            s = Settings.load(env, root.resolve("parley.conf"), false);
        } catch (IllegalStateException e) {
            throw new StackException(e.getMessage());
        }
        return new StackSettings(root.toAbsolutePath().normalize(), Map.copyOf(env), s);
    }

    /** The same stack seen with some environment variables added or replaced (e.g. PARLEY_EDGE_INSTANCES=2). */
    public StackSettings withEnv(Map<String, String> extra) {
        Map<String, String> merged = new LinkedHashMap<>(env);
        merged.putAll(extra);
        return load(root, merged);
    }

    public Settings settings() {
        return settings;
    }

    public Path root() {
        return root;
    }

    /** The environment the supervisor runs in, passed on to every process it starts. */
    public Map<String, String> env() {
        return env;
    }

    public Optional<Path> configSource() {
        return settings.configFile();
    }

    public String get(String key) {
        try {
            return settings.get(key);
        } catch (IllegalStateException e) {
            throw new StackException("missing setting '" + key + "' (set it in parley.conf or " + Settings.envName(key) + ")");
        }
    }

    public String get(String key, String fallback) {
        return settings.find(key).orElse(fallback);
    }

    public int getInt(String key) {
        String v = get(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new StackException("setting '" + key + "' must be an integer, got '" + v + "'");
        }
    }

    public String host() {
        return get("bind.host");
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path lib() {
        return dataDir.resolve("lib");
    }

    public Path data() {
        return dataDir.resolve("data");
    }

    public Path logs() {
        return dataDir.resolve("logs");
    }

    public Path run() {
        return dataDir.resolve("run");
    }

    public Path stackFiles() {
        return root.resolve("infra").resolve("stack");
    }

    public Layout layout() {
        return layout;
    }

    public Topology topology() {
        return topology;
    }

    public boolean cluster() {
        return topology == Topology.CLUSTER;
    }

    public int edgeInstances() {
        return edges;
    }

    /** edge.port + i: the one place of that rule ({@link Settings#edgePort(int)}). */
    public int edgePort(int instance) {
        return settings.edgePort(instance);
    }

    public Duration readyTimeout() {
        return Duration.ofSeconds(getInt("stack.ready-timeout-seconds"));
    }

    public Duration stopTimeout() {
        return Duration.ofSeconds(getInt("stack.stop-timeout-seconds"));
    }

    /**
     * What every process of the stack gets as its config file: every key of the defaults and the config file, resolved
     * (environment included), data.dir absolute.
     */
    public Map<String, String> effective() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : settings.keys()) {
            out.put(key, key.equals("data.dir") ? dataDir.toString() : settings.find(key).orElse(""));
        }
        return out;
    }
}
