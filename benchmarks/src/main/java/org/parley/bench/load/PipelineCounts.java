package org.parley.bench.load;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.parley.config.Settings;

/**
 * What one message costs the log and the read model: the end offsets of every Kafka topic (internal ones, Streams
 * changelogs and transaction markers included: each marker takes an offset) and the CQL write count of every table of
 * the keyspace (Cassandra's {@code WriteLatency} count over JMX; its reads too, {@code ReadLatency}), taken before and
 * after a run. The difference divided
 * by the operations sent is "records per message" and "CQL writes per message".
 */
final class PipelineCounts {
    private PipelineCounts() {
    }

    /** Counters by name ({@code kafka:<topic>}, {@code cql:<table>}); a source that cannot be read is left out. */
    static Map<String, Long> snapshot(Settings s) {
        Map<String, Long> out = new TreeMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.kafkaBootstrap()))) {
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(10, TimeUnit.SECONDS);
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            described.values().forEach(d -> d.partitions().forEach(p ->
                    latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
            admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> out.merge("kafka:" + tp.topic(), info.offset(), Long::sum));
        } catch (Exception e) {
            out.put("kafka:unreadable", 0L);
        }
        String url = "service:jmx:rmi:///jndi/rmi://" + s.get("bind.host") + ":" + s.get("cql.jmx-port") + "/jmxrmi";
        try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(url))) {
            MBeanServerConnection c = jmx.getMBeanServerConnection();
            // Writes, and the single-partition reads the edge and the projections make (cql-read:, not in cqlWrites).
            for (String[] kind : new String[][] {{"WriteLatency", "cql:"}, {"ReadLatency", "cql-read:"}}) {
                ObjectName pattern = new ObjectName("org.apache.cassandra.metrics:type=Table,keyspace="
                        + s.get("cql.keyspace") + ",scope=*,name=" + kind[0]);
                for (ObjectName name : c.queryNames(pattern, null)) {
                    out.put(kind[1] + name.getKeyProperty("scope"), ((Number) c.getAttribute(name, "Count")).longValue());
                }
            }
        } catch (Exception e) {
            out.put("cql:unreadable", 0L);
        }
        return out;
    }

    /** Per operation: each counter's growth divided by {@code operations}, plus the Kafka and CQL totals. */
    static JsonObject perOperation(Map<String, Long> before, Map<String, Long> after, long operations) {
        Map<String, Double> per = new TreeMap<>();
        after.forEach((k, v) -> {
            long grown = v - before.getOrDefault(k, 0L);
            if (grown > 0) {
                per.put(k, grown / (double) Math.max(1, operations));
            }
        });
        JsonObject out = new JsonObject().put("operations", operations);
        out.put("kafkaRecords", round(sum(per, "kafka:")));
        out.put("cqlWrites", round(sum(per, "cql:")));
        out.put("cqlReads", round(sum(per, "cql-read:")));
        JsonObject each = new JsonObject();
        per.forEach((k, v) -> each.put(k, round(v)));
        out.put("byCounter", each);
        return out;
    }

    private static double sum(Map<String, Double> per, String prefix) {
        return per.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .collect(Collectors.summingDouble(Map.Entry::getValue));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
