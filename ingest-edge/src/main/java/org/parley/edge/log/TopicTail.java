package org.parley.edge.log;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every partition of a topic from its end, on a thread of its own, with no consumer group: each edge must
 * see every record (revocations, typing signals, presence changes) for the devices it holds, and none from before
 * it started (or, with a rewind, none from longer before than that). A record that cannot be decoded is logged and
 * skipped; it never stops the tail.
 * {@link PartitionTail} follows a single partition the same way.
 */
public class TopicTail<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    /** The one partition followed, or null for all of them. */
    private final Integer partition;
    private final Deserializer<T> values;
    private final Consumer<T> handler;
    private final Thread thread;
    /** How far back before the start to begin; null: at the end. */
    private Duration rewind;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean running = true;

    public TopicTail(Properties consumerConfig, String topic, Deserializer<T> values, Consumer<T> handler) {
        this(consumerConfig, topic, null, values, handler);
    }

    TopicTail(Properties consumerConfig, String topic, Integer partition, Deserializer<T> values,
            Consumer<T> handler) {
        Properties p = new Properties();
        p.putAll(consumerConfig);
        p.put("enable.auto.commit", false);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        org.parley.edge.metrics.EdgeMetrics.bindKafka(consumer);
        this.topic = topic;
        this.partition = partition;
        this.values = values;
        this.handler = handler;
        this.thread = new Thread(this::loop, "tail-" + topic + (partition == null ? "" : "-" + partition));
        this.thread.setDaemon(true);
    }

    /**
     * Begins {@code rewind} before the start instead of at the end: for state another reader (the projection writer)
     * may not have written yet when a device asks for it (docs/adr/0014). Call before {@link #start()}.
     */
    public TopicTail<T> rewind(Duration rewind) {
        this.rewind = rewind;
        return this;
    }

    public CompletableFuture<Void> start() {
        thread.start();
        return ready;
    }

    private void loop() {
        try {
            List<TopicPartition> partitions = partition != null ? List.of(new TopicPartition(topic, partition))
                    : consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            if (rewind != null) {
                long from = System.currentTimeMillis() - rewind.toMillis();
                java.util.Map<TopicPartition, Long> at = new java.util.HashMap<>();
                partitions.forEach(tp -> at.put(tp, from));
                // A partition with nothing that recent stays at its end.
                consumer.offsetsForTimes(at).forEach((tp, found) -> {
                    if (found != null) {
                        consumer.seek(tp, found.offset());
                    }
                });
            }
            partitions.forEach(consumer::position);
            ready.complete(null);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        T value = r.value() == null ? null : values.deserialize(r.topic(), r.value());
                        if (value != null) {
                            handler.accept(value);
                        }
                    } catch (RuntimeException e) {
                        LOG.error("skipping {}-{}@{}: {}", topic, r.partition(), r.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            ready.completeExceptionally(e);
            LOG.error("tail of {} stopped", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
