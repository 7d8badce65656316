package org.parley.edge.envelopes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Envelopes must name the recipient's current devices and the sender's other current devices, nothing else. */
class DeviceSetCheckTest {
    private static final Set<String> ALICE = Set.of("a1", "a2");
    private static final Set<String> BOB = Set.of("b1", "b2");

    private static DeviceSetCheck.Mismatch check(List<String> envelopes) {
        return DeviceSetCheck.compare("alice", "a1", ALICE, "bob", BOB, envelopes);
    }

    @Test
    void exactlyTheExpectedDevicesPass() {
        assertThat(check(List.of("b1", "b2", "a2"))).isNull();
        assertThat(check(List.of("a2", "b2", "b1"))).isNull(); // order does not matter
    }

    @Test
    void aDeviceLinkedSinceTheBundlesWereFetchedIsMissing() {
        DeviceSetCheck.Mismatch m = DeviceSetCheck.compare("alice", "a1", ALICE, "bob", Set.of("b1", "b2", "b3"),
                List.of("b1", "b2", "a2"));
        assertThat(m.missing()).isEqualTo(Map.of("bob", List.of("b3")));
        assertThat(m.extra()).isEmpty();
    }

    @Test
    void theSendersOtherDevicesAreRequiredToo() {
        DeviceSetCheck.Mismatch m = check(List.of("b1", "b2"));
        assertThat(m.missing()).isEqualTo(Map.of("alice", List.of("a2")));
    }

    @Test
    void anUnlinkedDeviceOrTheSendingDeviceItselfIsExtra() {
        DeviceSetCheck.Mismatch m = check(List.of("b1", "b2", "a2", "b0-unlinked", "a1"));
        assertThat(m.missing()).isEmpty();
        assertThat(m.extra()).containsExactly("a1", "b0-unlinked");
    }

    @Test
    void missingAndExtraAreReportedTogether() {
        DeviceSetCheck.Mismatch m = check(List.of("b1", "b9"));
        assertThat(m.missing()).isEqualTo(Map.of("alice", List.of("a2"), "bob", List.of("b2")));
        assertThat(m.extra()).containsExactly("b9");
    }

    @Test
    void aNoteToSelfNeedsOnlyTheSendersOtherDevices() {
        assertThat(DeviceSetCheck.compare("alice", "a1", ALICE, "alice", ALICE, List.of("a2"))).isNull();
        assertThat(DeviceSetCheck.compare("alice", "a1", ALICE, "alice", ALICE, List.of("a2", "b1")).extra())
                .containsExactly("b1");
    }
}
