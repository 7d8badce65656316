package org.parley.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import org.parley.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one meter registry and its {@code /metrics} endpoint (docs/operations.md, "Metrics and logs").
 *
 * <p>Every role's main calls {@link #serve(Settings, String)} first. The first call of the process starts the
 * endpoint on that role's port ({@link MetricsPorts}); later calls only return it, so in the combined layout (all
 * roles in one JVM), where the launcher calls {@code serve(settings, "apps")} before the roles start, one endpoint
 * carries every role's meters. Role meters carry the tag {@code role} ({@link #role(String)}); the JVM and process
 * meters (memory, GC, threads, CPU, file descriptors, uptime) are the process's and have no role.
 *
 * <p>Cost: meters are created once and kept by their users (no meter is looked up or built per message), and no meter
 * has a per-user, per-device or per-conversation tag. Scraping is what reads the Kafka, Streams, Flink and CQL
 * driver meters: between scrapes they cost nothing.
 */
public final class ProcessMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessMetrics.class);
    private static final Object LOCK = new Object();
    private static PrometheusMeterRegistry registry;
    /** Whether a role already decided this process's endpoint (started, or turned off). */
    private static boolean decided;
    private static MetricsEndpoint endpoint;
    private static java.util.concurrent.ScheduledExecutorService kafkaRefresh;

    private ProcessMetrics() {
    }

    /** The process's registry, with the JVM and process meters bound. */
    public static PrometheusMeterRegistry registry() {
        synchronized (LOCK) {
            if (registry == null) {
                PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                new ClassLoaderMetrics().bindTo(r);
                new JvmMemoryMetrics().bindTo(r);
                new JvmGcMetrics().bindTo(r); // lives as long as the process
                new JvmThreadMetrics().bindTo(r);
                new ProcessorMetrics().bindTo(r);
                new FileDescriptorMetrics().bindTo(r);
                new UptimeMetrics().bindTo(r);
                registry = r;
            }
            return registry;
        }
    }

    /** The tags of a role's meters: {@code role=<role>}. */
    public static Tags role(String role) {
        return Tags.of("role", role);
    }

    /**
     * One daemon thread for every Kafka binder of the process (KafkaClientMetrics, KafkaStreamsMetrics): each looks
     * for new client metrics once a minute; by default each would start its own thread (the edge has nine clients).
     * Never close a binder made with it: closing shuts the executor down.
     */
    public static java.util.concurrent.ScheduledExecutorService kafkaRefresh() {
        synchronized (LOCK) {
            if (kafkaRefresh == null) {
                kafkaRefresh = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "metrics-kafka-refresh");
                    t.setDaemon(true);
                    return t;
                });
            }
            return kafkaRefresh;
        }
    }

    /** Binds a Kafka consumer to the process's registry, tagged role=<role>. */
    public static void bindKafka(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, String role) {
        bind(new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(consumer, role(role), kafkaRefresh()));
    }

    /** Binds a Kafka producer to the process's registry, tagged role=<role>. */
    public static void bindKafka(org.apache.kafka.clients.producer.Producer<?, ?> producer, String role) {
        bind(new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(producer, role(role), kafkaRefresh()));
    }

    /** Binds {@code binder} (e.g. a Kafka client's) to the process's registry. */
    public static void bind(MeterBinder binder) {
        binder.bindTo(registry());
    }

    /**
     * Starts the process's endpoint on {@code role}'s port, unless an earlier role of this process already started it
     * (or turned it off); returns it, or empty when turned off ({@code metrics.port=0} or {@code metrics.<role>.port=0}).
     *
     * @throws IllegalStateException when the port settings are wrong or the port is taken
     */
    public static Optional<MetricsEndpoint> serve(Settings settings, String role) {
        synchronized (LOCK) {
            if (decided) {
                return Optional.ofNullable(endpoint);
            }
            Optional<Integer> port = MetricsPorts.port(settings, role);
            String host = settings.find("metrics.host").orElse(settings.host());
            MeterRegistry r = registry();
            if (port.isEmpty()) {
                LOG.info("metrics endpoint of {} is off (metrics port 0)", role);
            } else {
                endpoint = MetricsEndpoint.start(host, port.get(), (PrometheusMeterRegistry) r);
                LOG.info("metrics of {} at http://{}:{}/metrics", role, host, endpoint.port());
            }
            decided = true;
            return Optional.ofNullable(endpoint);
        }
    }

    /** Stops the endpoint and forgets the decision (tests). */
    static void reset() {
        synchronized (LOCK) {
            if (endpoint != null) {
                endpoint.close();
            }
            endpoint = null;
            decided = false;
        }
    }
}
