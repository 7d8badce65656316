package org.parley.infra.replay;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.ColumnDefinition;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.schema.ColumnMetadata;
import com.datastax.oss.driver.api.core.metadata.schema.TableMetadata;
import com.datastax.oss.driver.api.core.type.codec.registry.CodecRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Consumer;

/** A keyspace's rows read over CQL: full scans, paged ({@code SELECT *}, so no write time or TTL is read). */
public final class CqlKeyspaceRows implements ReadModelComparison.Rows {
    private static final int PAGE = 2000;

    private final CqlSession session;
    private final String keyspace;

    public CqlKeyspaceRows(CqlSession session, String keyspace) {
        this.session = session;
        this.keyspace = keyspace;
    }

    @Override
    public String name() {
        return keyspace;
    }

    private Optional<TableMetadata> table(String table) {
        return session.getMetadata().getKeyspace(keyspace).flatMap(k -> k.getTable(table));
    }

    @Override
    public Optional<List<String>> columns(String table) {
        return table(table).map(t -> t.getColumns().keySet().stream().map(CqlIdentifier::asInternal).toList());
    }

    @Override
    public void scan(String table, Consumer<ReadModelComparison.ScannedRow> sink) {
        List<String> key = table(table).orElseThrow().getPartitionKey().stream()
                .map(c -> c.getName().asInternal()).toList();
        CodecRegistry codecs = session.getContext().getCodecRegistry();
        ResultSet rs = session.execute(SimpleStatement.newInstance("SELECT * FROM " + keyspace + "." + table)
                .setPageSize(PAGE));
        for (Row row : rs) {
            Map<String, ByteBuffer> cells = new HashMap<>();
            int i = 0;
            for (ColumnDefinition def : row.getColumnDefinitions()) {
                cells.put(def.getName().asInternal(), row.getBytesUnsafe(i++));
            }
            List<Object> values = new ArrayList<>();
            StringJoiner label = new StringJoiner(", ", "(", ")");
            for (String column : key) {
                Object value = row.getObject(column);
                values.add(value);
                label.add(column + "=" + codecs.codecFor(row.getType(column)).format(value));
            }
            sink.accept(new ReadModelComparison.ScannedRow(label.toString(), values, cells));
        }
    }

    @Override
    public List<String> partition(String table, List<Object> partitionKey) {
        List<ColumnMetadata> key = table(table).orElseThrow().getPartitionKey();
        StringJoiner where = new StringJoiner(" AND ");
        key.forEach(c -> where.add(c.getName().asCql(true) + " = ?"));
        List<String> out = new ArrayList<>();
        for (Row row : session.execute(SimpleStatement.newInstance("SELECT * FROM " + keyspace + "." + table
                + " WHERE " + where, partitionKey.toArray()))) {
            out.add(row.getFormattedContents());
        }
        return out;
    }
}
