package org.parley.infra.analytics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.parley.config.Settings;
import org.parley.infra.TopicDump;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./parley sql}: exports what is new in the log to the analytics projection (Parquet, partitioned by day), then
 * runs SQL over it with DuckDB (the views of docs/analytics.md): the statements of files, of {@code -e}, or of an
 * interactive prompt on standard input. Exit 0, 1 when a statement failed, 2 for bad usage or a failed export.
 */
@Command(name = "./parley sql", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exports what is new in the log to the analytics projection (Parquet files partitioned by day,"
                + " metadata only), then runs SQL over it with DuckDB: files, -e, or a prompt on standard input.",
                "Views: events, messages, receipts, deliveries, pushes, devices, groups, delivery_latency (docs/analytics.md)."})
public final class SqlCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "0..*", description = "SQL files to run, in order")
    List<Path> files = new ArrayList<>();

    @Option(names = {"-e", "--execute"}, paramLabel = "SQL", description = "SQL to run (after the files)")
    List<String> execute = new ArrayList<>();

    @Option(names = "--since", paramLabel = "TIME", description = "only rows at or after this time (ISO-8601, UTC)")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "only rows before this time (ISO-8601, UTC)")
    String until;

    @Option(names = "--csv", description = "print results as CSV (default: aligned columns)")
    boolean csv;

    @Option(names = "--no-export", description = "query the projection as it is, without exporting what is new first")
    boolean noExport;

    @Option(names = "--export-only", description = "export what is new, run no SQL")
    boolean exportOnly;

    @Option(names = "--rebuild", description = "delete the projection's files and export the whole log again")
    boolean rebuild;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "the projection's folder (default: analytics.dir, else <data.dir>/data/analytics)")
    Path dir;

    private final Settings settings;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    public SqlCommand() {
        this(Settings.load(), System.in, System.out, System.err);
    }

    public SqlCommand(Settings settings, InputStream in, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "parley-infra-logback.xml"); // the tools' logging config
        }
        System.exit(new CommandLine(new SqlCommand()).execute(args));
    }

    /** The projection's folder from the settings. */
    public static Path defaultDir(Settings settings) {
        String configured = settings.find("analytics.dir").orElse("");
        return configured.isBlank() ? Path.of(settings.get("data.dir"), "data", "analytics") : Path.of(configured);
    }

    @Override
    public Integer call() throws Exception {
        Instant from;
        Instant to;
        List<String> scripts = new ArrayList<>();
        try {
            from = time("--since", since);
            to = time("--until", until);
            if (noExport && (rebuild || exportOnly)) {
                throw new IllegalArgumentException("--no-export does not go with --rebuild or --export-only");
            }
            if (exportOnly && (!files.isEmpty() || !execute.isEmpty())) {
                throw new IllegalArgumentException("--export-only runs no SQL: drop the files and -e");
            }
            for (Path f : files) {
                f = callerPath(f);
                try {
                    scripts.add(Files.readString(f, StandardCharsets.UTF_8));
                } catch (NoSuchFileException e) {
                    throw new IllegalArgumentException("no file " + f);
                }
            }
            scripts.addAll(execute);
        } catch (IllegalArgumentException e) {
            err.println("parley sql: " + e.getMessage());
            return 2;
        }
        Path projection = dir != null ? callerPath(dir) : defaultDir(settings);
        if (!noExport) {
            try (AnalyticsStore store = AnalyticsStore.open(projection)) {
                if (rebuild) {
                    err.println("deleting the analytics projection in " + projection);
                    store.reset();
                }
                AnalyticsExport.Result r = new AnalyticsExport(settings, err, 2_000).run(store);
                err.printf("exported %,d records (%,d rows%s) in %.1f s (%,.0f records/s), %d batches; files: %s%n",
                        r.records(), r.rows(), r.skipped() > 0 ? ", " + r.skipped() + " skipped" : "", r.seconds(),
                        r.recordsPerSecond(), r.batches(), store.fileCounts());
            } catch (RuntimeException e) {
                // Kafka or the registry unreachable, a damaged state file, another export running: nothing of the
                // batch in flight was committed; the next run goes on from the last committed batch.
                err.println("parley sql: export failed: " + e);
                return 2;
            }
        }
        if (exportOnly) {
            return 0;
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            AnalyticsViews.define(c, projection, from, to);
            if (scripts.isEmpty()) {
                prompt(c);
                return 0;
            }
            for (String script : scripts) {
                for (String statement : SqlScript.split(script)) {
                    if (!run(c, statement)) {
                        return 1;
                    }
                }
            }
            return 0;
        }
    }

    /** A relative path as the caller meant it: ./parley runs from the repository root and passes where it was called. */
    private static Path callerPath(Path p) {
        String cwd = System.getProperty("parley.cwd");
        return p.isAbsolute() || cwd == null || cwd.isBlank() ? p : Path.of(cwd).resolve(p);
    }

    private static Instant time(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return TopicDump.parseTime(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + ": cannot read '" + text
                    + "' as ISO-8601 (e.g. 2026-01-31T12:00:00Z, 2026-01-31T12:00, 2026-01-31)");
        }
    }

    /** Runs one statement and prints its result; false (and the error on stderr) if it failed. */
    private boolean run(Connection c, String statement) {
        long started = System.nanoTime();
        try (Statement s = c.createStatement()) {
            long rows = -1;
            if (s.execute(statement)) {
                try (ResultSet rs = s.getResultSet()) {
                    rows = csv ? printCsv(rs, out) : printTable(rs, out);
                }
            }
            out.flush();
            err.printf("(%s%.1f ms)%n", rows >= 0 ? rows + (rows == 1 ? " row, " : " rows, ") : "",
                    (System.nanoTime() - started) / 1e6);
            return true;
        } catch (SQLException e) {
            err.println("error: " + e.getMessage());
            return false;
        }
    }

    private void prompt(Connection c) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        boolean tty = System.console() != null && in == System.in;
        if (tty) {
            err.println("DuckDB over the analytics projection. Views: events, messages, receipts, deliveries, pushes,"
                    + " devices, groups, delivery_latency (SHOW TABLES; DESCRIBE messages;). End a statement with ';',"
                    + " quit with .quit or Ctrl-D.");
        }
        StringBuilder pending = new StringBuilder();
        while (true) {
            if (tty) {
                err.print(pending.isEmpty() ? "parley> " : "   ...> ");
                err.flush();
            }
            String line = reader.readLine();
            if (line == null) {
                break;
            }
            if (pending.isEmpty() && (line.strip().equals(".quit") || line.strip().equals(".exit"))) {
                break;
            }
            pending.append(line).append('\n');
            if (SqlScript.complete(pending.toString())) {
                for (String statement : SqlScript.split(pending.toString())) {
                    run(c, statement);
                }
                pending.setLength(0);
            }
        }
        for (String statement : SqlScript.split(pending.toString())) {
            run(c, statement);
        }
    }

    static long printCsv(ResultSet rs, PrintStream out) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String> header = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            header.add(csvField(md.getColumnLabel(i)));
        }
        out.println(String.join(",", header));
        long rows = 0;
        while (rs.next()) {
            List<String> fields = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                String v = text(rs, i);
                fields.add(v == null ? "" : csvField(v));
            }
            out.println(String.join(",", fields));
            rows++;
        }
        return rows;
    }

    /** A value as text; a timestamp as {@code 2026-12-07 01:02:03} (with {@code .123} only if it has millis). */
    static String text(ResultSet rs, int column) throws SQLException {
        Object v = rs.getObject(column);
        if (v instanceof java.sql.Timestamp ts) {
            java.time.LocalDateTime t = ts.toLocalDateTime();
            String base = t.withNano(0).toString().replace('T', ' ');
            base = t.getSecond() == 0 && base.length() == 16 ? base + ":00" : base;
            return t.getNano() == 0 ? base : base + String.format(".%06d", t.getNano() / 1000).replaceAll("0+$", "");
        }
        return v == null ? null : rs.getString(column);
    }

    private static String csvField(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    static long printTable(ResultSet rs, PrintStream out) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<String[]> rows = new ArrayList<>();
        int[] width = new int[n];
        String[] header = new String[n];
        for (int i = 0; i < n; i++) {
            header[i] = md.getColumnLabel(i + 1);
            width[i] = header[i].length();
        }
        while (rs.next()) {
            String[] row = new String[n];
            for (int i = 0; i < n; i++) {
                String v = text(rs, i + 1);
                row[i] = v == null ? "NULL" : v;
                width[i] = Math.max(width[i], row[i].length());
            }
            rows.add(row);
        }
        out.println(line(header, width));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < n; i++) {
            rule.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
        }
        out.println(rule);
        for (String[] row : rows) {
            out.println(line(row, width));
        }
        return rows.size();
    }

    private static String line(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            b.append(i == 0 ? "" : " | ").append(cells[i]).append(" ".repeat(width[i] - cells[i].length()));
        }
        return b.toString().stripTrailing();
    }
}
