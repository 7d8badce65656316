package org.parley.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.parley.config.Settings;
import org.parley.registry.SchemaRegistryClient;
import org.parley.serde.GenericJsonDecoder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./parley topic}: prints a topic's records as JSON lines, the value decoded from the Confluent wire format
 * through the schema registry (writer schema by id, so any version of any topic decodes). A value that does not
 * decode is printed as an error plus its bytes in hex; the dump goes on.
 */
@Command(name = "./parley topic", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints a topic's records as JSON lines, values decoded through the schema registry.")
public final class TopicDump implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "TOPIC", description = "topic name, e.g. conversation-events")
    String topic;

    @Option(names = "--from-offset", paramLabel = "N", description = "start at this offset in each partition (default: the beginning)")
    Long fromOffset;

    @Option(names = "--from-time", paramLabel = "ISO-8601",
            description = "start at the first record at or after this time (2026-01-31T12:00:00Z, 2026-01-31T12:00, 2026-01-31; no zone = UTC)")
    String fromTime;

    @Option(names = "--partition", paramLabel = "P", description = "only this partition")
    Integer partition;

    @Option(names = "--max", paramLabel = "N", description = "stop after N records")
    Long max;

    @Option(names = "--follow", description = "keep waiting for new records (stop with Ctrl-C)")
    boolean follow;

    @Option(names = "--read-uncommitted", description = "also show records of open or aborted transactions (default: read_committed)")
    boolean readUncommitted;

    private final Settings settings;
    private final PrintStream out;
    private final PrintStream err;

    public TopicDump() {
        this(Settings.load(), System.out, System.err);
    }

    public TopicDump(Settings settings, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        Logging.useToolConfig();
        System.exit(new CommandLine(new TopicDump()).execute(args));
    }

    @Override
    public Integer call() {
        if (fromOffset != null && fromTime != null) {
            err.println("choose one of --from-offset and --from-time");
            return 2;
        }
        Instant since = null;
        if (fromTime != null) {
            try {
                since = parseTime(fromTime);
            } catch (DateTimeParseException e) {
                err.println("--from-time: cannot read '" + fromTime + "' as ISO-8601 (e.g. 2026-01-31T12:00:00Z)");
                return 2;
            }
        }
        GenericJsonDecoder decoder = new GenericJsonDecoder(new SchemaRegistryClient(settings.registryUrl()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
            List<PartitionInfo> infos = consumer.listTopics(Duration.ofSeconds(15)).get(topic);
            if (infos == null || infos.isEmpty()) {
                err.println("no topic '" + topic + "' at " + settings.kafkaBootstrap());
                return 2;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) {
                if (partition == null || partition == info.partition()) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            if (partitions.isEmpty()) {
                err.println("topic '" + topic + "' has no partition " + partition + " (it has " + infos.size() + ")");
                return 2;
            }
            partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            consumer.assign(partitions);
            seek(consumer, partitions, since);

            Map<TopicPartition, Long> end = follow ? Map.of() : consumer.endOffsets(partitions);
            List<TopicPartition> open = new ArrayList<>(partitions);
            long printed = 0;
            while (true) {
                if (!follow) {
                    open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
                    if (open.isEmpty()) {
                        break;
                    }
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (!follow && record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    out.println(toJson(record, decoder));
                    printed++;
                    if (max != null && printed >= max) {
                        out.flush();
                        return 0;
                    }
                }
                out.flush();
            }
        }
        return 0;
    }

    private void seek(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Instant since) {
        if (since != null) {
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, since.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp at = found.get(tp);
                consumer.seek(tp, at == null ? ends.get(tp) : at.offset());
            }
        } else if (fromOffset != null) {
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, Math.min(Math.max(fromOffset, begin.get(tp)), ends.get(tp)));
            }
        } else {
            consumer.seekToBeginning(partitions);
        }
    }

    private Properties consumerConfig() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "parley-topic-dump");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readUncommitted ? "read_uncommitted" : "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /** ISO-8601 instant, offset date-time, local date-time (UTC) or date (midnight UTC). */
    public static Instant parseTime(String text) {
        String t = text.trim();
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /** One record as a JSON object: topic, partition, offset, timestamp (ms and ISO), key, headers, value. */
    public static String toJson(ConsumerRecord<byte[], byte[]> record, GenericJsonDecoder decoder) {
        ObjectNode line = JSON.createObjectNode();
        line.put("topic", record.topic());
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        line.put("timestamp", record.timestamp());
        line.put("time", Instant.ofEpochMilli(record.timestamp()).toString());
        line.put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
        if (record.headers().iterator().hasNext()) {
            ObjectNode headers = line.putObject("headers");
            for (Header h : record.headers()) {
                headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        byte[] value = record.value();
        if (value == null) {
            line.putNull("value");
        } else {
            try {
                JsonNode decoded = JSON.readTree(decoder.toJson(value));
                line.set("value", decoded);
            } catch (Exception e) {
                line.putNull("value");
                line.put("error", "cannot decode value: " + e);
                line.put("valueHex", HexFormat.of().formatHex(value));
            }
        }
        return line.toString();
    }
}
