package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChaosTest {
    private static final List<String> SPLIT = List.of("kafka", "cql", "s3", "registry", "sequencer", "presence",
            "projections", "fanout", "push", "edge-0");

    @Test
    void kindsAreTheSupervisorsComponentNamesByPrefix() {
        assertThat(ChaosKinds.resolve(List.of("all"), SPLIT)).extracting(ChaosKinds.Target::kind)
                .containsExactly("broker", "cql", "sequencer", "presence", "fanout", "projections", "push", "edge");
        assertThat(ChaosKinds.resolve(List.of("edge", "broker"), SPLIT)).containsExactly(
                new ChaosKinds.Target("edge", List.of("edge-0")), new ChaosKinds.Target("broker", List.of("kafka")));
        // a topology with more rows: the same kinds cover them, new kinds come from prefixes alone
        List<String> cluster = List.of("kafka-0", "kafka-1", "kafka-2", "cql-0", "cql-1", "sequencer-0", "sequencer-1",
                "jobmanager", "taskmanager-0", "taskmanager-1", "edge-0", "edge-1", "pushx");
        assertThat(ChaosKinds.resolve(List.of("broker", "taskmanager", "jobmanager", "edge"), cluster)).containsExactly(
                new ChaosKinds.Target("broker", List.of("kafka-0", "kafka-1", "kafka-2")),
                new ChaosKinds.Target("taskmanager", List.of("taskmanager-0", "taskmanager-1")),
                new ChaosKinds.Target("jobmanager", List.of("jobmanager")),
                new ChaosKinds.Target("edge", List.of("edge-0", "edge-1")));
        assertThat(ChaosKinds.covers("push", "pushx")).isFalse();
        assertThat(ChaosKinds.resolve(List.of("all"), List.of("kafka-1", "cql-1", "flink-jobmanager",
                "flink-taskmanager-1", "flink-taskmanager-2", "push-1"))).containsExactly(
                new ChaosKinds.Target("broker", List.of("kafka-1")), new ChaosKinds.Target("cql", List.of("cql-1")),
                new ChaosKinds.Target("jobmanager", List.of("flink-jobmanager")),
                new ChaosKinds.Target("taskmanager", List.of("flink-taskmanager-1", "flink-taskmanager-2")),
                new ChaosKinds.Target("push", List.of("push-1")));
    }

    @Test
    void aKindThatIsUnknownOrAbsentIsRefusedByName() {
        assertThatThrownBy(() -> ChaosKinds.resolve(List.of("brokers"), SPLIT))
                .hasMessageStartingWith("unknown chaos kind 'brokers' (kinds: all broker cql");
        assertThatThrownBy(() -> ChaosKinds.resolve(List.of("taskmanager"), SPLIT))
                .hasMessageStartingWith("chaos kind 'taskmanager' has no component in this stack (kafka cql");
        assertThatThrownBy(() -> ChaosKinds.resolve(List.of("edge", "edge"), SPLIT)).hasMessage("chaos kind 'edge' named twice");
    }

    /** Kills and restarts as asked; a restart fails as often as {@code failRestarts} says. */
    static final class FakeControl implements ChaosMonkey.Control {
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        final Map<String, Integer> failRestarts;
        final List<String> running;
        final List<String> all;

        FakeControl(List<String> running, Map<String, Integer> failRestarts) {
            this.all = List.copyOf(running);
            this.running = Collections.synchronizedList(new ArrayList<>(running));
            this.failRestarts = new java.util.HashMap<>(failRestarts);
        }

        @Override
        public List<String> components() {
            return List.copyOf(running);
        }

        @Override
        public long kill(String component) {
            if (!running.remove(component)) {
                throw new IllegalStateException(component + " is not running");
            }
            log.add("kill " + component);
            return 100 + log.size();
        }

        @Override
        public List<String> stopped() {
            List<String> out = new ArrayList<>(all);
            out.removeAll(running);
            return out;
        }

        @Override
        public void restart(String component) {
            int fails = failRestarts.getOrDefault(component, 0);
            if (fails > 0) {
                failRestarts.put(component, fails - 1);
                log.add("restart failed " + component);
                throw new IllegalStateException(component + " not ready");
            }
            log.add("restart " + component);
            running.add(component);
        }
    }

    @Test
    void killsGoRoundRobinOverKindsAndTheirInstancesEachFollowedByItsRestart() {
        FakeControl control = new FakeControl(List.of("kafka", "edge-0", "edge-1"), Map.of("edge-1", 1));
        List<ChaosKinds.Target> targets = ChaosKinds.resolve(List.of("broker", "edge"), control.components());
        ChaosMonkey monkey = new ChaosMonkey(control, targets, 0.01, 0, 3600, 2);
        assertThat(monkey.finished(System.nanoTime())).isFalse();
        monkey.start(System.nanoTime());
        await().atMost(Duration.ofSeconds(10)).until(() -> monkey.kills().size() == 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> monkey.finished(System.nanoTime())); // the load may end

        assertThat(control.log).containsExactly("kill kafka", "restart kafka", "kill edge-0", "restart edge-0",
                "kill kafka", "restart kafka", "kill edge-1", "restart failed edge-1", "restart edge-1");
        List<ChaosMonkey.Kill> kills = monkey.kills();
        assertThat(kills).extracting(ChaosMonkey.Kill::kind).containsExactly("broker", "edge", "broker", "edge");
        assertThat(kills).allMatch(ChaosMonkey.Kill::restarted);
        assertThat(kills.get(3).restartAttempts()).isEqualTo(2);
        for (int i = 1; i < kills.size(); i++) {
            assertThat(kills.get(i).killNanos()).as("kill %d after the restart before it", i + 1)
                    .isGreaterThanOrEqualTo(kills.get(i - 1).readyNanos());
        }
    }

    @Test
    void aComponentThatDoesNotComeBackIsRecordedAsNotRestarted() {
        FakeControl control = new FakeControl(List.of("sequencer", "push"), Map.of("push", ChaosMonkey.RESTART_ATTEMPTS));
        ChaosMonkey monkey = new ChaosMonkey(control, List.of(new ChaosKinds.Target("push", List.of("push"))), 0.01, 0,
                3600, 1);

        ChaosMonkey.Kill push = monkey.killOnce(0);

        assertThat(push.restarted()).isFalse();
        assertThat(push.restartAttempts()).isEqualTo(ChaosMonkey.RESTART_ATTEMPTS);
        assertThat(push.error()).endsWith("restart attempt 3: push not ready");
    }

    @Test
    void aComponentFoundStoppedIsStartedAndNamedWhetherTargetOrCollateral() {
        FakeControl control = new FakeControl(List.of("cql", "push", "fanout"), Map.of());
        control.running.remove("push"); // ended itself while CQL was down
        control.running.remove("fanout");
        ChaosMonkey monkey = new ChaosMonkey(control, List.of(new ChaosKinds.Target("cql", List.of("cql")),
                new ChaosKinds.Target("fanout", List.of("fanout"))), 0.01, 0, 3600, 1);

        ChaosMonkey.Kill fanout = monkey.killOnce(1);
        ChaosMonkey.Kill cql = monkey.killOnce(0);

        assertThat(fanout.pid()).isEqualTo(-1);
        assertThat(fanout.restarted()).isTrue();
        assertThat(fanout.error()).isEqualTo("kill: fanout is not running");
        assertThat(fanout.collateral()).containsExactly("push");
        assertThat(cql.collateral()).isEmpty();
        assertThat(control.running).containsExactlyInAnyOrder("cql", "push", "fanout");
        assertThat(control.log).containsExactly("restart fanout", "restart push", "kill cql", "restart cql");
    }

    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private static Accounting.Timing msg(long dueNanos, long latencyMs) {
        return new Accounting.Timing("one-to-one", dueNanos, dueNanos + latencyMs * MS, 0, 0);
    }

    @Test
    void recoveryIsFromTheKillToTheFirstMessageAfterTheLastOneOverTwiceThePreKillP99() {
        List<Accounting.Timing> t = new ArrayList<>();
        for (int i = 0; i < 100; i++) { // 0..9.9 s: 10 ms each, one of 30 ms (p99 = 10 ms)
            t.add(msg(i * 100 * MS, i == 50 ? 30 : 10));
        }
        t.add(msg(10 * S, 900)); // the kill at 10 s: slow ones, one lost, one shown twice
        t.add(new Accounting.Timing("group", 10 * S + 200 * MS, -1, 3, 0));
        t.add(new Accounting.Timing("one-to-one", 10 * S + 400 * MS, 10 * S + 1000 * MS, 0, 1));
        t.add(msg(11 * S, 19)); // under 2 x 10 ms: recovered from here
        t.add(msg(12 * S, 15));
        t.add(new Accounting.Timing("presence", 12 * S + 500 * MS, -1, 1, 0)); // not a message: left out
        t.add(msg(13 * S, 12));
        ChaosMonkey.Kill kill = new ChaosMonkey.Kill(1, "sequencer", "sequencer", 42, 10 * S, 10 * S + 5 * MS,
                11 * S + 500 * MS, 1, null, List.of());

        JsonObject r = ChaosReport.analyse(List.of(kill), t, 0, 14 * S, 5, 10);
        JsonObject k = r.getJsonArray("kills").getJsonObject(0);

        assertThat(k.getDouble("preKillP99Ms")).isEqualTo(10.0);
        assertThat(k.getDouble("thresholdMs")).isEqualTo(20.0);
        assertThat(k.getBoolean("recovered")).isTrue();
        assertThat(k.getDouble("recoveryMs")).isEqualTo(1000.0);
        assertThat(k.getDouble("readyAfterSeconds")).isEqualTo(1.5);
        assertThat(k.getInteger("duringMessages")).isEqualTo(4); // due from the kill to the readiness at 11.5 s
        assertThat(k.getDouble("duringMaxMs")).isEqualTo(900.0);
        assertThat(k.getLong("lost")).isEqualTo(3);
        assertThat(k.getLong("lostMessages")).isEqualTo(1);
        assertThat(k.getLong("duplicates")).isEqualTo(1);
        assertThat(k.getInteger("windowMessages")).isEqualTo(6);
        assertThat(r.getJsonObject("byKind").getJsonObject("sequencer").getLong("lost")).isEqualTo(3);
        assertThat(r.getBoolean("allRestarted")).isTrue();
    }

    @Test
    void aKillWithoutEffectRecoversAtOnceAndOneStillSlowAtItsWindowsEndIsNotRecovered() {
        List<Accounting.Timing> t = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            t.add(msg(i * 100 * MS, 10));
        }
        t.add(msg(5 * S, 12)); // kill 1 at 5 s: nothing over 100 ms (the floor)
        t.add(msg(6 * S, 11));
        t.add(msg(7 * S, 10));
        t.add(msg(8 * S, 5000)); // kill 2 at 8 s: slow to the end of the sends
        t.add(msg(9 * S, 3000));
        ChaosMonkey.Kill presence = new ChaosMonkey.Kill(1, "presence", "presence", 1, 5 * S, 5 * S, 6 * S, 1, null, List.of());
        ChaosMonkey.Kill cql = new ChaosMonkey.Kill(2, "cql", "cql", 2, 8 * S, 8 * S, 0, 3, "restart attempt 3: x",
                List.of("push"));

        JsonObject r = ChaosReport.analyse(List.of(presence, cql), t, 0, 10 * S, 100, 10);

        JsonObject first = r.getJsonArray("kills").getJsonObject(0);
        assertThat(first.getDouble("thresholdMs")).isEqualTo(100.0);
        assertThat(first.getDouble("recoveryMs")).isEqualTo(0.0);
        assertThat(first.getInteger("windowMessages")).isEqualTo(3); // up to the next kill
        JsonObject second = r.getJsonArray("kills").getJsonObject(1);
        assertThat(second.getBoolean("recovered")).isFalse();
        assertThat(second.getValue("recoveryMs")).isNull();
        assertThat(second.getBoolean("restarted")).isFalse();
        assertThat(r.getBoolean("allRestarted")).isFalse();
        assertThat(second.getJsonArray("collateral").getList()).containsExactly("push");
        assertThat(r.getInteger("collateralRestarts")).isEqualTo(1);
        assertThat(ChaosReport.lines(r)).hasSize(3).last().asString().contains("not recov.").contains("NO").endsWith("push");
    }

    @Test
    void reconnectWaitsDoubleFromHalfASecondToFiveWithJitter() {
        assertThat(LoadRun.backoffMillis(0, 0)).isEqualTo(250);
        assertThat(LoadRun.backoffMillis(0, 1)).isEqualTo(500);
        assertThat(LoadRun.backoffMillis(1, 1)).isEqualTo(1000);
        assertThat(LoadRun.backoffMillis(3, 1)).isEqualTo(4000);
        assertThat(LoadRun.backoffMillis(4, 1)).isEqualTo(5000);
        assertThat(LoadRun.backoffMillis(40, 0.5)).isBetween(2500L, 5000L);
    }

    @Test
    void aMessageIsCompleteWhenItsLastRecipientShowsIt() {
        Accounting a = new Accounting(3);
        a.register(0, "one-to-one", 0, 1_000, true, new int[] {1, 2});
        a.register(1, "push", 0, 2_000, true, new int[] {3});
        a.register(2, "group", 0, 3_000, true, new int[] {1, 2, 3});
        a.displayed(0, 1, 5_000);
        a.displayed(0, 2, 9_000);
        a.displayed(0, 2, 9_500); // a duplicate does not move the completion
        a.displayed(1, 3, 4_000); // a push counts at its arrival
        a.displayed(2, 1, 6_000);

        List<Accounting.Timing> t = a.timings();
        assertThat(t).containsExactly(new Accounting.Timing("one-to-one", 1_000, 9_000, 0, 1),
                new Accounting.Timing("push", 2_000, 4_000, 0, 0), new Accounting.Timing("group", 3_000, -1, 2, 0));
    }
}
