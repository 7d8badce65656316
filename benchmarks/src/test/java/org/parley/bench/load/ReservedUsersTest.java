package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenarios that take blocks of users of their own (presence, push); the shared scenarios never touch them. */
class ReservedUsersTest {
    /** A scenario that wants {@code want} users and remembers which it got. */
    private static final class Taker implements Scenario {
        final int want;
        int from = -1;
        int to = -1;

        Taker(int want) {
            this.want = want;
        }

        @Override
        public String name() {
            return "taker" + want;
        }

        @Override
        public int reservedUsers() {
            return want;
        }

        @Override
        public void reserve(int fromUser, int toUser) {
            from = fromUser;
            to = toUser;
        }

        @Override
        public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        }
    }

    @Test
    void blocksComeFromTheTopAndStartEvenSoThatPairsBelowStayWhole() {
        Taker first = new Taker(4);
        Taker second = new Taker(3);
        int shared = Scenarios.reserve(List.of(new OneToOneScenario(), first, second), 13);

        assertThat(shared).isEqualTo(4);
        assertThat(first.from).isEqualTo(8); // 13 - 4 = 9, rounded down to even: 8..12
        assertThat(first.to).isEqualTo(13);
        assertThat(second.from).isEqualTo(4); // 8 - 3 = 5 → 4..7
        assertThat(second.to).isEqualTo(8);
        LoadRun run = run(13);
        run.sharedUsers(shared);
        for (int u = 0; u < shared; u++) {
            assertThat(run.partnerOf(u)).isBetween(0, shared - 1).isNotEqualTo(u);
        }
        assertThat(Scenarios.reserve(List.of(new OneToOneScenario()), 13)).isEqualTo(13);
        assertThat(run(13).partnerOf(12)).isEqualTo(11); // no reservation: the odd last user as before
    }

    @Test
    void reservedDevicesAreNeverPickedAsSenders() {
        LoadRun run = run(4);
        run.sharedUsers(2);
        run.devices().forEach(d -> d.live = true);
        for (int n = 0; n < 8; n++) {
            assertThat(run.liveDevice(n).index()).isLessThan(2);
        }
        assertThat(run.reserved(run.devices().get(3))).isTrue();
        assertThatThrownBy(() -> run.sharedUsers(3)).isInstanceOf(IllegalArgumentException.class);
        run.devices().forEach(d -> d.live = d.index >= 2);
        assertThat(run.sender("one-to-one", 0)).isNull();
        assertThat(run.counters()).containsEntry("one-to-one.skipped-no-live-device", 1L);
    }

    @Test
    void tooFewUsersLeftForTheOthersIsRefused() {
        assertThatThrownBy(() -> Scenarios.reserve(List.of(new Taker(10)), 11))
                .hasMessageContaining("taker10 needs 10 users");
    }

    private static LoadRun run(int users) {
        return new LoadRun("Lr1", null, null, TestDevices.of(users, 1), users, new Accounting(1), 0, 60, 10, 0);
    }
}
