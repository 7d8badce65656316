package org.parley.push.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DispatcherRenewalTest {
    @Test
    void aNewInstanceIsTriedAgainWithBackOffWhileCqlIsDownInsteadOfEndingTheProcess() {
        AtomicInteger tries = new AtomicInteger();
        List<Long> waits = new ArrayList<>();
        String made = PushDispatcherApp.renewed(() -> {
            if (tries.incrementAndGet() <= 7) {
                throw new IllegalStateException("No node was available to execute the query");
            }
            return "dispatcher";
        }, new AtomicBoolean(true), waits::add);

        assertThat(made).isEqualTo("dispatcher");
        assertThat(tries).hasValue(8);
        assertThat(waits).containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L);
    }

    @Test
    void stoppingEndsTheTries() {
        AtomicBoolean running = new AtomicBoolean(true);
        String made = PushDispatcherApp.renewed(() -> {
            throw new IllegalStateException("down");
        }, running, ms -> running.set(false));

        assertThat(made).isNull();
    }
}
