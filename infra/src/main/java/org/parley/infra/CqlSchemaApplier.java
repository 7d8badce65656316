package org.parley.infra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.metadata.Metadata;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.parley.config.Settings;
import org.parley.projections.CqlSessionFactory;

/** Applies the read-model CQL schema ({@code /cql/schema.cql}) idempotently and reports what it created or found. */
public final class CqlSchemaApplier {
    private static final Duration CONNECT_PATIENCE = Duration.ofSeconds(60);

    private final Settings settings;

    public CqlSchemaApplier(Settings settings) {
        this.settings = settings;
    }

    /** What a {@code CREATE ... IF NOT EXISTS} statement creates: kind (KEYSPACE, TABLE, TYPE, INDEX) and name. */
    public record Target(String kind, String keyspace, String name) {
        private static final Pattern CREATE = Pattern.compile(
                "^CREATE\\s+(KEYSPACE|TABLE|TYPE|INDEX|CUSTOM\\s+INDEX|MATERIALIZED\\s+VIEW)\\s+IF\\s+NOT\\s+EXISTS\\s+"
                        + "([A-Za-z0-9_\"]+)(?:\\.([A-Za-z0-9_\"]+))?",
                Pattern.CASE_INSENSITIVE);

        public static Optional<Target> of(String statement) {
            Matcher m = CREATE.matcher(statement.trim());
            if (!m.find()) {
                return Optional.empty();
            }
            String kind = m.group(1).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
            if (kind.equals("KEYSPACE")) {
                return Optional.of(new Target(kind, unquote(m.group(2)), unquote(m.group(2))));
            }
            return m.group(3) == null
                    ? Optional.of(new Target(kind, null, unquote(m.group(2))))
                    : Optional.of(new Target(kind, unquote(m.group(2)), unquote(m.group(3))));
        }

        private static String unquote(String s) {
            return s.startsWith("\"") ? s.substring(1, s.length() - 1) : s.toLowerCase(Locale.ROOT);
        }

        public String describe() {
            String k = kind.toLowerCase(Locale.ROOT);
            return kind.equals("KEYSPACE") ? k + " " + name : k + " " + (keyspace == null ? "" : keyspace + ".") + name;
        }
    }

    public List<String> apply() {
        List<String> statements = CqlScript.schemaStatements(settings);
        List<String> report = new ArrayList<>();
        try (CqlSession session = connect()) {
            for (String statement : statements) {
                Optional<Target> target = Target.of(statement);
                boolean existed = target.map(t -> exists(session.getMetadata(), t)).orElse(false);
                session.execute(statement);
                report.add(target.map(t -> (existed ? "found   " : "created ") + t.describe())
                        .orElse("applied " + abbreviate(statement)));
            }
            if (!session.checkSchemaAgreement()) {
                report.add("WARNING: schema agreement not reached");
            }
        }
        return report;
    }

    private CqlSession connect() {
        long deadline = System.nanoTime() + CONNECT_PATIENCE.toNanos();
        while (true) {
            try {
                return CqlSessionFactory.open(settings, false);
            } catch (DriverException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                sleep(1000);
            }
        }
    }

    private static boolean exists(Metadata metadata, Target t) {
        if (t.kind().equals("KEYSPACE")) {
            return metadata.getKeyspace(t.name()).isPresent();
        }
        if (t.keyspace() == null) {
            return false;
        }
        Optional<KeyspaceMetadata> ks = metadata.getKeyspace(t.keyspace());
        return switch (t.kind()) {
            case "TABLE" -> ks.flatMap(k -> k.getTable(t.name())).isPresent();
            case "TYPE" -> ks.flatMap(k -> k.getUserDefinedType(t.name())).isPresent();
            case "MATERIALIZED VIEW" -> ks.flatMap(k -> k.getView(t.name())).isPresent();
            default -> ks.map(k -> k.getTables().values().stream()
                    .anyMatch(table -> table.getIndex(t.name()).isPresent())).orElse(false);
        };
    }

    private static String abbreviate(String statement) {
        return statement.length() <= 80 ? statement : statement.substring(0, 77) + "...";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
