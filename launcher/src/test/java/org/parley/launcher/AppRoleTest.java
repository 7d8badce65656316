package org.parley.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AppRoleTest {
    @Test
    void rolesAreReadInOrderFromCommasOrSpaces() {
        assertThat(AppRole.parse("sequencer,presence projections, fanout,push,edge"))
                .containsExactly(AppRole.SEQUENCER, AppRole.PRESENCE, AppRole.PROJECTIONS, AppRole.FANOUT,
                        AppRole.PUSH, AppRole.EDGE);
        assertThat(AppRole.parse(" Edge ")).containsExactly(AppRole.EDGE);
    }

    @Test
    void unknownDuplicateOrMissingRolesAreRefusedByName() {
        assertThatThrownBy(() -> AppRole.parse("sequencer,kafka")).hasMessageContaining("unknown role 'kafka'")
                .hasMessageContaining("sequencer");
        assertThatThrownBy(() -> AppRole.parse("push,push")).hasMessageContaining("'push' is listed twice");
        assertThatThrownBy(() -> AppRole.parse(" , ")).hasMessageContaining("no role given");
    }

    @Test
    void everyRoleHasAPublicMainOnTheLaunchersClassPath() {
        // The launcher module depends on every app module: a renamed main class fails here, not at ./parley up.
        Arrays.stream(AppRole.values()).forEach(role -> assertThat(RoleLauncher.mainOf(role)).isNotNull());
    }
}
