package org.parley.infra.analytics;

import java.io.IOException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiFunction;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.parley.config.Settings;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceRecord;
import org.parley.events.PushRequest;
import org.parley.events.Receipt;
import org.parley.registry.SchemaRegistryClient;
import org.parley.serde.AvroWireDeserializer;

/**
 * Reads what is new in the analytics topics (from the store's offsets up to the ends a {@code read_committed} reader
 * sees when the export starts) and writes it to the store as metadata-only rows, in batches of at most
 * {@code analytics.batch-records} records. Resumable (the offsets are committed with each batch's files) and
 * idempotent (an uncommitted batch's files are removed and written again; a run with nothing new writes nothing).
 */
public final class AnalyticsExport {
    /** Counts of one run. */
    public record Result(long records, long rows, long skipped, long batches, double seconds) {
        public double recordsPerSecond() {
            return seconds <= 0 ? records : records / seconds;
        }
    }

    record Source(AnalyticsTables.Table table, Schema schema,
                          BiFunction<Object, AnalyticsRows.Position, AnalyticsRows.Row> map) {
    }

    private static final List<Source> SOURCES = List.of(
            new Source(AnalyticsTables.EVENTS, ConversationEvent.getClassSchema(),
                    (v, p) -> AnalyticsRows.event((ConversationEvent) v, p)),
            new Source(AnalyticsTables.RECEIPTS, Receipt.getClassSchema(), (v, p) -> AnalyticsRows.receipt((Receipt) v, p)),
            new Source(AnalyticsTables.DELIVERIES, DeviceDelivery.getClassSchema(),
                    (v, p) -> AnalyticsRows.delivery((DeviceDelivery) v, p)),
            new Source(AnalyticsTables.PUSHES, PushRequest.getClassSchema(), (v, p) -> AnalyticsRows.push((PushRequest) v, p)),
            new Source(AnalyticsTables.DEVICES, DeviceRecord.getClassSchema(), (v, p) -> AnalyticsRows.device((DeviceRecord) v, p)));

    private final Settings settings;
    private final PrintStream progress;
    private final long progressEveryMillis;

    public AnalyticsExport(Settings settings, PrintStream progress, long progressEveryMillis) {
        this.settings = settings;
        this.progress = progress;
        this.progressEveryMillis = progressEveryMillis;
    }

