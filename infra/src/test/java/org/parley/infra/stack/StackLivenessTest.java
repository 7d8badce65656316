package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness of the stack's processes right after a SIGKILL: a killed child of this JVM can still show as alive (its
 * threads and memory being torn down, or a zombie not yet reaped), and an up that took it for running would not start
 * it again (a crash test's up once left the killed fan-out down that way).
 */
class StackLivenessTest {
    @TempDir
    Path root;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(output, true, StandardCharsets.UTF_8);
    private final List<ProcessHandle> launched = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        launched.forEach(ProcessHandle::destroyForcibly);
    }

    private StackSupervisor supervisor() {
        Map<String, String> env = new HashMap<>();
        env.put("PARLEY_STACK_STOP_TIMEOUT_SECONDS", "10");
        return new StackSupervisor(StackSettings.load(root, env), new Console(stream, stream));
    }

    private StackProcesses.Started start(StackSupervisor s, Component c) {
        StackProcesses.Started started = s.processes().launch(c.name(), Map.of(), c.args());
        launched.add(started.process());
        return started;
    }

    @Test
    void aSigkilledChildIsStoppedAtOnceForStatusAndUpStartsItAgain() {
        StackSupervisor s = supervisor();
        Component delta = FakeComponent.ready("delta");
        s.startAndAwait(List.of(delta), c -> start(s, c));
        ProcessHandle first = s.processes().live("delta").orElseThrow();

        assertThat(first.destroyForcibly()).isTrue(); // SIGKILL, and no waiting for the exit or the reaping
        assertThat(s.processes().isRunning("delta")).as("killed, not yet reaped: stopped").isFalse();
        assertThat(supervisor().processes().live("delta")).as("another supervisor of this JVM").isEmpty();

        s.startAndAwait(List.of(delta), c -> start(s, c)); // up's "already running" check
        String out = output.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("delta already running");
        ProcessHandle second = s.processes().live("delta").orElseThrow();
        assertThat(second.pid()).isNotEqualTo(first.pid());
        assertThat(first.isAlive()).isFalse();
    }

    /**
     * A single-threaded process (a shell) dies within microseconds of its SIGKILL, and the pid file and marker check
     * alone took it for running right after the kill in most tries on this machine (176 of 200): twenty tries in a row
     * never all pass without the pending-SIGKILL and zombie checks.
     */
    @Test
    void aProcessIsStoppedTheMomentItsSigkillIsSentNotWhenItIsGone() throws Exception {
        StackProcesses processes = supervisor().processes();
        java.nio.file.Files.createDirectories(processes.pidFile("zeta").getParent());
        for (int i = 0; i < 20; i++) {
            Process p = new ProcessBuilder("sh", "-c", "sleep 600; true", StackProcesses.MARKER + "zeta").start();
            launched.add(p.toHandle());
            java.nio.file.Files.writeString(processes.pidFile("zeta"), p.pid() + "\n");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> processes.isRunning("zeta")); // its command line carries the marker

            assertThat(p.toHandle().destroyForcibly()).isTrue();
            assertThat(processes.isRunning("zeta")).as("try %d: right after the SIGKILL", i).isFalse();
            p.waitFor();
        }
    }

    @Test
    void aLiveChildStaysRunningForEverySupervisorOfThisJvm() {
        StackSupervisor s = supervisor();
        s.startAndAwait(List.of(FakeComponent.ready("epsilon")), c -> start(s, c));

        assertThat(supervisor().processes().isRunning("epsilon")).isTrue();
        s.processes().stopGroup(List.of("epsilon"), new Console(stream, stream));
        assertThat(s.processes().isRunning("epsilon")).isFalse();
    }

    @Test
    void startRefusesANameThatIsNotAComponentOfThisStack() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> supervisor().start(List.of("sequenzer")))
                .isInstanceOf(StackException.class)
                .hasMessageStartingWith("start: 'sequenzer' is not a component of this stack (kafka cql s3 registry");
        StackSupervisor split = new StackSupervisor(StackSettings.load(root, Map.of("PARLEY_STACK_LAYOUT", "split")),
                new Console(stream, stream));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> split.start(List.of("apps")))
                .as("an app of the other layout").isInstanceOf(StackException.class);
    }

    @Test
    void procStatusTellsAZombieAndAPendingSigkillFromALiveProcess() {
        String sleeping = "Name:\tjava\nState:\tS (sleeping)\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n";
        // Gone only once every thread has exited: a zombie main thread with others still running holds the sockets.
        assertThat(StackProcesses.exited("State:\tZ (zombie)\nThreads:\t1\n")).isTrue();
        assertThat(StackProcesses.exited("State:\tZ (zombie)\nThreads:\t37\n")).isFalse();
        assertThat(StackProcesses.exited("State:\tS (sleeping)\nThreads:\t1\n")).isFalse();
        assertThat(StackProcesses.dying(sleeping)).isFalse();
        assertThat(StackProcesses.dying(sleeping.replace("S (sleeping)", "Z (zombie)"))).isTrue();
        assertThat(StackProcesses.dying(sleeping.replace("S (sleeping)", "X (dead)"))).isTrue();
        assertThat(StackProcesses.dying("State:\tR (running)\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\n"))
                .as("SIGKILL pending for the process").isTrue();
        assertThat(StackProcesses.dying("State:\tD (disk sleep)\nSigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n"))
                .as("SIGKILL pending for the thread").isTrue();
        assertThat(StackProcesses.dying("State:\tS (sleeping)\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000004000\n"))
                .as("SIGTERM pending: still running its shutdown").isFalse();
    }
}
