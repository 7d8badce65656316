package org.parley.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

/** How the probes report a latency histogram (nanoseconds in, milliseconds out, two decimals). */
final class Percentiles {
    private Percentiles() {
    }

    static JsonObject summary(Histogram h) {
        return new JsonObject().put("count", h.getTotalCount())
                .put("p50", ms(h.getValueAtPercentile(50))).put("p90", ms(h.getValueAtPercentile(90)))
                .put("p99", ms(h.getValueAtPercentile(99))).put("p999", ms(h.getValueAtPercentile(99.9)))
                .put("max", ms(h.getMaxValue()));
    }

    static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
