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
 * Follows one partition from its end on a thread of its own (the edge's own partition of a per-edge topic):
 * what was routed here before this edge started belongs to sessions that no longer exist. A record that cannot be
 * decoded is logged and skipped; it never stops the tail.
 */
public class PartitionTail<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionTail.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final TopicPartition partition;
    private final Deserializer<T> values;
    private final Consumer<T> handler;
    private final Thread thread;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean running = true;

    public PartitionTail(Properties consumerConfig, String topic, int partition, Deserializer<T> values,
                         Consumer<T> handler) {
        Properties p = new Properties();
        p.putAll(consumerConfig);
        p.put("enable.auto.commit", false);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.partition = new TopicPartition(topic, partition);
        this.values = values;
        this.handler = handler;
        this.thread = new Thread(this::loop, "tail-" + topic + "-" + partition);
        this.thread.setDaemon(true);
    }

    public CompletableFuture<Void> start() {
        thread.start();
        return ready;
    }

    private void loop() {
        try {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            ready.complete(null);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        T value = values.deserialize(r.topic(), r.value());
                        if (value != null) {
                            handler.accept(value);
                        }
                    } catch (RuntimeException e) {
                        LOG.error("skipping {}@{}: {}", partition, r.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            ready.completeExceptionally(e);
            LOG.error("tail of {} stopped", partition, e);
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
