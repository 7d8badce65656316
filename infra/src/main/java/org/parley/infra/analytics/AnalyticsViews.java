package org.parley.infra.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Defines the views an analyst queries over the projection's Parquet files: {@code raw_<table>} per table (its files
 * read with the {@code day} partition, only rows whose time is in [since, until) when a window is given; an empty
 * typed view while a table has no file), then the views of {@code analytics/views.sql}.
 */
public final class AnalyticsViews {
    static final String VIEWS = "analytics/views.sql";

    private AnalyticsViews() {
    }

    public static void define(Connection connection, Path dir, Instant since, Instant until) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
            s.execute("SET TimeZone = 'UTC'");
            for (AnalyticsTables.Table t : AnalyticsTables.ALL) {
                s.execute(rawView(t, dir, since, until));
            }
            for (String statement : SqlScript.split(viewsSql())) {
                s.execute(statement);
            }
        }
    }

    /** The text of analytics/views.sql (the derived views; docs/analytics.md prints it). */
    public static String viewsSql() {
        try (InputStream in = AnalyticsViews.class.getClassLoader().getResourceAsStream(VIEWS)) {
            if (in == null) {
                throw new IllegalStateException(VIEWS + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String rawView(AnalyticsTables.Table t, Path dir, Instant since, Instant until) {
        String columns = t.columns().stream().map(AnalyticsTables.Column::name).collect(Collectors.joining(", "));
        String source;
        if (hasFiles(dir.resolve(t.name()))) {
            String glob = dir.resolve(t.name()).toAbsolutePath() + "/*/*.parquet";
            source = "SELECT " + columns + " FROM read_parquet('" + glob.replace("'", "''") + "', hive_partitioning = true,"
                    + " hive_types = {'day': DATE}, union_by_name = true)";
        } else {
            source = "SELECT " + t.columns().stream().map(c -> "CAST(NULL AS " + c.type() + ") AS " + c.name())
                    .collect(Collectors.joining(", ")) + " WHERE false";
        }
        List<String> window = new ArrayList<>();
        if (since != null) {
            window.add(t.timeColumn() + " >= " + timestamp(since));
        }
        if (until != null) {
            window.add(t.timeColumn() + " < " + timestamp(until));
        }
        return "CREATE OR REPLACE VIEW raw_" + t.name() + " AS SELECT * FROM (" + source + ")"
                + (window.isEmpty() ? "" : " WHERE " + String.join(" AND ", window));
    }

    private static String timestamp(Instant t) {
        return "TIMESTAMP '" + LocalDateTime.ofInstant(t, ZoneOffset.UTC) + "'";
    }

    private static boolean hasFiles(Path tableDir) {
        if (!Files.isDirectory(tableDir)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(tableDir, 2)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
