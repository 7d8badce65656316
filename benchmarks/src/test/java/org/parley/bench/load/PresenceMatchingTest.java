package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presence transitions matched to the watchers' frames, and the reserved pairs (no sockets). */
class PresenceMatchingTest {
    private final List<BenchDevice> devices = TestDevices.of(4, 2);
    private final Accounting accounting = new Accounting(100);
    private final LoadRun run = new LoadRun("Lp1", null, null, devices, 4, accounting, 0, 60, 10, 0);

    private static JsonObject presence(String userId, String state) {
        JsonObject f = new JsonObject().put("type", "presence").put("userId", userId).put("state", state);
        return "offline".equals(state) ? f.put("lastSeenAt", 1_700_000_000_000L) : f;
    }

    @Test
    void eachWatcherDeviceIsToldOfATransitionOnce() {
        BenchDevice w1 = devices.get(6);
        BenchDevice w2 = devices.get(7);
        run.presence().expect("presence", 3, 4, "u2", "offline", new int[] {6, 7}, 1_000, true);

        run.onFrame(w1, presence("u2", "offline"));
        assertThat(accounting.tally().lost()).isEqualTo(1); // w2 not told yet
        assertThat(accounting.complete(3)).isFalse();
        run.onFrame(w2, presence("u2", "offline"));
        run.onFrame(w2, presence("u2", "offline")); // at-least-once: the same fact again

        Accounting.Tally t = accounting.tally();
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(t.unconfirmed()).isZero();
        assertThat(accounting.complete(3)).isTrue();
        assertThat(run.counters()).containsEntry("presence-repeats", 1L);
        assertThat(run.stats("presence.delivered").count()).isEqualTo(2);
        assertThat(run.stats("presence.offline").count()).isEqualTo(2);
        assertThat(run.presence().seen(w1, "u2")).isEqualTo("offline");
    }

    @Test
    void aFrameOnlyMatchesATransitionToItsStateForThatUser() {
        BenchDevice w = devices.get(6);
        run.presence().expect("presence", 1, 4, "u2", "offline", new int[] {6}, 1_000, true);

        run.onFrame(w, presence("u2", "online")); // not the awaited transition
        run.onFrame(w, presence("u1", "offline")); // another user
        assertThat(accounting.tally().lost()).isEqualTo(1);
        assertThat(run.counters()).containsEntry("presence-unscheduled-online", 1L)
                .containsEntry("presence-unscheduled-offline", 1L);

        run.onFrame(w, presence("u2", "offline"));
        run.presence().expect("presence", 2, 4, "u2", "online", new int[] {6}, 2_000, true);
        run.onFrame(w, presence("u2", "online"));
        assertThat(accounting.tally().lost()).isZero();
        assertThat(run.stats("presence.online").count()).isEqualTo(1);
        assertThat(run.accounting().tallyByScenario().get("presence"))
                .isEqualTo(new Accounting.ScenarioTally(2, 2, 2, 0, 0));
    }

    @Test
    void theAnswerToASubscribeIsNotATransitionUnlessOneIsAwaited() {
        BenchDevice w = devices.get(6); // not connected: the frames go nowhere, the answer is still awaited
        run.presence().subscribe(w, "u2");
        run.onFrame(w, presence("u2", "online"));
        assertThat(run.counters()).containsEntry("presence-subscribe-answers", 1L);
        assertThat(run.presence().seen(w, "u2")).isEqualTo("online");

        // re-subscribed after a reconnect while a transition is outstanding: the answer carries it
        run.presence().expect("presence", 5, 4, "u2", "offline", new int[] {6}, 1_000, true);
        run.presence().subscribe(w, "u2");
        run.onFrame(w, presence("u2", "offline"));
        assertThat(accounting.complete(5)).isTrue();
        assertThat(run.counters()).containsEntry("presence-subscribe-answers", 1L);
    }

    @Test
    void pairsComeFromTheReservedBlockAndABusyRunIsSkipped() {
        PresenceScenario p = new PresenceScenario(1, 0);
        assertThat(p.reservedUsers()).isEqualTo(2);
        run.sharedUsers(Scenarios.reserve(List.of(p), 4));
        assertThat(run.sharedUsers()).isEqualTo(2);
        assertThat(p.subject(0)).isEqualTo(2);
        assertThat(p.watcher(0)).isEqualTo(3);
        // the subject's devices are not live: no transition can start
        p.fire(run, 0, 0, true);
        assertThat(run.counters()).containsEntry("presence.skipped-busy", 1L);
        assertThat(accounting.tally().messages()).isZero();
        assertThatThrownBy(() -> new PresenceScenario(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Scenarios.create("presence").name()).isEqualTo("presence");
    }
}
