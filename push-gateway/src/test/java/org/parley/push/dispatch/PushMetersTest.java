package org.parley.push.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.parley.push.PushOutcome;

class PushMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PushMeters meters = new PushMeters(registry);

    @Test
    void everyResultAndEveryClassOfAnswerHasItsCounterFromTheStart() {
        assertThat(registry.find("parley.push.requests").counters()).hasSize(PushDispatcher.Result.values().length)
                .allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(registry.find("parley.push.attempts").counters()).hasSize(PushOutcome.Status.values().length);
    }

    @Test
    void resultsAttemptsAndTheSentLatencyAreCounted() {
        meters.result(PushDispatcher.Result.SENT);
        meters.result(PushDispatcher.Result.DUPLICATE);
        meters.result(PushDispatcher.Result.SENT);
        meters.attempt(PushOutcome.ofHttp(503, "busy"));
        meters.attempt(PushOutcome.ofHttp(201, "ok"));
        meters.sent(Duration.ofMillis(40));
        meters.sent(Duration.ofMillis(-5)); // a clock step back: not a latency

        assertThat(registry.get("parley.push.requests").tag("result", "sent").counter().count()).isEqualTo(2);
        assertThat(registry.get("parley.push.requests").tag("result", "duplicate").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.push.attempts").tag("outcome", "retry").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.push.attempts").tag("outcome", "accepted").counter().count()).isEqualTo(1);
        assertThat(registry.get("parley.push.sent.latency").timer().count()).isEqualTo(1);
        assertThat(registry.get("parley.push.sent.latency").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40);
        assertThat(registry.get("parley.push.requests").counter().getId().getTags())
                .as("no device or user id as a tag").noneMatch(t -> t.getKey().contains("device") || t.getKey().contains("user"));
    }
}
