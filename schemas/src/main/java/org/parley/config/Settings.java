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
 * Parley's configuration: one flat key space ("kafka.port", "edge.port", ...) read, in order of precedence, from
 * system properties ({@code -Dparley.kafka.port=...}), environment ({@code PARLEY_KAFKA_PORT}), the file named by
 * {@code PARLEY_CONFIG} (the same file {@code ./parley} reads), then the built-in defaults in
 * {@code parley-defaults.properties}. Nothing is hard-coded in the apps.
 */
public final class Settings {
    private final Map<String, String> env;
    private final Properties file;
    private final Properties defaults;
    private final Properties overrides;

    private Settings(Map<String, String> env, Properties file, Properties defaults, Properties overrides) {
        this.env = env;
        this.file = file;
        this.defaults = defaults;
        this.overrides = overrides;
    }

    /** Settings of this process: system properties, environment, config file, defaults. */
    public static Settings load() {
        Properties file = new Properties();
        String path = System.getenv("PARLEY_CONFIG");
        if (path != null && !path.isBlank() && Files.exists(Path.of(path))) {
            try (InputStream in = Files.newInputStream(Path.of(path))) {
                file.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read PARLEY_CONFIG " + path, e);
            }
        }
        return new Settings(System.getenv(), file, builtInDefaults(), new Properties());
    }

    /** Settings from explicit values over the defaults only (tests). */
    public static Settings of(Map<String, String> values) {
        Properties overrides = new Properties();
        overrides.putAll(values);
        return new Settings(Map.of(), new Properties(), builtInDefaults(), overrides);
    }

    /** A copy with some keys replaced. */
    public Settings with(Map<String, String> values) {
        Properties merged = new Properties();
        merged.putAll(overrides);
        merged.putAll(values);
        return new Settings(env, file, defaults, merged);
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
        if (v == null) {
            v = System.getProperty("parley." + key);
        }
        if (v == null) {
            v = env.get(envName(key));
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

    public String registryUrl() {
        return find("registry.url").orElse("http://" + host() + ":" + get("registry.port") + "/apis/ccompat/v7");
    }

    public String cqlContactPoint() {
        return find("cql.contact-point").orElse(host() + ":" + get("cql.port"));
    }

    public String s3Endpoint() {
        return find("s3.endpoint").orElse("http://" + host() + ":" + get("s3.port"));
    }
}