    public Result run(AnalyticsStore store) throws IOException, SQLException {
        long started = System.nanoTime();
        int batchLimit = Math.max(1, settings.getInt("analytics.batch-records"));
        SchemaRegistryClient registry = new SchemaRegistryClient(settings.registryUrl());
        Map<String, Source> byTopic = new HashMap<>();
        Map<String, AvroWireDeserializer<SpecificRecord>> decoders = new HashMap<>();
        for (Source s : SOURCES) {
            String topic = settings.get(s.table().topicKey());
            byTopic.put(topic, s);
            decoders.put(topic, new AvroWireDeserializer<>(registry, s.schema()));
        }
        long records = 0;
        long rows = 0;
        long skipped = 0;
        long batches = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config())) {
            List<TopicPartition> partitions = new ArrayList<>();
            Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(30));
            for (String topic : byTopic.keySet()) {
                List<PartitionInfo> infos = topics.get(topic);
                if (infos == null) {
                    throw new IllegalStateException("no topic '" + topic + "' at " + settings.kafkaBootstrap()
                            + " (is the stack up? ./parley up)");
                }
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<String, Long> stored = store.offsets();
            Map<TopicPartition, Long> position = new HashMap<>();
            long toGo = 0;
            List<TopicPartition> open = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                // A stored offset below the topic's start (retention removed records the projection never read) or
                // above its end (the topic was re-created) cannot be resumed from: start at the beginning.
                long from = stored.getOrDefault(key(tp), begin.get(tp));
                if (from < begin.get(tp) || from > end.get(tp)) {
                    progress.printf("note: %s: stored offset %d is outside [%d, %d]: reading from %d%n", tp, from,
                            begin.get(tp), end.get(tp), begin.get(tp));
                    from = begin.get(tp);
                }
                position.put(tp, from);
                if (from < end.get(tp)) {
                    consumer.seek(tp, from);
                    open.add(tp);
                    toGo += end.get(tp) - from;
                }
            }
            consumer.pause(partitions);
            consumer.resume(open);
            progress.printf("analytics: %d offsets to export from %d partitions of %s into %s%n", toGo, partitions.size(),
                    String.join(", ", byTopic.keySet()), store.dir());
            long lastReport = System.nanoTime();
            AnalyticsStore.Batch batch = store.begin();
            try {
                long inBatch = 0;
                while (!open.isEmpty()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        if (r.offset() >= end.get(tp)) {
                            continue;
                        }
                        if (inBatch >= batchLimit) {
                            // Within a poll too (a poll returns up to 5,000 records): a batch never exceeds the limit.
                            // The positions are the records' own; markers after them are read again next time.
                            batch.commit(offsets(position));
                            batches++;
                            batch.close();
                            batch = store.begin();
                            inBatch = 0;
                        }
                        records++;
                        inBatch++;
                        position.put(tp, r.offset() + 1);
                        if (r.value() == null) {
                            continue; // a compacted topic's tombstone: nothing to count
                        }
                        AnalyticsRows.Row row;
                        try {
                            row = row(byTopic.get(r.topic()), decoders.get(r.topic()), r);
                        } catch (SerializationException e) {
                            skipped++;
                            progress.printf("skipped %s-%d@%d: %s%n", r.topic(), r.partition(), r.offset(), e.getMessage());
                            continue;
                        }
                        batch.add(row);
                        rows++;
                    }
                    List<TopicPartition> done = new ArrayList<>();
                    for (TopicPartition tp : open) {
                        // Transaction markers take offsets too: the position, not the last record, says how far.
                        long p = consumer.position(tp);
                        position.put(tp, Math.max(position.get(tp), Math.min(p, end.get(tp))));
                        if (p >= end.get(tp)) {
                            done.add(tp);
                        }
                    }
                    consumer.pause(done);
                    open.removeAll(done);
                    if (inBatch >= batchLimit || open.isEmpty()) {
                        if (inBatch > 0) {
                            batch.commit(offsets(position));
                            batches++;
                        }
                        batch.close();
                        batch = store.begin();
                        inBatch = 0;
                    }
                    if (System.nanoTime() - lastReport >= progressEveryMillis * 1_000_000L) {
                        lastReport = System.nanoTime();
                        double s = (lastReport - started) / 1e9;
                        long lag = 0;
                        for (TopicPartition tp : partitions) {
                            lag += Math.max(0, end.get(tp) - position.get(tp));
                        }
                        progress.printf("  %,d records, %,.0f records/s, lag %,d%n", records, records / s, lag);
                    }
                }
                if (records == 0 && !position.isEmpty() && !offsets(position).equals(store.offsets())) {
                    // Nothing to read but positions moved (only markers): remember them without a batch of files.
                    batch.commit(offsets(position));
                }
            } finally {
                batch.close();
            }
        }
        return new Result(records, rows, skipped, batches, (System.nanoTime() - started) / 1e9);
    }

    /**
     * The row of one record. A value that is not a record of its topic (not the wire format, bytes that do not decode
     * with their schema) throws {@link SerializationException}: the export skips it, naming it. A registry that does
     * not answer, or does not know the value's schema id, throws anything else: the export stops and commits nothing
     * of the batch, since skipping would leave every later record of the log out of the projection for good.
     */
    static AnalyticsRows.Row row(Source source, AvroWireDeserializer<SpecificRecord> decoder, ConsumerRecord<byte[], byte[]> r) {
        Object value = decoder.deserialize(r.topic(), r.value());
        return source.map().apply(value, new AnalyticsRows.Position(r.partition(), r.offset(), r.timestamp()));
    }

    /** The source of a table (tests). */
    static Source source(AnalyticsTables.Table table) {
        return SOURCES.stream().filter(s -> s.table() == table).findFirst().orElseThrow();
    }

    private static Map<String, Long> offsets(Map<TopicPartition, Long> position) {
        Map<String, Long> out = new HashMap<>();
        position.forEach((tp, o) -> out.put(key(tp), o));
        return out;
    }

    static String key(TopicPartition tp) {
        return tp.topic() + ":" + tp.partition();
    }

    private Properties config() {
        return org.parley.infra.LogReaderConfig.of(settings, "parley-analytics-export", 5000);
    }
}
