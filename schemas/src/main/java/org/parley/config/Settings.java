package org.parley.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Parley's configuration, the one loader of the apps, the tools, the stack supervisor ({@code ./parley}) and the tests:
 * one flat key space ("kafka.port", "edge.port", ...) read, in order of precedence, from system properties
 * ({@code -Dparley.kafka.port=...}; Java processes only, the supervisor ignores them), environment
 * ({@code PARLEY_KAFKA_PORT}), the config file (the file named by {@code PARLEY_CONFIG}, which must exist; else, for
 * the supervisor, {@code parley.conf} in the repository root if present), then the built-in defaults in
 * {@code parley-defaults.properties}. A blank system property or environment variable counts as not set. Nothing is
 * hard-coded in the apps.
 */
public final class Settings {
    private final Map<String, String> env;
    private final Properties file;
    private final Properties defaults;
    private final Properties overrides;
    private final boolean systemProperties;
    private final Path configFile;

    private Settings(Map<String, String> env, Properties file, Properties defaults, Properties overrides,
            boolean systemProperties, Path configFile) {
        this.env = env;
        this.file = file;
        this.defaults = defaults;
        this.overrides = overrides;
        this.systemProperties = systemProperties;
        this.configFile = configFile;
    }

    /** Settings of this process: system properties, environment, config file ({@code PARLEY_CONFIG}), defaults. */
    public static Settings load() {
        return load(System.getenv(), null, true);
    }

    /**
     * The one loading rule: environment {@code PARLEY_<KEY>} over the config file over the defaults (and, with
     * {@code systemProperties}, {@code -Dparley.<key>} over all). The config file is the one {@code PARLEY_CONFIG} in
     * {@code env} names (an error if it does not exist), else {@code fallbackConfig} if given and present.
     */
    public static Settings load(Map<String, String> env, Path fallbackConfig, boolean systemProperties) {
        Path config = null;
        String named = env.get("PARLEY_CONFIG");
        if (named != null && !named.isBlank()) {
            config = Path.of(named).toAbsolutePath().normalize();
            if (!Files.isRegularFile(config)) {
                throw new IllegalStateException("PARLEY_CONFIG names a file that does not exist: " + named);
            }
        } else if (fallbackConfig != null && Files.isRegularFile(fallbackConfig)) {
            config = fallbackConfig.toAbsolutePath().normalize();
        }
        Properties file = new Properties();
        if (config != null) {
            try (InputStream in = Files.newInputStream(config)) {
                file.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the config file " + config, e);
            }
        }
        return new Settings(Map.copyOf(env), file, builtInDefaults(), new Properties(), systemProperties, config);
    }

    /** The config file read, if any (absolute). */
    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** Every key of the defaults, the config file and the explicit values, sorted. */
    public java.util.SortedSet<String> keys() {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>(defaults.stringPropertyNames());
        keys.addAll(file.stringPropertyNames());
        keys.addAll(overrides.stringPropertyNames());
        return keys;
    }

    /** Settings from explicit values over the defaults only (tests). */
    public static Settings of(Map<String, String> values) {
        Properties overrides = new Properties();
        overrides.putAll(values);
        return new Settings(Map.of(), new Properties(), builtInDefaults(), overrides, true, null);
    }

    /** A copy with some keys replaced. */
    public Settings with(Map<String, String> values) {
        Properties merged = new Properties();
        merged.putAll(overrides);
        merged.putAll(values);
        return new Settings(env, file, defaults, merged, systemProperties, configFile);
    }

    private static Properties builtInDefaults() {
        Properties p = new Properties();
        try (InputStream in = Settings.class.getResourceAsStream("/parley-defaults.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    public Optional<String> find(String key) {
        String v = overrides.getProperty(key);
        if (v == null && systemProperties) {
            v = blankAsNull(System.getProperty("parley." + key));
        }
        if (v == null) {
            v = blankAsNull(env.get(envName(key)));
        }
        if (v == null) {
            v = file.getProperty(key);
        }
        if (v == null) {
            v = defaults.getProperty(key);
        }
        return Optional.ofNullable(v).map(String::trim).filter(s -> !s.isEmpty());
    }

    public String get(String key) {
        return find(key).orElseThrow(() -> new IllegalStateException("missing setting '" + key
                + "' (set -Dparley." + key + " or " + envName(key) + ")"));
    }

    public int getInt(String key) {
        String v = get(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("setting '" + key + "' must be an integer, got '" + v + "'", e);
        }
    }

    public long getLong(String key) {
        String v = get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("setting '" + key + "' must be an integer, got '" + v + "'", e);
        }
    }

    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(get(key));
    }

    private static String blankAsNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }

    public static String envName(String key) {
        return "PARLEY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    // Frequently used derived values.

    public String host() {
        return get("bind.host");
    }

    public String kafkaBootstrap() {
        return find("kafka.bootstrap").orElse(host() + ":" + get("kafka.port"));
    }

    /**
     * {@code session.timeout.ms} and {@code heartbeat.interval.ms} (a third of it) of the consumer groups outside Kafka
     * Streams, from {@code kafka.consumer.session-timeout-ms}: how long a dead member holds its partitions.
     */
    public Map<String, Object> consumerGroupSession() {
        int session = getInt("kafka.consumer.session-timeout-ms");
        return Map.of("session.timeout.ms", session, "heartbeat.interval.ms", Math.max(1, session / 3));
    }

    public String registryUrl() {
        return find("registry.url").orElse("http://" + host() + ":" + get("registry.port") + "/apis/ccompat/v7");
    }

    public String cqlContactPoint() {
        return find("cql.contact-point").orElse(host() + ":" + get("cql.port"));
    }

    /** The one rule for edge ports: edge instance i listens on edge.port + i. */
    public int edgePort(int instance) {
        return getInt("edge.port") + instance;
    }

    public String s3Endpoint() {
        return find("s3.endpoint").orElse("http://" + host() + ":" + get("s3.port"));
    }
}
