package org.parley.push.dispatch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.parley.push.PushOutcome;

/**
 * The push dispatcher's meters (docs/operations.md, "Metrics and logs"): what became of each request, what the push
 * services answered to each attempt (retries included), and how long a sent push took from the message's sequencing.
 * Every meter is created here, once: nothing is registered per request, and no device or user id is a tag.
 */
public final class PushMeters {
    private final Map<PushDispatcher.Result, Counter> results = new EnumMap<>(PushDispatcher.Result.class);
    private final Map<PushOutcome.Status, Counter> attempts = new EnumMap<>(PushOutcome.Status.class);
    private final Timer sentAfter;

    public PushMeters(MeterRegistry registry) {
        for (PushDispatcher.Result r : PushDispatcher.Result.values()) {
            results.put(r, Counter.builder("parley.push.requests").description("push requests, by what became of them")
                    .tag("role", "push").tag("result", r.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
        for (PushOutcome.Status s : PushOutcome.Status.values()) {
            attempts.put(s, Counter.builder("parley.push.attempts")
                    .description("requests to push services, retries included, by the class of answer")
                    .tag("role", "push").tag("outcome", s.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
        sentAfter = Timer.builder("parley.push.sent.latency")
                .description("from the message's sequencing to the push service accepting the push")
                .tag("role", "push").publishPercentileHistogram().register(registry);
    }

    void result(PushDispatcher.Result r) {
        results.get(r).increment();
    }

    void attempt(PushOutcome outcome) {
        attempts.get(outcome.status()).increment();
    }

    void sent(Duration sinceSequenced) {
        if (!sinceSequenced.isNegative()) {
            sentAfter.record(sinceSequenced);
        }
    }
}
