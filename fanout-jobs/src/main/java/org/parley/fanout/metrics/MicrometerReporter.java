package org.parley.fanout.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's metrics (the MiniCluster's job manager, task manager, jobs, tasks and operators, the Kafka source's
 * consumer) as Micrometer meters of the process's registry, so the fan-out's {@code /metrics} carries them next to the
 * JVM's: a bridge instead of Flink's own Prometheus reporter, which would open a second HTTP port.
 *
 * <p>Names follow Flink's Prometheus reporter: {@code flink.<logical scope>.<metric>}, e.g.
 * {@code flink_taskmanager_job_task_operator_numRecordsIn_total}; tags are the group's variables without the ids that
 * change with every run (job, task, attempt, operator and task manager ids, host): {@code job_name},
 * {@code task_name}, {@code operator_name}, {@code subtask_index}, and {@code topic}/{@code partition} of the Kafka
 * source, plus {@code role=fanout}. Counters and meters become function counters, gauges with a numeric value gauges,
 * histograms a count, a mean and the 0.5/0.99 quantiles (gauges). Values are read when scraped, never per record.
 */
public final class MicrometerReporter implements MetricReporter {
    private static final Logger LOG = LoggerFactory.getLogger(MicrometerReporter.class);
    static final Set<String> DROPPED_VARIABLES = Set.of("job_id", "task_id", "task_attempt_id", "task_attempt_num",
            "attempt_num", "operator_id", "tm_id", "host", "tm_host");
    private static final CharacterFilter NAME = MicrometerReporter::clean;
    /**
     * Of the Kafka clients' own metrics that Flink re-exports under the source's and sink's groups (hundreds: per
     * node, per topic), only these: the rest is the clients' internals.
     */
    static final Set<String> KAFKA_CLIENT_METRICS = Set.of("records-lag-max", "records-consumed-rate",
            "fetch-latency-avg", "commit-latency-avg", "record-send-rate", "record-error-rate", "record-retry-rate",
            "request-latency-avg", "buffer-available-bytes");

    private final MeterRegistry registry;
    private final Tags roleTags;
    private final Map<org.apache.flink.metrics.Metric, List<Meter>> meters = new IdentityHashMap<>();

    public MicrometerReporter(MeterRegistry registry, Tags roleTags) {
        this.registry = registry;
        this.roleTags = roleTags;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
        synchronized (meters) {
            meters.values().forEach(list -> list.forEach(registry::remove));
            meters.clear();
        }
    }

    /** {@code flink.<logical scope>.<metric>}, only letters, digits, '_' and '.'. */
    static String name(MetricGroup group, String metricName) {
        String scope;
        try {
            scope = LogicalScopeProvider.castFrom(group).getLogicalScope(NAME, '.');
        } catch (IllegalStateException e) {
            scope = String.join(".", group.getScopeComponents());
        }
        return "flink." + clean(scope) + "." + clean(metricName);
    }

    static Tags tags(MetricGroup group, Tags base) {
        List<Tag> tags = new ArrayList<>();
        group.getAllVariables().forEach((k, v) -> {
            String key = k.startsWith("<") && k.endsWith(">") ? k.substring(1, k.length() - 1) : k;
            if (!DROPPED_VARIABLES.contains(key) && v != null) {
                tags.add(Tag.of(clean(key), v));
            }
        });
        return base.and(tags);
    }

    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return b.toString();
    }

    /**
     * Whether a metric is exported: not the JVM's (Status.*: the process's JVM meters have them already), not the
     * network stack's buffers (Shuffle.Netty.*), and of the Kafka clients' only {@link #KAFKA_CLIENT_METRICS}.
     */
    static boolean exported(String name, String metricName) {
        if (name.contains(".Status.") || name.contains(".Shuffle.Netty.")) {
            return false;
        }
        if (name.contains(".KafkaConsumer.") || name.contains(".KafkaProducer.")) {
            return KAFKA_CLIENT_METRICS.contains(metricName);
        }
        return true;
    }

    @Override
    public void notifyOfAddedMetric(org.apache.flink.metrics.Metric metric, String metricName, MetricGroup group) {
        String name = name(group, metricName);
        if (!exported(name, metricName)) {
            return;
        }
        Tags tags = tags(group, roleTags);
        List<Meter> made = new ArrayList<>(4);
        try {
            if (metric instanceof Counter c) {
                made.add(FunctionCounter.builder(name, c, Counter::getCount).tags(tags).register(registry));
            } else if (metric instanceof org.apache.flink.metrics.Meter m) {
                made.add(FunctionCounter.builder(name, m, org.apache.flink.metrics.Meter::getCount).tags(tags)
                        .register(registry));
                made.add(Gauge.builder(name + ".rate", m, org.apache.flink.metrics.Meter::getRate).tags(tags)
                        .register(registry));
            } else if (metric instanceof org.apache.flink.metrics.Gauge<?> g) {
                Object first = safeValue(g);
                if (first instanceof Number || first instanceof Boolean || first == null) {
                    made.add(Gauge.builder(name, g, MicrometerReporter::numeric).tags(tags).register(registry));
                }
            } else if (metric instanceof Histogram h) {
                made.add(Gauge.builder(name + ".count", h, Histogram::getCount).tags(tags).register(registry));
                made.add(Gauge.builder(name + ".mean", h, x -> x.getStatistics().getMean()).tags(tags).register(registry));
                made.add(Gauge.builder(name, h, x -> x.getStatistics().getQuantile(0.5)).tags(tags)
                        .tag("quantile", "0.5").register(registry));
                // the same name with the same tag keys: the p99 next to the median
                made.add(Gauge.builder(name, h, x -> x.getStatistics().getQuantile(0.99)).tags(tags)
                        .tag("quantile", "0.99").register(registry));
            }
        } catch (RuntimeException e) {
            LOG.debug("flink metric {} not exported: {}", name, e.toString());
        }
        if (!made.isEmpty()) {
            synchronized (meters) {
                meters.put(metric, made);
            }
        }
    }

    @Override
    public void notifyOfRemovedMetric(org.apache.flink.metrics.Metric metric, String metricName, MetricGroup group) {
        List<Meter> made;
        synchronized (meters) {
            made = meters.remove(metric);
        }
        if (made != null) {
            made.forEach(registry::remove);
        }
    }

    private static Object safeValue(org.apache.flink.metrics.Gauge<?> g) {
        try {
            return g.getValue();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static double numeric(org.apache.flink.metrics.Gauge<?> g) {
        Object v = safeValue(g);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return Double.NaN;
    }
}
