package org.parley.infra.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The analytics projection on disk: a folder per table of Parquet files partitioned by day
 * ({@code <dir>/<table>/day=YYYY-MM-DD/b<batch>_<i>.parquet}) and {@code _state.properties}, the log offsets the files
 * hold everything before, with the number of the last batch written.
 *
 * <p>A batch is written in two steps: its rows go to new files named by the batch's number, then the state file is
 * replaced (write and atomic rename) with the new offsets and that number. A crash between the two leaves files of a
 * batch the state does not name: opening the store deletes them, and the export reads those records again from the
 * offsets the state names. So every record is in exactly one committed file, however often an export is stopped and
 * run again. One export at a time: the store holds a lock on {@code .lock} while open.
 */
public final class AnalyticsStore implements AutoCloseable {
    static final String STATE = "_state.properties";
    private static final String BATCH_KEY = "batch";

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private long batch;
    private final Map<String, Long> offsets = new TreeMap<>();

    private AnalyticsStore(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating) the folder, takes its lock and removes any files of a batch that was not committed. */
    public static AnalyticsStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("another export is writing " + dir + " (it holds " + dir.resolve(".lock") + ")");
        }
        AnalyticsStore store = new AnalyticsStore(dir, channel, lock);
        store.readState();
        store.removeUncommitted();
        return store;
    }

    public Path dir() {
        return dir;
    }

    /** The last committed batch (0: none). */
    public long batch() {
        return batch;
    }

    /** Next offset to read per {@code topic:partition} (absent: from the beginning). */
    public Map<String, Long> offsets() {
        return Map.copyOf(offsets);
    }

    /** Deletes every table's files and the state: the next export starts from the beginning of the log. */
    public void reset() throws IOException {
        for (AnalyticsTables.Table t : AnalyticsTables.ALL) {
            deleteTree(dir.resolve(t.name()));
        }
        Files.deleteIfExists(dir.resolve(STATE));
        batch = 0;
        offsets.clear();
    }

    /** Starts the next batch: rows are staged in an in-memory DuckDB until {@link Batch#commit}. */
    public Batch begin() throws SQLException {
        return new Batch(batch + 1);
    }

    /** The rows of one batch, staged in an in-memory DuckDB (off the Java heap). */
    public final class Batch implements AutoCloseable {
        private final long number;
        private final DuckDBConnection connection;
        private final Map<String, DuckDBAppender> appenders = new LinkedHashMap<>();
        private final Map<String, Long> counts = new HashMap<>();

        private Batch(long number) throws SQLException {
            this.number = number;
            this.connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
            try (Statement s = connection.createStatement()) {
                s.execute("SET autoinstall_known_extensions = false");
                s.execute("SET autoload_known_extensions = false");
                for (AnalyticsTables.Table t : AnalyticsTables.ALL) {
                    s.execute("CREATE TABLE " + t.name() + " (" + t.ddl() + ")");
                }
            }
        }

        public void add(AnalyticsRows.Row row) throws SQLException {
            AnalyticsTables.Table t = row.table();
            if (row.values().length != t.width()) {
                throw new IllegalArgumentException(t.name() + " has " + t.width() + " columns, the row "
                        + row.values().length);
            }
            DuckDBAppender a = appenders.get(t.name());
            if (a == null) {
                a = connection.createAppender(DuckDBConnection.DEFAULT_SCHEMA, t.name());
                appenders.put(t.name(), a);
            }
            a.beginRow();
            for (Object v : row.values()) {
                append(a, v);
            }
            a.endRow();
            counts.merge(t.name(), 1L, Long::sum);
        }

        public long rows() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Rows per table in this batch. */
        public Map<String, Long> counts() {
            return Map.copyOf(counts);
        }

        /** Writes the batch's files, then the state naming them and {@code nextOffsets} (merged over the old ones). */
        public void commit(Map<String, Long> nextOffsets) throws SQLException, IOException {
            writeFiles();
            Map<String, Long> merged = new TreeMap<>(offsets);
            merged.putAll(nextOffsets);
            writeState(number, merged);
            batch = number;
            offsets.clear();
            offsets.putAll(merged);
        }

        /** The first step of a commit alone (a test stands in for a crash before the state is written). */
        void writeFiles() throws SQLException {
            for (DuckDBAppender a : appenders.values()) {
                a.close();
            }
            appenders.clear();
            try (Statement s = connection.createStatement()) {
                for (AnalyticsTables.Table t : AnalyticsTables.ALL) {
                    if (counts.getOrDefault(t.name(), 0L) == 0) {
                        continue;
                    }
                    String target = dir.resolve(t.name()).toAbsolutePath().toString().replace("'", "''");
                    s.execute("COPY (SELECT * FROM " + t.name() + " ORDER BY day) TO '" + target + "' (FORMAT parquet,"
                            + " COMPRESSION zstd, PARTITION_BY (day), FILENAME_PATTERN '" + filePrefix(number) + "{i}',"
                            + " OVERWRITE_OR_IGNORE true)");
                }
            }
        }

        @Override
        public void close() throws SQLException {
            for (DuckDBAppender a : appenders.values()) {
                a.close();
            }
            connection.close();
        }
    }

    static String filePrefix(long batch) {
        return String.format("b%010d_", batch);
    }

    private static void append(DuckDBAppender a, Object v) throws SQLException {
        if (v == null) {
            a.appendNull();
        } else if (v instanceof String s) {
            a.append(s);
        } else if (v instanceof Long l) {
            a.append((long) l);
        } else if (v instanceof Integer i) {
            a.append((int) i);
        } else if (v instanceof Boolean b) {
            a.append((boolean) b);
        } else if (v instanceof LocalDateTime t) {
            a.append(t);
        } else if (v instanceof LocalDate d) {
            a.append(d);
        } else if (v instanceof Collection<?> c) {
            a.append(c);
        } else {
            throw new IllegalArgumentException("no analytics column holds a " + v.getClass().getName());
        }
    }

    private void readState() throws IOException {
        Path state = dir.resolve(STATE);
        if (!Files.exists(state)) {
            return;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            p.load(in);
        }
        try {
            batch = Long.parseLong(p.getProperty(BATCH_KEY, "0"));
            for (String key : p.stringPropertyNames()) {
                if (!key.equals(BATCH_KEY)) {
                    offsets.put(key, Long.parseLong(p.getProperty(key)));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalStateException(state + " is damaged (" + e.getMessage() + "): run with --rebuild", e);
        }
    }

    private void writeState(long number, Map<String, Long> next) throws IOException {
        Properties p = new Properties();
        p.setProperty(BATCH_KEY, Long.toString(number));
        next.forEach((k, v) -> p.setProperty(k, Long.toString(v)));
        Path tmp = dir.resolve(STATE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "analytics projection: next offset per topic:partition; files up to batch " + number);
        }
        Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Files of batches after the committed one: written by an export that stopped before its commit. */
    private void removeUncommitted() throws IOException {
        for (AnalyticsTables.Table t : AnalyticsTables.ALL) {
            Path tableDir = dir.resolve(t.name());
            if (!Files.isDirectory(tableDir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(tableDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String name = f.getFileName().toString();
                    if (name.matches("b\\d{10}_\\d+\\.parquet") && Long.parseLong(name.substring(1, 11)) > batch) {
                        Files.delete(f);
                    }
                }
            }
        }
    }

    /** Parquet files per table (for the summary line). */
    public Map<String, Long> fileCounts() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (AnalyticsTables.Table t : AnalyticsTables.ALL) {
            Path tableDir = dir.resolve(t.name());
            long n = 0;
            if (Files.isDirectory(tableDir)) {
                try (Stream<Path> files = Files.walk(tableDir)) {
                    n = files.filter(f -> f.toString().endsWith(".parquet")).count();
                }
            }
            out.put(t.name(), n);
        }
        return out;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }
}
