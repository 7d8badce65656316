package org.parley.infra.replay;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Compares two keyspaces of the read model table by table: row counts and a SHA-256 content hash per partition (over
 * every column's serialized value, in column-name order, row after row in clustering order). Write timestamps and
 * TTLs are not read, so they never count as a difference (docs/replay.md says why). For the first differing
 * partitions of each table it reads both sides' rows and reports the rows only one side has.
 */
public final class ReadModelComparison {
    /** Partitions per table whose rows are read back and printed (the rest are only counted). */
    static final int DETAILED_PARTITIONS = 10;

    /** One keyspace's rows, as the comparison reads them (the CQL one is {@link CqlKeyspaceRows}). */
    public interface Rows {
        /** The keyspace's name, for the report. */
        String name();

        /** The table's column names, or empty if the keyspace has no such table. */
        Optional<List<String>> columns(String table);

        /** Every row of the table, partition after partition. */
        void scan(String table, Consumer<ScannedRow> sink);

        /** The rows of one partition as text (for the report), keyed by the values a scanned row gave. */
        List<String> partition(String table, List<Object> partitionKey);
    }

    /**
     * One scanned row: its partition (printable label and the key's values, to read it back) and each column's
     * serialized value (null when the cell is empty).
     */
    public record ScannedRow(String partitionLabel, List<Object> partitionKey, Map<String, ByteBuffer> cells) {
    }

    /** How one partition differs: present on one side only, or present on both with other content. */
    public enum Kind { ONLY_LIVE, ONLY_REPLAYED, CONTENT }

    public record PartitionDifference(String partition, Kind kind, List<String> rowsOnlyLive,
                                      List<String> rowsOnlyReplayed) {
    }

    public record TableResult(String table, long liveRows, long replayedRows, long livePartitions,
                              long replayedPartitions, long differingPartitions, List<PartitionDifference> shown,
                              String problem) {
        public boolean equal() {
            return problem == null && differingPartitions == 0 && liveRows == replayedRows;
        }
    }

    public record Result(String live, String replayed, List<TableResult> tables) {
        public boolean equal() {
            return tables.stream().allMatch(TableResult::equal);
        }

        public long rows() {
            return tables.stream().mapToLong(TableResult::liveRows).sum();
        }
    }

    private final Rows live;
    private final Rows replayed;

    public ReadModelComparison(Rows live, Rows replayed) {
        this.live = live;
        this.replayed = replayed;
    }

    public Result compare(List<String> tables) {
        List<TableResult> out = new ArrayList<>();
        for (String table : tables) {
            out.add(compare(table));
        }
        return new Result(live.name(), replayed.name(), out);
    }

    private record Digest(List<Object> key, long rows, byte[] hash) {
    }

    private static final class Accumulator {
        final List<Object> key;
        final MessageDigest digest;
        long rows;

        Accumulator(List<Object> key) {
            this.key = key;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    TableResult compare(String table) {
        Optional<List<String>> liveColumns = live.columns(table);
        Optional<List<String>> replayedColumns = replayed.columns(table);
        if (liveColumns.isEmpty() || replayedColumns.isEmpty()) {
            String missing = liveColumns.isEmpty() ? live.name() : replayed.name();
            return new TableResult(table, 0, 0, 0, 0, 0, List.of(), "no table " + missing + "." + table);
        }
        if (!new java.util.TreeSet<>(liveColumns.get()).equals(new java.util.TreeSet<>(replayedColumns.get()))) {
            return new TableResult(table, 0, 0, 0, 0, 0, List.of(), "columns differ: " + live.name() + " "
                    + liveColumns.get() + ", " + replayed.name() + " " + replayedColumns.get());
        }
        List<String> columns = new ArrayList<>(new java.util.TreeSet<>(liveColumns.get()));
        Map<String, Digest> a = digests(live, table, columns);
        Map<String, Digest> b = digests(replayed, table, columns);
        long liveRows = a.values().stream().mapToLong(Digest::rows).sum();
        long replayedRows = b.values().stream().mapToLong(Digest::rows).sum();
        Set<String> partitions = new LinkedHashSet<>(new TreeMap<>(a).keySet());
        partitions.addAll(new TreeMap<>(b).keySet());
        long differing = 0;
        List<PartitionDifference> shown = new ArrayList<>();
        for (String p : partitions) {
            Digest x = a.get(p);
            Digest y = b.get(p);
            Kind kind = x == null ? Kind.ONLY_REPLAYED : y == null ? Kind.ONLY_LIVE
                    : Arrays.equals(x.hash(), y.hash()) ? null : Kind.CONTENT;
            if (kind == null) {
                continue;
            }
            differing++;
            if (shown.size() < DETAILED_PARTITIONS) {
                List<Object> key = x != null ? x.key() : y.key();
                List<String> liveText = x == null ? List.of() : live.partition(table, key);
                List<String> replayedText = y == null ? List.of() : replayed.partition(table, key);
                List<String> onlyLive = new ArrayList<>(liveText);
                onlyLive.removeAll(replayedText);
                List<String> onlyReplayed = new ArrayList<>(replayedText);
                onlyReplayed.removeAll(liveText);
                shown.add(new PartitionDifference(p, kind, onlyLive, onlyReplayed));
            }
        }
        return new TableResult(table, liveRows, replayedRows, a.size(), b.size(), differing, shown, null);
    }

    private static Map<String, Digest> digests(Rows rows, String table, List<String> columns) {
        Map<String, Accumulator> acc = new HashMap<>();
        rows.scan(table, row -> {
            Accumulator p = acc.computeIfAbsent(row.partitionLabel(), k -> new Accumulator(row.partitionKey()));
            p.rows++;
            for (String column : columns) {
                ByteBuffer value = row.cells().get(column);
                byte[] name = column.getBytes(StandardCharsets.UTF_8);
                p.digest.update(ByteBuffer.allocate(4).putInt(name.length).array());
                p.digest.update(name);
                if (value == null) {
                    p.digest.update(ByteBuffer.allocate(4).putInt(-1).array());
                } else {
                    ByteBuffer v = value.duplicate();
                    p.digest.update(ByteBuffer.allocate(4).putInt(v.remaining()).array());
                    p.digest.update(v);
                }
            }
        });
        Map<String, Digest> out = new HashMap<>();
        acc.forEach((label, p) -> out.put(label, new Digest(p.key, p.rows, p.digest.digest())));
        return out;
    }

    /** Prints the result: one line per table, then each shown difference; the last line says EQUAL or DIFFERENT. */
    public static void print(Result result, PrintStream out) {
        out.printf("comparing %s (live) with %s (replayed)%n", result.live(), result.replayed());
        out.printf("  %-22s %12s %12s %11s  %s%n", "table", "live rows", "replayed", "partitions", "");
        long differing = 0;
        for (TableResult t : result.tables()) {
            if (t.problem() != null) {
                out.printf("  %-22s %s%n", t.table(), "DIFFERENT: " + t.problem());
                differing++;
                continue;
            }
            String verdict = t.equal() ? "equal" : "DIFFERENT: " + t.differingPartitions() + " partition(s)";
            out.printf("  %-22s %12d %12d %11d  %s%n", t.table(), t.liveRows(), t.replayedRows(),
                    Math.max(t.livePartitions(), t.replayedPartitions()), verdict);
            if (!t.equal()) {
                differing++;
            }
            for (PartitionDifference d : t.shown()) {
                out.printf("    %s %s%n", d.partition(), switch (d.kind()) {
                    case ONLY_LIVE -> "only in " + result.live();
                    case ONLY_REPLAYED -> "only in " + result.replayed();
                    case CONTENT -> "differs";
                });
                d.rowsOnlyLive().forEach(r -> out.printf("      - %s: %s%n", result.live(), r));
                d.rowsOnlyReplayed().forEach(r -> out.printf("      + %s: %s%n", result.replayed(), r));
            }
            if (t.differingPartitions() > t.shown().size()) {
                out.printf("    ... and %d more partition(s)%n", t.differingPartitions() - t.shown().size());
            }
        }
        out.println(result.equal()
                ? "EQUAL: " + result.tables().size() + " tables, " + result.rows() + " rows"
                : "DIFFERENT: " + differing + " of " + result.tables().size() + " tables differ");
        out.flush();
    }
}
