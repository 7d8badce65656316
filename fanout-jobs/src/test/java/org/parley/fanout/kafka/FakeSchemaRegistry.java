package org.parley.fanout.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.parley.registry.SchemaRegistryClient;

/** An in-memory registry: ids from 100 on, one per (subject, schema); no HTTP. */
final class FakeSchemaRegistry extends SchemaRegistryClient {
    private final AtomicInteger nextId = new AtomicInteger(100);
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    FakeSchemaRegistry() {
        super("http://registry.invalid");
    }

    @Override
    public int register(String subject, Schema schema) {
        return ids.computeIfAbsent(subject + '\u0000' + schema, k -> {
            int id = nextId.getAndIncrement();
            schemas.put(id, schema);
            return id;
        });
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Integer id = ids.get(subject + '\u0000' + schema);
        if (id == null) {
            throw new IllegalStateException("not registered: " + subject);
        }
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema s = schemas.get(id);
        if (s == null) {
            throw new IllegalStateException("no schema " + id);
        }
        return s;
    }
}
