package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One latency figure of a run (e.g. send → delivered): an HdrHistogram over the measured window (microseconds,
 * 3 significant digits) and one coarser histogram per second of the run, bucketed by the operation's
 * <em>scheduled</em> time, for the latency-over-time plot. Thread-safe.
 */
public final class LatencyStats {
    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);
    /** Percentiles of the percentile plot (and of the JSON curve). */
    static final double[] CURVE = {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100};

    private final String name;
    private final long runStartNanos;
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram[] perSecond;
    private final Histogram interval = new Histogram(HIGHEST_MICROS, 2);
    private long beyondTimeline;

    public LatencyStats(String name, long runStartNanos, int timelineSeconds) {
        this.name = name;
        this.runStartNanos = runStartNanos;
        this.perSecond = new Histogram[Math.max(1, timelineSeconds)];
    }

    public String name() {
        return name;
    }

    /** An operation scheduled at {@code scheduledNanos} completed at {@code nowNanos}. */
    public void record(long scheduledNanos, long nowNanos, boolean measured) {
        long micros = Math.min(HIGHEST_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(nowNanos - scheduledNanos)));
        if (measured) {
            synchronized (total) {
                total.recordValue(micros);
            }
        }
        synchronized (interval) {
            interval.recordValue(micros);
        }
        long second = (scheduledNanos - runStartNanos) / 1_000_000_000L;
        if (second < 0 || second >= perSecond.length) {
            synchronized (this) {
                beyondTimeline++;
            }
            return;
        }
        synchronized (this) {
            Histogram h = perSecond[(int) second];
            if (h == null) {
                h = perSecond[(int) second] = new Histogram(HIGHEST_MICROS, 2);
            }
            h.recordValue(micros);
        }
    }

    /** Count, p50 and p99 (ms) of what was recorded since the last call (for progress lines). */
    public double[] takeInterval() {
        synchronized (interval) {
            double[] out = {interval.getTotalCount(), ms(interval.getValueAtPercentile(50)), ms(interval.getValueAtPercentile(99))};
            interval.reset();
            return out;
        }
    }

    public long count() {
        synchronized (total) {
            return total.getTotalCount();
        }
    }

    public double percentileMs(double p) {
        synchronized (total) {
            return total.getTotalCount() == 0 ? Double.NaN : ms(total.getValueAtPercentile(p));
        }
    }

    /** p50/p90/p99/p99.9/max (ms) and count of the measured window, plus the percentile curve. */
    public JsonObject summary() {
        synchronized (total) {
            return summary(total);
        }
    }

    static JsonObject summary(Histogram h) {
        JsonObject s = new JsonObject().put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return s;
        }
        s.put("p50", ms(h.getValueAtPercentile(50))).put("p90", ms(h.getValueAtPercentile(90)))
                .put("p99", ms(h.getValueAtPercentile(99))).put("p999", ms(h.getValueAtPercentile(99.9)))
                .put("max", ms(h.getMaxValue())).put("mean", Math.round(h.getMean() / 10.0) / 100.0);
        JsonArray curve = new JsonArray();
        for (double p : CURVE) {
            curve.add(new JsonArray().add(p).add(ms(p == 100 ? h.getMaxValue() : h.getValueAtPercentile(p))));
        }
        return s.put("curve", curve);
    }

    /** Per second of the run (by scheduled time): [second, count, p50, p99, max]. */
    public synchronized JsonArray timeline() {
        JsonArray out = new JsonArray();
        for (int i = 0; i < perSecond.length; i++) {
            Histogram h = perSecond[i];
            if (h != null && h.getTotalCount() > 0) {
                out.add(new JsonArray().add(i).add(h.getTotalCount()).add(ms(h.getValueAtPercentile(50)))
                        .add(ms(h.getValueAtPercentile(99))).add(ms(h.getMaxValue())));
            }
        }
        return out;
    }

    static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
