package org.parley.bench.load;

import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.parley.config.Settings;

/**
 * The Kafka floor: one produce → consume round trip on the stack's broker, at the run's rate, open loop, with the
 * hot path's client settings (acks=all, idempotent, {@code edge.producer-linger-ms}; consumer
 * {@code kafka.consumer.fetch-max-wait-ms}). Its own topic ({@code --floor-topic}, created here with the stack's
 * partition count). Parley's one-to-one path is several such hops plus the jobs, so its latency over this is the
 * number of hops the pipeline costs.
 */
public final class KafkaFloor {
    private KafkaFloor() {
    }

    public static JsonObject run(Settings settings, String topic, double rate, int warmupSeconds, int seconds,
                                 int payloadBytes, long runStartNanos) throws Exception {
        int partitions = settings.getInt("topic.partitions");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap()))) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) settings.getInt("topic.replication-factor"))
                        .configs(Map.of("retention.ms", "600000")))).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        long total = Schedule.count(rate, warmupSeconds + seconds);
        long[] scheduled = new long[(int) total];
        AtomicLongArray seen = new AtomicLongArray((int) total);
        AtomicLong received = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        long runTag = System.nanoTime();
        int timeline = warmupSeconds + seconds + 15;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        LatencyStats e2e = new LatencyStats("kafka-floor", start, timeline);
        LatencyStats acked = new LatencyStats("kafka-floor.ack", start, timeline);
        Schedule schedule = new Schedule(start, rate, total);
        try (KafkaProducer<String, byte[]> producer = producer(settings);
             KafkaConsumer<String, byte[]> consumer = consumer(settings, topic)) {
            Thread reader = new Thread(() -> {
                try {
                    while (true) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            long now = System.nanoTime();
                            ByteBuffer b = ByteBuffer.wrap(r.value());
                            if (r.value().length < 12 || b.getLong() != runTag) {
                                continue;
                            }
                            int n = b.getInt();
                            if (n >= 0 && n < total) {
                                if (seen.compareAndSet(n, 0, now)) {
                                    received.incrementAndGet();
                                    e2e.record(scheduled[n], now, schedule.measured(n, warmupSeconds));
                                } else {
                                    duplicates.incrementAndGet();
                                }
                            }
                        }
                    }
                } catch (WakeupException e) {
                    // done
                }
            }, "kafka-floor-reader");
            reader.start();
            byte[] pad = new byte[Math.max(12, payloadBytes)];
            schedule.run(Schedule.Clock.SYSTEM, (n, due) -> {
                byte[] v = pad.clone();
                ByteBuffer.wrap(v).putLong(runTag).putInt((int) n);
                scheduled[(int) n] = due;
                boolean measured = schedule.measured(n, warmupSeconds);
                producer.send(new ProducerRecord<>(topic, "k" + (n % 200), v), (meta, err) -> {
                    if (err == null) {
                        acked.record(due, System.nanoTime(), measured);
                    }
                });
            }, Long.MAX_VALUE, () -> false);
            producer.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() < total && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            consumer.wakeup();
            reader.join(5000);
        }
        return new JsonObject().put("topic", topic).put("rate", rate).put("seconds", seconds).put("warmupSeconds", warmupSeconds)
                .put("messages", total).put("lost", total - received.get()).put("duplicates", duplicates.get())
                .put("produceToConsume", e2e.summary().put("timeline", e2e.timeline()))
                .put("produceToAck", acked.summary());
    }

    private static KafkaProducer<String, byte[]> producer(Settings s) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, s.getInt("edge.producer-linger-ms"));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer(Settings s, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, s.getInt("kafka.consumer.fetch-max-wait-ms"));
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(tps);
        c.seekToEnd(tps);
        tps.forEach(c::position);
        return c;
    }
}
