package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.parley.infra.stack.StackProcesses;

/**
 * SIGKILL of one of the stack's processes, as the crash tests do it: the kill, then waiting until its pid is gone
 * (exited, at most a zombie), so that a following {@code ./parley up} finds it stopped and starts it again.
 */
final class Kills {
    private Kills() {
    }

    /** Kills the component's live process with SIGKILL and waits (at most {@code wait}) for its pid to be gone. */
    static ProcessHandle sigkill(LocalStackExtension stack, String component, Duration wait) {
        ProcessHandle p = stack.process(component).orElseThrow(() -> new AssertionError("no running " + component));
        assertThat(p.destroyForcibly()).as("SIGKILL sent to %s (pid %d)", component, p.pid()).isTrue();
        await(component + " pid " + p.pid() + " gone").atMost(wait).pollInterval(Duration.ofMillis(50))
                .until(() -> StackProcesses.gone(p));
        assertThat(stack.process(component)).as("%s after its kill", component).isEmpty();
        return p;
    }
}
