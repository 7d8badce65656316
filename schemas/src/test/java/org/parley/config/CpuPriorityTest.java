package org.parley.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuPriorityTest {
    @Test
    void aNameReadsItsOwnSettingThenItsBaseNameThenZero() {
        Settings s = Settings.of(Map.of("nice.cql", "10", "nice.edge-1", "3", "nice.projections", "7"));

        assertThat(CpuPriority.of(s, "cql")).isEqualTo(10);
        assertThat(CpuPriority.of(s, "cql-2")).as("a numbered instance of cql").isEqualTo(10);
        assertThat(CpuPriority.of(s, "edge-1")).as("its own setting first").isEqualTo(3);
        assertThat(CpuPriority.of(s, "edge-0")).isZero();
        assertThat(CpuPriority.of(s, "projections")).isEqualTo(7);
        assertThat(CpuPriority.of(s, "sequencer")).isZero();
    }

    @Test
    void aValueThatWouldRaiseAPriorityOrIsNotANumberIsRefusedByName() {
        assertThatThrownBy(() -> CpuPriority.of(Settings.of(Map.of("nice.cql", "-5")), "cql-1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("setting 'nice.cql' must be from 0 to 19 (it can only lower a priority), got -5");
        assertThatThrownBy(() -> CpuPriority.of(Settings.of(Map.of("nice.cql", "20")), "cql"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("got 20");
        assertThatThrownBy(() -> CpuPriority.of(Settings.of(Map.of("nice.push", "low")), "push"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("setting 'nice.push' must be an integer from 0 to 19, got 'low'");
    }

    @Test
    void aProcessAtZeroStartsAsItIsAndAnyOtherAtItsNiceAndInItsOwnSessionItsAutogroupToo() {
        assertThat(CpuPriority.processPrefix(0, true)).isEmpty();
        assertThat(CpuPriority.processPrefix(10, false)).as("the starter's autogroup left alone")
                .containsExactly("nice", "-n", "10");
        assertThat(CpuPriority.processPrefix(10, true)).containsExactly("/bin/sh", "-c",
                "{ echo \"$0\" > /proc/self/autogroup; } 2>/dev/null; exec nice -n \"$0\" \"$@\"", "10");
    }

    /** The kernel's own figure for the thread, and for a thread it creates afterwards (what a role relies on). */
    @Test
    void aLoweredThreadAndTheThreadsItCreatesRunAtThatNiceAndOthersDoNot() throws Exception {
        AtomicReference<Object> lowered = new AtomicReference<>();
        AtomicReference<Object> child = new AtomicReference<>();
        Thread t = new Thread(() -> {
            lowered.set(CpuPriority.lowerCurrentThread(6) ? CpuPriority.currentThreadNice().orElse(null) : "failed");
            Thread c = new Thread(() -> child.set(CpuPriority.currentThreadNice().orElse(null)));
            c.start();
            try {
                c.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        t.join();

        assertThat(lowered.get()).isEqualTo(6);
        assertThat(child.get()).as("created after the change").isEqualTo(6);
        assertThat(CpuPriority.currentThreadNice()).as("the test's own thread").isPresent().get().isNotEqualTo(6);
    }
}
