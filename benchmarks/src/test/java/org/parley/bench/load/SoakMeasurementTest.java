package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakMeasurementTest {
    @TempDir
    Path run;

    @Test
    void rssSlopeIsTheLeastSquaresLineInMbPerMinute() {
        assertThat(ProcessSampler.slope(List.of(new double[] {0, 1}, new double[] {1, 3}, new double[] {2, 5})))
                .isEqualTo(2.0);
        // noise around a flat line: slope 0
        assertThat(ProcessSampler.slope(List.of(new double[] {0, 100}, new double[] {1, 102}, new double[] {2, 98},
                new double[] {3, 100}))).isCloseTo(-0.4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ProcessSampler.slope(List.of(new double[] {1, 5}, new double[] {1, 7}))).isNaN();
    }

    @Test
    void aRestartedComponentIsFollowedAndItsSlopeTakenOverItsNewProcessOnly() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").start();
        try {
            long self = ProcessHandle.current().pid();
            Files.writeString(run.resolve("edge-0.pid"), self + "\n");
            long t0 = System.nanoTime() - 60_000_000_000L; // a minute ago: samples at about 60 s
            ProcessSampler sampler = new ProcessSampler(ProcessSampler.stackPids(run), 1000, t0).following(run);
            sampler.sampleOnce();
            sampler.sampleOnce();
            sampler.sampleOnce();
            Files.writeString(run.resolve("edge-0.pid"), child.pid() + "\n"); // edge-0 restarted
            sampler.sampleOnce();
            sampler.sampleOnce();
            sampler.sampleOnce();

            JsonObject edge = sampler.result(0, 1e9).getJsonObject("processes").getJsonObject("edge-0");
            assertThat(edge.getLong("pid")).isEqualTo(child.pid());
            assertThat(edge.getInteger("restarts")).isEqualTo(1);
            assertThat(edge.getInteger("rssSlopeSamples")).isEqualTo(2); // the new process's first sample has no CPU delta
            assertThat(edge.getDouble("rssLastMb")).isLessThan(50.0); // sleep's RSS, not this JVM's
            assertThat(edge.getDouble("rssFirstMb")).isLessThan(50.0);
            assertThat(edge.getValue("rssSlopeMbPerMin")).isNotNull();
            assertThat(sampler.result(0, 1e9).getJsonObject("processes").getJsonObject("bench-tool").getInteger("restarts"))
                    .isZero();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void backlogGrowthIsEndLagLessStartLagPerGroup() {
        JsonObject b = Backlog.compare(Map.of("sequencer", 5L, "projections", 0L),
                Map.of("sequencer", 3L, "projections", 40L, "push", 2L));
        assertThat(b.getJsonObject("growth").getLong("sequencer")).isEqualTo(-2);
        assertThat(b.getJsonObject("growth").getLong("projections")).isEqualTo(40);
        assertThat(b.getJsonObject("growth").getLong("push")).isEqualTo(2);
        assertThat(b.getLong("totalGrowth")).isEqualTo(40);
        assertThat(b.getBoolean("read")).isTrue();
        assertThat(Backlog.compare(Map.of(), Map.of("a", 1L)).getBoolean("read")).isFalse();
    }
}
