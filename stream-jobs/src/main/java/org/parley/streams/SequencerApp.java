package org.parley.streams;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.parley.config.Settings;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sequencer process: one Kafka Streams instance; scale out by starting more with the same application id. */
public final class SequencerApp {
    private static final Logger LOG = LoggerFactory.getLogger(SequencerApp.class);

    private SequencerApp() {
    }

    public static Properties streamsConfig(Settings s) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.get("streams.application-id"));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, s.get("streams.processing-guarantee"));
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, s.getInt("streams.commit-interval-ms"));
        // The stream thread commits only between polls; an idle poll blocks for poll.ms (default 100 ms), which
        // would hold the last transaction (and every read_committed reader) back by up to that long.
        p.put(StreamsConfig.POLL_MS_CONFIG, s.getInt("streams.poll-ms"));
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, s.getInt("topic.replication-factor"));
        // streams.state-dir: a second instance on the same machine (the cluster topology) needs its own folder.
        p.put(StreamsConfig.STATE_DIR_CONFIG, s.find("streams.state-dir").map(Path::of)
                .orElseGet(() -> Path.of(s.get("data.dir"), "data", "streams")).toAbsolutePath().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.getInt("streams.threads"));
        // Warm copies of each task's state in other instances (production: 1), so a lost instance's tasks resume on
        // one that holds their state instead of replaying the changelog.
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, s.getInt("streams.standby-replicas"));
        // Streams defaults the producer to linger.ms=100: every hop would cost ~100 ms.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), s.getInt("streams.linger-ms"));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        // After a commit the next transaction's first sends can reach a partition before the broker has written the
        // last one's markers: the broker answers CONCURRENT_TRANSACTIONS and the producer retries after
        // retry.backoff.ms (default 100 ms, doubling to 1 s), holding every later send to that partition back.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), s.getInt("streams.producer-retry-backoff-ms"));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG), s.getInt("streams.producer-retry-backoff-max-ms"));
        // Shorter than other consumers': Streams pauses a partition whose buffer is full and cannot fetch it again
        // until the fetch in flight returns, so a long wait stalls a conversation that outruns the sequencer.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), s.getInt("streams.fetch-max-wait-ms"));
        // The global table's consumer (user-settings) has nothing to pause: an append wakes its parked fetch.
        p.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), s.getInt("kafka.consumer.fetch-max-wait-ms"));
        // After a crash (no leave-group) the partitions move after this long.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), s.getInt("streams.session-timeout-ms"));
        // A record on 'actions' that cannot be decoded is logged and skipped: it must not stop every conversation.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndContinueExceptionHandler.class.getName());
        p.put(StreamsConfig.topicPrefix("min.insync.replicas"), s.getInt("topic.min-insync-replicas"));
        // One off-heap bound for every RocksDB store of the JVM (BoundedRocksDbMemory); 0: Streams' own per-store sizes.
        long rocksDbMb = s.getLong("streams.rocksdb-memory-mb");
        if (rocksDbMb > 0) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class.getName());
            p.put(BoundedRocksDbMemory.TOTAL_BYTES, String.valueOf(rocksDbMb << 20));
            p.put(BoundedRocksDbMemory.MEMTABLE_BYTES, String.valueOf(s.getLong("streams.rocksdb-memtable-mb") << 20));
        }
        return p;
    }

    /** Refuses to start on state from before the stores were merged (SequencerState): the process exits. */
    private static void refuseStateFromBefore(Properties config) {
        Properties admin = new Properties();
        admin.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(admin)) {
            java.util.Set<String> topics = a.listTopics().names().get(60, java.util.concurrent.TimeUnit.SECONDS);
            java.util.Optional<String> why = SequencerState.stateFromBefore(topics,
                    (String) config.get(StreamsConfig.APPLICATION_ID_CONFIG));
            if (why.isPresent()) {
                LOG.error("not starting: {}", why.get());
                throw new IllegalStateException("sequencer not started: " + why.get());
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list the topics at " + config.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        Settings settings = Settings.load();
        org.parley.metrics.ProcessMetrics.serve(settings, "sequencer");
        StreamsBuilder builder = new StreamsBuilder();
        SequencerTopology.build(builder, TopicCatalog.from(settings), new SchemaRegistryClient(settings.registryUrl()),
                SequencerRules.from(settings));
        Properties config = streamsConfig(settings);
        refuseStateFromBefore(config);
        KafkaStreams streams = new KafkaStreams(builder.build(), config);
        org.parley.metrics.ProcessMetrics.bind(new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(
                streams, org.parley.metrics.ProcessMetrics.role("sequencer"), org.parley.metrics.ProcessMetrics.kafkaRefresh()));
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            LOG.info("sequencer state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                System.out.println("PARLEY READY sequencer");
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Leave the group on a clean stop: a restart then rebalances at once instead of waiting out the session.
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(java.time.Duration.ofSeconds(15)));
            stopped.countDown();
        }, "sequencer-shutdown"));
        streams.start();
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR) {
            System.exit(1);
        }
    }
}
