package org.parley.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The comparison over two in-memory keyspaces: equal ones, and each way a replayed one can differ. */
class ReadModelComparisonTest {
    /** A keyspace as rows of text cells: table → partition → rows (column → value, null for an empty cell). */
    static final class MemoryRows implements ReadModelComparison.Rows {
        final String name;
        final Map<String, List<String>> columns = new TreeMap<>();
        final Map<String, Map<String, List<Map<String, String>>>> tables = new TreeMap<>();

        MemoryRows(String name) {
            this.name = name;
        }

        MemoryRows row(String table, String partition, String... columnsAndValues) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < columnsAndValues.length; i += 2) {
                row.put(columnsAndValues[i], columnsAndValues[i + 1]);
            }
            columns.putIfAbsent(table, new ArrayList<>(row.keySet()));
            tables.computeIfAbsent(table, t -> new TreeMap<>()).computeIfAbsent(partition, p -> new ArrayList<>()).add(row);
            return this;
        }

        MemoryRows table(String table, String... columnNames) {
            columns.put(table, List.of(columnNames));
            tables.computeIfAbsent(table, t -> new TreeMap<>());
            return this;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Optional<List<String>> columns(String table) {
            return Optional.ofNullable(columns.get(table));
        }

        @Override
        public void scan(String table, Consumer<ReadModelComparison.ScannedRow> sink) {
            tables.getOrDefault(table, Map.of()).forEach((partition, rows) -> rows.forEach(row -> {
                Map<String, ByteBuffer> cells = new LinkedHashMap<>();
                row.forEach((c, v) -> cells.put(c, v == null ? null : ByteBuffer.wrap(v.getBytes(StandardCharsets.UTF_8))));
                sink.accept(new ReadModelComparison.ScannedRow("(" + partition + ")", List.of(partition), cells));
            }));
        }

        @Override
        public List<String> partition(String table, List<Object> key) {
            return tables.getOrDefault(table, Map.of()).getOrDefault((String) key.get(0), List.of()).stream()
                    .map(Object::toString).toList();
        }
    }

    private static MemoryRows model(String name) {
        return new MemoryRows(name)
                .row("messages", "dm:a:b/0", "seq", "2", "payload", "hi", "deleted", null)
                .row("messages", "dm:a:b/0", "seq", "1", "payload", "hello", "deleted", null)
                .row("messages", "g:1/0", "seq", "1", "payload", "group", "deleted", null)
                .row("presence", "alice", "online", "false");
    }

    private static String printed(ReadModelComparison.Result r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReadModelComparison.print(r, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void equalKeyspacesAreEqual() {
        ReadModelComparison.Result r = new ReadModelComparison(model("parley"), model("parley_replay"))
                .compare(List.of("messages", "presence"));
        assertThat(r.equal()).isTrue();
        assertThat(r.rows()).isEqualTo(4);
        assertThat(printed(r)).contains("EQUAL: 2 tables, 4 rows");
    }

    @Test
    void oneCellWrittenDifferentlyIsFoundAndItsRowsShown() {
        MemoryRows replayed = model("parley_replay");
        replayed.tables.get("messages").get("dm:a:b/0").get(1).put("payload", "hello (at 12:03:44)");
        ReadModelComparison.Result r = new ReadModelComparison(model("parley"), replayed)
                .compare(List.of("messages", "presence"));
        assertThat(r.equal()).isFalse();
        ReadModelComparison.TableResult messages = r.tables().get(0);
        assertThat(messages.liveRows()).isEqualTo(messages.replayedRows()).isEqualTo(3);
        assertThat(messages.differingPartitions()).isEqualTo(1);
        assertThat(messages.shown()).singleElement().satisfies(d -> {
            assertThat(d.partition()).isEqualTo("(dm:a:b/0)");
            assertThat(d.kind()).isEqualTo(ReadModelComparison.Kind.CONTENT);
            assertThat(d.rowsOnlyLive()).singleElement().asString().contains("payload=hello,");
            assertThat(d.rowsOnlyReplayed()).singleElement().asString().contains("hello (at 12:03:44)");
        });
        assertThat(r.tables().get(1).equal()).isTrue();
        assertThat(printed(r)).contains("DIFFERENT: 1 partition(s)").contains("(dm:a:b/0) differs")
                .contains("DIFFERENT: 1 of 2 tables differ");
    }

    @Test
    void anEmptyCellDiffersFromAnEmptyValue() {
        MemoryRows replayed = model("parley_replay");
        replayed.tables.get("presence").get("alice").get(0).put("online", null);
        assertThat(new ReadModelComparison(model("parley"), replayed).compare(List.of("presence")).equal()).isFalse();
    }

    @Test
    void missingAndExtraPartitionsAndRowsAreFound() {
        MemoryRows replayed = model("parley_replay")
                .row("messages", "dm:a:b/0", "seq", "3", "payload", "once more", "deleted", null)
                .row("presence", "bob", "online", "true");
        replayed.tables.get("messages").remove("g:1/0");
        ReadModelComparison.Result r = new ReadModelComparison(model("parley"), replayed)
                .compare(List.of("messages", "presence"));
        ReadModelComparison.TableResult messages = r.tables().get(0);
        assertThat(messages.differingPartitions()).isEqualTo(2);
        assertThat(messages.shown()).extracting(ReadModelComparison.PartitionDifference::kind)
                .containsExactlyInAnyOrder(ReadModelComparison.Kind.CONTENT, ReadModelComparison.Kind.ONLY_LIVE);
        ReadModelComparison.TableResult presence = r.tables().get(1);
        assertThat(presence.replayedRows()).isEqualTo(2);
        assertThat(presence.shown()).singleElement()
                .satisfies(d -> assertThat(d.kind()).isEqualTo(ReadModelComparison.Kind.ONLY_REPLAYED));
        assertThat(printed(r)).contains("only in parley_replay").contains("only in parley\n");
    }

    @Test
    void aMissingTableOrOtherColumnsAreADifference() {
        MemoryRows replayed = model("parley_replay").table("groups", "conversation_id", "name");
        MemoryRows live = model("parley").table("groups", "conversation_id", "name", "icon_key");
        ReadModelComparison.Result r = new ReadModelComparison(live, replayed).compare(List.of("groups", "reactions"));
        assertThat(r.equal()).isFalse();
        assertThat(r.tables().get(0).problem()).startsWith("columns differ");
        assertThat(r.tables().get(1).problem()).isEqualTo("no table parley.reactions");
    }
}
