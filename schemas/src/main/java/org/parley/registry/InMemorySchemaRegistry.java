package org.parley.registry;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The registry in process memory: same ids for the same (subject, schema), no HTTP. For unit tests, the JMH
 * benchmarks and topology test drivers (as Kafka ships its MockProducer in the client jar), so that no test-jar is on
 * a compile path; integration tests and every running process use the real registry.
 */
public class InMemorySchemaRegistry extends SchemaRegistryClient {
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<Integer, Schema> schemas = new HashMap<>();

    public InMemorySchemaRegistry() {
        super("http://in-memory.invalid");
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        return ids.computeIfAbsent(subject + '\u0000' + schema, k -> {
            int id = schemas.size() + 1;
            schemas.put(id, schema);
            return id;
        });
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return register(subject, schema);
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema s = schemas.get(id);
        if (s == null) {
            throw new SchemaRegistryException("no schema " + id, 404, 40403);
        }
        return s;
    }
}
