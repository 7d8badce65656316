package org.parley.streams;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.parley.config.Settings;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence process (Kafka Streams, application {@code presence.application-id}). At-least-once: a presence
 * emitted twice is the same fact twice, so transactions would buy nothing but latency.
 */
public final class PresenceApp {
    private static final Logger LOG = LoggerFactory.getLogger(PresenceApp.class);

    private PresenceApp() {
    }

    public static Properties streamsConfig(Settings s) {
        Properties p = SequencerApp.streamsConfig(s);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.get("presence.application-id"));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        // At-least-once with uncached stores: records go out as they are processed, and a commit only records the
        // input position. Committing every 10 ms (the sequencer's interval) wrote ~8 offset records per message sent.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, s.getInt("presence.commit-interval-ms"));
        // No transaction to close: an idle poll may block long (the stream and global-table threads wake per poll).
        p.put(StreamsConfig.POLL_MS_CONFIG, s.getInt("presence.poll-ms"));
        return p;
    }

    public static void main(String[] args) throws InterruptedException {
        Settings settings = Settings.load();
        org.parley.metrics.ProcessMetrics.serve(settings, "presence");
        StreamsBuilder builder = new StreamsBuilder();
        PresenceTopology.build(builder, TopicCatalog.from(settings), new SchemaRegistryClient(settings.registryUrl()),
                Duration.ofMillis(settings.getLong("presence.edge-timeout-ms")),
                Duration.ofMillis(settings.getLong("presence.sweep-ms")));
        KafkaStreams streams = new KafkaStreams(builder.build(), streamsConfig(settings));
        org.parley.metrics.ProcessMetrics.bind(new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams, org.parley.metrics.ProcessMetrics.role("presence"),
                org.parley.metrics.ProcessMetrics.kafkaRefresh()));
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            LOG.info("presence state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                System.out.println("PARLEY READY presence");
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(15)));
            stopped.countDown();
        }, "presence-shutdown"));
        streams.start();
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR) {
            System.exit(1);
        }
    }
}
