package org.parley.infra.replay;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.parley.config.Settings;
import org.parley.infra.TopicDump;
import org.parley.registry.SchemaRegistryClient;
import org.parley.serde.GenericJsonDecoder;

/**
 * One topic's records in a range (offsets or times, half-open [from, to) in every partition) written as JSON lines:
 * the record as {@code ./parley topic} prints it (topic, partition, offset, timestamp, key, headers, the value decoded
 * through the registry by its writer schema) with the value's schema id first. Committed records only.
 */
public final class TopicRangeExport {
    /** A bound of the range: an offset (in every partition) or a time (the first record at or after it). */
    public record Bound(Long offset, Instant time) {
        /** A number is an offset; anything else is read as a time ({@link TopicDump#parseTime}). */
        public static Bound parse(String text) {
            String t = text.trim();
            if (t.matches("\\d+")) {
                return new Bound(Long.parseLong(t), null);
            }
            try {
                return new Bound(null, TopicDump.parseTime(t));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text + "' is neither an offset nor an ISO-8601 time"
                        + " (e.g. 2026-01-31T12:00:00Z, 2026-01-31)");
            }
        }
    }

    private final Settings settings;

    public TopicRangeExport(Settings settings) {
        this.settings = settings;
    }

    /** Writes the records of {@code topic} in [from, to) (null: the beginning, the current end); returns how many. */
    public long export(String topic, Integer partition, Bound from, Bound to, Writer target) throws IOException {
        GenericJsonDecoder decoder = new GenericJsonDecoder(new SchemaRegistryClient(settings.registryUrl()));
        BufferedWriter out = new BufferedWriter(target, 1 << 16);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config())) {
            List<PartitionInfo> infos = consumer.listTopics(Duration.ofSeconds(15)).get(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("no topic '" + topic + "' at " + settings.kafkaBootstrap());
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.stream().filter(i -> partition == null || i.partition() == partition)
                    .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            if (partitions.isEmpty()) {
                throw new IllegalArgumentException("topic '" + topic + "' has no partition " + partition);
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> start = resolve(consumer, partitions, from, begin, end, begin);
            Map<TopicPartition, Long> stop = resolve(consumer, partitions, to, begin, end, end);
            List<TopicPartition> open = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (start.get(tp) < stop.get(tp)) {
                    consumer.seek(tp, start.get(tp));
                    open.add(tp);
                }
            }
            consumer.pause(partitions);
            consumer.resume(open);
            long written = 0;
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= stop.get(tp)) {
                        continue;
                    }
                    out.write(line(r, decoder));
                    out.write('\n');
                    written++;
                }
                List<TopicPartition> done = new ArrayList<>();
                for (TopicPartition tp : open) {
                    if (consumer.position(tp) >= stop.get(tp)) {
                        done.add(tp);
                    }
                }
                consumer.pause(done);
                open.removeAll(done);
            }
            out.flush();
            return written;
        }
    }

    /** One line: {@code schemaId} (null when the value is not in the Confluent wire format) then the topic dump's. */
    static String line(ConsumerRecord<byte[], byte[]> r, GenericJsonDecoder decoder) {
        String json = TopicDump.toJson(r, decoder);
        byte[] v = r.value();
        String id = v != null && v.length >= 5 && v[0] == 0 ? Integer.toString(ByteBuffer.wrap(v, 1, 4).getInt()) : "null";
        return "{\"schemaId\":" + id + "," + json.substring(1);
    }

    private static Map<TopicPartition, Long> resolve(KafkaConsumer<byte[], byte[]> consumer,
                                                     List<TopicPartition> partitions, Bound bound,
                                                     Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end,
                                                     Map<TopicPartition, Long> unset) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (bound == null) {
            out.putAll(unset);
        } else if (bound.offset() != null) {
            partitions.forEach(tp -> out.put(tp, Math.min(Math.max(bound.offset(), begin.get(tp)), end.get(tp))));
        } else {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, bound.time().toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            partitions.forEach(tp -> out.put(tp, found.get(tp) == null ? end.get(tp)
                    : Math.min(found.get(tp).offset(), end.get(tp))));
        }
        return out;
    }

    private Properties config() {
        return org.parley.infra.LogReaderConfig.of(settings, "parley-replay-export", 2000);
    }
}
