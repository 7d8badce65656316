package org.parley.projections.cql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CQL tables of the read model as Cassandra resolves writes, for unit tests of the writers: cells with write
 * timestamps (the newest wins; on a tie a deletion wins, then the greater value), row and partition deletions, row
 * markers of INSERTs, primary keys read from {@code /cql/schema.cql}. Statements without {@code USING TIMESTAMP} get
 * the model's clock, which stands for the wall clock (later than any seq, rising with each statement). TTLs are not
 * modelled. It understands the statement shapes the writers use: INSERT ... VALUES (?...) [USING TIMESTAMP|TTL ?]
 * [IF NOT EXISTS], UPDATE [USING TIMESTAMP ?] SET c = ?|null|0x|true, ... WHERE k = ? AND ..., DELETE [USING
 * TIMESTAMP ?] WHERE k = ? AND ...
 */
public final class CqlModel {
    private static final Pattern INSERT = Pattern.compile(
            "^INSERT INTO (\\w+) \\(([^)]*)\\) VALUES \\(([^)]*)\\)\\s*(.*)$", Pattern.DOTALL);
    private static final Pattern UPDATE = Pattern.compile(
            "^UPDATE (\\w+)( USING TIMESTAMP \\?)? SET (.*) WHERE (.*)$", Pattern.DOTALL);
    private static final Pattern DELETE = Pattern.compile(
            "^DELETE FROM (\\w+)( USING TIMESTAMP \\?)? WHERE (.*?)( IF .*)?$", Pattern.DOTALL);
    private static final Pattern TAIL = Pattern.compile("(TIMESTAMP|TTL) \\?|IF NOT EXISTS");
    private static final String MARKER = "";

    private record Cell(Object value, long ts) {
    }

    private record Tombstone(Map<String, Object> restriction, long ts) {
    }

    private final Map<String, List<String>> primaryKeys;
    private final Map<String, Map<List<Object>, Map<String, Cell>>> rows = new HashMap<>();
    private final Map<String, List<Tombstone>> tombstones = new HashMap<>();
    private long clock = 1_700_000_000_000_000L;

    private CqlModel(Map<String, List<String>> primaryKeys) {
        this.primaryKeys = primaryKeys;
    }

