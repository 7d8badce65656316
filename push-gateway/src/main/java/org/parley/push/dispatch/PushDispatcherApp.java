package org.parley.push.dispatch;

import com.datastax.oss.driver.api.core.CqlSession;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.parley.consume.BatchRetry;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.parley.config.Settings;
import org.parley.config.Startup;
import org.parley.events.PushRequest;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.PushEndpointPolicy;
import org.parley.projections.PushSubscriptions;
import org.parley.push.PushSender;
import org.parley.push.webpush.VapidKeys;
import org.parley.push.webpush.VapidToken;
import org.parley.push.webpush.WebPushSender;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push dispatcher process: consumes {@code push-requests} (group {@code push.group-id}; several processes share
 * the partitions), dispatches each poll's requests concurrently, commits the offsets once all are settled. Prints
 * {@code PARLEY READY push} once it owns partitions.
 */
public final class PushDispatcherApp {
    static {
        // Before the first logger (LOG below): set in main, it came after logback had configured itself without it
        // (no logback.xml on this class path: DEBUG in the default layout, and no log.format).
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-push.xml");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(PushDispatcherApp.class);
    public static final String READY_LINE = "PARLEY READY push";
    /** Back-off of a failed batch: 100 ms doubling to 5 s (BatchRetry, the projection writer's rule too). */
    static final long RETRY_INITIAL_MS = 100;
    static final long RETRY_MAX_MS = 5_000;

    private PushDispatcherApp() {
    }

    public static void main(String[] args) {
        Startup.orExit(PushDispatcherApp::start);
    }

    static Properties consumerConfig(Settings s) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, s.get("push.group-id"));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Requests written before the first start are still due (too old ones are dropped by age).
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, s.getInt("push.max-in-flight"));
        // push-requests is written without transactions: the append wakes a parked fetch.
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, s.getInt("kafka.consumer.fetch-max-wait-ms"));
        p.putAll(s.consumerGroupSession());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private static void start() {
        Settings settings = Settings.load();
        org.parley.metrics.ProcessMetrics.serve(settings, "push");
        String topic = TopicCatalog.from(settings).pushRequests().name();
        CqlSession cql = CqlSessionFactory.open(settings, true, "push");
        VapidKeys keys = VapidKeys.load(settings);
        PushEndpointPolicy endpoints = PushEndpointPolicy.from(settings);
        if (endpoints.allowsLoopback()) {
            LOG.warn("push.allow-loopback-http=true: local test mode, pushes to loopback endpoints are sent");
        }
        WebPushSender webPush = new WebPushSender(new VapidToken(keys, settings.get("push.vapid-subject"),
                Clock.systemUTC()), Duration.ofMillis(settings.getLong("push.http-timeout-ms")), endpoints,
                settings.getInt("push.max-in-flight"));
        Map<String, PushSender> senders = Map.of(webPush.kind(), webPush);
        AvroWireDeserializer<PushRequest> decoder = new AvroWireDeserializer<>(
                new SchemaRegistryClient(settings.registryUrl()), PushRequest.getClassSchema());
        int ttlSeconds = Math.toIntExact(Duration.ofHours(settings.getLong("push.dedup-retention-hours")).toSeconds());
        if (ttlSeconds * 1000L <= settings.getLong("push.max-age-ms")) {
            throw new IllegalStateException("push.dedup-retention-hours must outlast push.max-age-ms, or a replay "
                    + "older than the ledger's memory would be pushed again");
        }
        PushSubscriptions subscriptions = new PushSubscriptions(cql);
        PushSounds sounds = new PushSounds(cql);

        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig(settings));
        org.parley.metrics.ProcessMetrics.bindKafka(consumer, "push");
        AtomicBoolean running = new AtomicBoolean(true);
        PushMeters meters = new PushMeters(org.parley.metrics.ProcessMetrics.registry());
        // One memory for the process: a dispatcher instance made after a failed batch must not send again what an
        // earlier one sent but could not record (docs/adr/0007).
        SentPushes sentPushes = new SentPushes(settings.getInt("push.max-in-flight") * 100);
        Thread loop = new Thread(() -> {
            try {
                run(consumer, topic, decoder, () -> new PushDispatcher(subscriptions, sounds,
                        new PushLedger(cql, UUID.randomUUID().toString(), ttlSeconds), senders,
                        Duration.ofSeconds(settings.getLong("push.ttl-seconds")), settings.get("push.urgency"),
                        settings.getLong("push.max-age-ms"), Clock.systemUTC()).withMeters(meters)
                        .withSentPushes(sentPushes), running);
            } catch (WakeupException stopping) {
                // shutdown
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }, "push-dispatcher");
        loop.setUncaughtExceptionHandler((t, e) -> {
            LOG.error("push dispatcher failed", e);
            System.exit(1);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.set(false);
            consumer.wakeup();
            try {
                loop.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            webPush.close();
            cql.close();
        }, "push-shutdown"));
        LOG.info("VAPID public key (clients' applicationServerKey): {}", keys.publicKeyBase64Url());
        loop.start();
    }

    private static void run(KafkaConsumer<String, byte[]> consumer, String topic,
            AvroWireDeserializer<PushRequest> decoder, java.util.function.Supplier<PushDispatcher> newDispatcher,
            AtomicBoolean running) {
        consumer.subscribe(List.of(topic));
        PushDispatcher dispatcher = newDispatcher.get();
        BatchRetry retry = new BatchRetry(RETRY_INITIAL_MS, RETRY_MAX_MS);
        boolean ready = false;
        while (running.get()) {
            ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
            if (!ready && !consumer.assignment().isEmpty()) {
                ready = true;
                System.out.println(READY_LINE);
                System.out.flush();
            }
            if (records.isEmpty()) {
                continue;
            }
            List<CompletableFuture<PushDispatcher.Result>> inFlight = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> rec : records) {
                if (rec.value() == null) {
                    continue;
                }
                PushRequest request;
                try {
                    request = decoder.deserialize(rec.topic(), rec.value());
                } catch (RuntimeException bad) {
                    LOG.warn("skipping undecodable push request at {}-{}@{}: {}", rec.topic(), rec.partition(),
                            rec.offset(), bad.toString());
                    continue;
                }
                inFlight.add(dispatcher.dispatch(request));
            }
            try {
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
                consumer.commitSync();
                retry.succeeded();
            } catch (RuntimeException failed) {
                // CQL or Kafka trouble mid-batch: behave as a restarted process would — go back to the batch's
                // start (after BatchRetry's back-off: no spinning while CQL is down) and continue as a new ledger
                // owner, so claims left by this attempt are taken over.
                try {
                    long wait = retry.rewind(consumer, records);
                    LOG.warn("push batch failed ({}; failure {} in a row); re-read after {} ms as a new dispatcher"
                            + " instance", failed.toString(), retry.failuresInARow(), wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                dispatcher = renewed(newDispatcher, running, PushDispatcherApp::sleep);
                if (dispatcher == null) {
                    return; // stopping
                }
            }
        }
    }

    /**
     * A new dispatcher instance after a failed batch. Making one prepares the ledger's statements, which fails while
     * CQL is down (the very trouble that failed the batch): tried again after 100 ms, doubling up to 5 s, until it
     * succeeds or the app stops (null). It used to end the process, and every push with it until someone restarted
     * it (a SIGKILLed CQL node under load showed it).
     */
    static <T> T renewed(java.util.function.Supplier<T> make, AtomicBoolean running, java.util.function.LongConsumer sleep) {
        long wait = RETRY_INITIAL_MS;
        while (running.get()) {
            try {
                return make.get();
            } catch (RuntimeException unavailable) {
                LOG.warn("new push dispatcher instance not made ({}); again in {} ms", unavailable.toString(), wait);
                sleep.accept(wait);
                wait = Math.min(wait * 2, RETRY_MAX_MS);
            }
        }
        return null;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // back-off while CQL is down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }
}
