package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    /** A clock that jumps to whatever the pacer parks until, and lets a test add a stall. */
    static final class FakeClock implements Schedule.Clock {
        long now;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void parkUntil(long deadline) {
            now = Math.max(now, deadline);
        }
    }

    @Test
    void dueTimesAreComputedFromTheIndexWithoutDrift() {
        Schedule s = new Schedule(1_000, 3, 10);
        assertThat(s.due(0)).isEqualTo(1_000);
        assertThat(s.due(1)).isEqualTo(1_000 + 333_333_333);
        assertThat(s.due(3)).isEqualTo(1_000 + 1_000_000_000);
        // 3,000,000 operations at 3/s land exactly on 1,000,000 s, not a rounding error away
        assertThat(new Schedule(0, 3, 3_000_001).due(3_000_000)).isEqualTo(1_000_000L * 1_000_000_000L);
    }

    @Test
    void countAndDueByAgree() {
        assertThat(Schedule.count(2000, 30)).isEqualTo(60_000);
        assertThat(Schedule.count(0.5, 5)).isEqualTo(2);
        Schedule s = new Schedule(0, 1000, 5000);
        assertThat(s.dueBy(-1)).isZero();
        assertThat(s.dueBy(0)).isEqualTo(1);
        assertThat(s.dueBy(999_999)).isEqualTo(1);
        assertThat(s.dueBy(1_000_000)).isEqualTo(2);
        assertThat(s.dueBy(Long.MAX_VALUE / 2)).isEqualTo(5000);
        for (long t = 0; t < 10_000_000; t += 123_457) {
            long n = s.dueBy(t);
            assertThat(s.due(n - 1)).isLessThanOrEqualTo(t);
            assertThat(s.due(n)).isGreaterThan(t);
        }
    }

    @Test
    void measuredWindowStartsAfterTheWarmUpOperations() {
        Schedule s = new Schedule(0, 100, 1500);
        assertThat(s.measured(499, 5)).isFalse();
        assertThat(s.measured(500, 5)).isTrue();
    }

    @Test
    void pacerFiresEachOperationAtItsDueTimeAndCatchesUpAfterAStallWithoutSkipping() throws Exception {
        FakeClock clock = new FakeClock();
        Schedule s = new Schedule(0, 10, 20); // one every 100 ms
        List<long[]> fired = new ArrayList<>();
        long late = s.run(clock, (n, due) -> {
            fired.add(new long[] {n, due, clock.now});
            if (n == 4) {
                clock.now += 350_000_000; // the sender stalls 350 ms in operation 4
            }
        }, 10_000_000, () -> false);
        assertThat(fired).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(fired.get(i)[0]).isEqualTo(i);
            assertThat(fired.get(i)[1]).isEqualTo(i * 100_000_000L); // latency is measured from here
            assertThat(fired.get(i)[2]).isGreaterThanOrEqualTo(fired.get(i)[1]); // never early
        }
        // operations 5, 6, 7 were due during the stall: fired at once, late, in order; 8 is on time again
        assertThat(fired.get(5)[2]).isEqualTo(750_000_000L);
        assertThat(fired.get(7)[2]).isEqualTo(750_000_000L);
        assertThat(fired.get(8)[2]).isEqualTo(800_000_000L);
        assertThat(late).isEqualTo(3);
    }

    @Test
    void stopEndsThePacer() throws Exception {
        FakeClock clock = new FakeClock();
        Schedule s = new Schedule(0, 10, 100);
        List<Long> fired = new ArrayList<>();
        s.run(clock, (n, due) -> fired.add(n), 0, () -> fired.size() >= 7);
        assertThat(fired).hasSize(7);
    }

    @Test
    void rateMustBePositive() {
        assertThatThrownBy(() -> new Schedule(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