    /** The tables of the shipped schema. */
    public static CqlModel fromSchema() {
        try (InputStream in = CqlModel.class.getResourceAsStream("/cql/schema.cql")) {
            return new CqlModel(primaryKeys(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, List<String>> primaryKeys(String schema) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher table = Pattern.compile("CREATE TABLE IF NOT EXISTS \\$\\{keyspace}\\.(\\w+) \\((.*?)\\n\\)", Pattern.DOTALL)
                .matcher(schema);
        while (table.find()) {
            String body = table.group(2);
            Matcher inline = Pattern.compile("(\\w+)\\s+\\w+\\s+PRIMARY KEY").matcher(body);
            Matcher compound = Pattern.compile("PRIMARY KEY \\((.*)\\)").matcher(body);
            List<String> key = new ArrayList<>();
            if (inline.find()) {
                key.add(inline.group(1));
            } else if (compound.find()) {
                for (String c : compound.group(1).replace("(", "").replace(")", "").split(",")) {
                    key.add(c.trim());
                }
            }
            out.put(table.group(1), List.copyOf(key));
        }
        return out;
    }

    /** Applies one executed statement with its bound values. */
    public void apply(String cql, List<Object> values) {
        Iterator<Object> bound = values.iterator();
        clock++;
        Matcher m;
        if ((m = INSERT.matcher(cql)).matches()) {
            String table = m.group(1);
            List<String> columns = split(m.group(2), ",");
            Map<String, Object> assigned = new LinkedHashMap<>();
            for (String c : columns) {
                assigned.put(c, bound.next());
            }
            long ts = clock;
            boolean ifNotExists = false;
            Matcher tail = TAIL.matcher(m.group(4));
            while (tail.find()) {
                if ("TIMESTAMP".equals(tail.group(1))) {
                    ts = ((Number) bound.next()).longValue();
                } else if ("TTL".equals(tail.group(1))) {
                    bound.next();
                } else {
                    ifNotExists = true;
                }
            }
            List<Object> key = key(table, assigned);
            if (ifNotExists && row(table, key) != null) {
                return;
            }
            Map<String, Cell> row = rows.computeIfAbsent(table, t -> new HashMap<>()).computeIfAbsent(key, k -> new HashMap<>());
            write(row, MARKER, Boolean.TRUE, ts);
            for (Map.Entry<String, Object> a : assigned.entrySet()) {
                if (!primaryKeys.get(table).contains(a.getKey())) {
                    write(row, a.getKey(), a.getValue(), ts);
                }
            }
        } else if ((m = UPDATE.matcher(cql)).matches()) {
            String table = m.group(1);
            long ts = m.group(2) != null ? ((Number) bound.next()).longValue() : clock;
            Map<String, Object> set = new LinkedHashMap<>();
            for (String assignment : split(m.group(3), ",")) {
                String[] parts = assignment.split("=", 2);
                String literal = parts[1].trim();
                set.put(parts[0].trim(), switch (literal) {
                    case "?" -> bound.next();
                    case "null" -> null;
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> literal; // a blob literal such as 0x
                });
            }
            Map<String, Object> where = where(m.group(4), bound);
            Map<String, Cell> row = rows.computeIfAbsent(table, t -> new HashMap<>())
                    .computeIfAbsent(key(table, where), k -> new HashMap<>());
            set.forEach((c, v) -> write(row, c, v, ts));
        } else if ((m = DELETE.matcher(cql)).matches()) {
            String table = m.group(1);
            long ts = m.group(2) != null ? ((Number) bound.next()).longValue() : clock;
            tombstones.computeIfAbsent(table, t -> new ArrayList<>()).add(new Tombstone(where(m.group(3), bound), ts));
        } else {
            throw new IllegalArgumentException("CqlModel does not understand: " + cql);
        }
        if (bound.hasNext()) {
            throw new IllegalArgumentException("more values than placeholders in: " + cql + " " + values);
        }
    }

    private static void write(Map<String, Cell> row, String column, Object value, long ts) {
        Cell old = row.get(column);
        if (old == null || ts > old.ts() || ts == old.ts() && wins(value, old.value())) {
            row.put(column, new Cell(value, ts));
        }
    }

    /** On equal timestamps: a deletion (null) wins, then the greater value. */
    private static boolean wins(Object value, Object old) {
        if (old == null) {
            return false;
        }
        return value == null || String.valueOf(value).compareTo(String.valueOf(old)) > 0;
    }

    private static Map<String, Object> where(String clause, Iterator<Object> bound) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String condition : split(clause, " AND ")) {
            String[] parts = condition.split("=", 2);
            if (!parts[1].trim().equals("?")) {
                throw new IllegalArgumentException("CqlModel only knows 'column = ?' restrictions: " + clause);
            }
            out.put(parts[0].trim(), bound.next());
        }
        return out;
    }

    private List<Object> key(String table, Map<String, Object> values) {
        List<String> pk = primaryKeys.get(table);
        if (pk == null) {
            throw new IllegalArgumentException("no table " + table + " in the schema");
        }
        List<Object> key = new ArrayList<>();
        for (String c : pk) {
            if (!values.containsKey(c)) {
                throw new IllegalArgumentException(table + ": the write names no " + c + " (primary key " + pk + ")");
            }
            key.add(values.get(c));
        }
        return key;
    }

    private static List<String> split(String text, String separator) {
        List<String> out = new ArrayList<>();
        for (String s : text.split(Pattern.quote(separator))) {
            out.add(s.trim());
        }
        return out;
    }

    /** The row's visible cells (key columns included), or null if the row is not visible. */
    private Map<String, Object> row(String table, List<Object> key) {
        Map<String, Cell> cells = rows.getOrDefault(table, Map.of()).get(key);
        if (cells == null) {
            return null;
        }
        List<String> pk = primaryKeys.get(table);
        long deletedAt = Long.MIN_VALUE;
        for (Tombstone t : tombstones.getOrDefault(table, List.of())) {
            boolean covers = t.restriction().entrySet().stream()
                    .allMatch(r -> java.util.Objects.equals(key.get(pk.indexOf(r.getKey())), r.getValue()));
            if (covers) {
                deletedAt = Math.max(deletedAt, t.ts());
            }
        }
        Map<String, Object> out = new TreeMap<>();
        boolean live = false;
        for (Map.Entry<String, Cell> c : cells.entrySet()) {
            if (c.getValue().ts() > deletedAt && c.getValue().value() != null) {
                live = true;
                if (!c.getKey().equals(MARKER)) {
                    out.put(c.getKey(), c.getValue().value());
                }
            }
        }
        if (!live) {
            return null;
        }
        for (int i = 0; i < pk.size(); i++) {
            out.put(pk.get(i), key.get(i));
        }
        return out;
    }

    /** The visible rows of one table, by their primary key's text. */
    public Map<String, Map<String, Object>> table(String table) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        rows.getOrDefault(table, Map.of()).keySet().forEach(key -> {
            Map<String, Object> row = row(table, key);
            if (row != null) {
                out.put(key.toString(), row);
            }
        });
        return out;
    }

    /** Every table's visible rows: what a SELECT * of each table would return. */
    public Map<String, Map<String, Map<String, Object>>> snapshot() {
        Map<String, Map<String, Map<String, Object>>> out = new TreeMap<>();
        for (String table : rows.keySet()) {
            Map<String, Map<String, Object>> t = table(table);
            if (!t.isEmpty()) {
                out.put(table, t);
            }
        }
        return out;
    }
}
