package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.CpuPriority;

/**
 * A component is started at its {@code nice.<component>}: every thread of the process at that nice value and, where the
 * kernel groups processes by session (autogroups), its own group too, which is what orders it against the other
 * processes of the stack; a component without the setting runs as the supervisor does.
 */
class StackCpuPriorityTest {
    @TempDir
    Path root;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(output, true, StandardCharsets.UTF_8);
    private final List<ProcessHandle> launched = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        launched.forEach(ProcessHandle::destroyForcibly);
    }

    private long startAndAwait(StackSupervisor s, Component c) {
        s.startAndAwait(List.of(c), x -> {
            StackProcesses.Started started = s.processes().launch(x.name(), Map.of(), x.args());
            launched.add(started.process());
            return started;
        });
        return s.processes().live(c.name()).orElseThrow().pid();
    }

    @Test
    void aComponentRunsAtItsNiceInEveryThreadAndInItsOwnAutogroupAndOneWithoutItAtTheSupervisors() throws IOException {
        StackSupervisor s = new StackSupervisor(StackSettings.load(root, Map.of("PARLEY_NICE_THETA", "7")),
                new Console(stream, stream));
        long lowered = startAndAwait(s, FakeComponent.ready("theta"));
        long plain = startAndAwait(s, FakeComponent.ready("iota"));

        assertThat(threadNices(lowered)).as("every thread of theta").isNotEmpty().containsOnly(7);
        assertThat(threadNices(plain)).as("every thread of iota").containsOnly(threadNices(ProcessHandle.current().pid())
                .get(0));
        Path group = Path.of("/proc", String.valueOf(lowered), "autogroup");
        if (Files.exists(group)) { // a kernel built with autogroups: the group is theta's own, at 7
            assertThat(Files.readString(group)).endsWith("nice 7\n")
                    .isNotEqualTo(Files.readString(Path.of("/proc/self/autogroup")));
            assertThat(Files.readString(Path.of("/proc", String.valueOf(plain), "autogroup"))).endsWith("nice 0\n");
        }
        assertThat(s.processes().isRunning("theta")).as("found by its marker once running").isTrue();
    }

    @Test
    void nothingIsLoweredByDefaultASettingLowersItsComponentAndTheClusterTopologyIgnoresIt() {
        StackProcesses defaults = new StackProcesses(StackSettings.load(root, Map.of()));
        for (String c : List.of("kafka", "cql", "s3", "registry", "apps", "projections", "edge-1")) {
            assertThat(defaults.nice(c)).as(c).isZero();
        }
        Map<String, String> lowered = Map.of("PARLEY_NICE_CQL", "10", "PARLEY_NICE_PROJECTIONS", "10");
        StackProcesses single = new StackProcesses(StackSettings.load(root, lowered));
        assertThat(single.nice("cql")).isEqualTo(10);
        assertThat(single.nice("projections")).isEqualTo(10);
        assertThat(single.nice("kafka")).isZero();

        // It stands for nodes on machines of their own (ADR 0015).
        Map<String, String> cluster = new java.util.HashMap<>(lowered);
        cluster.put("PARLEY_STACK_TOPOLOGY", "cluster");
        StackProcesses nodes = new StackProcesses(StackSettings.load(root, cluster));
        assertThat(nodes.nice("cql-2")).isZero();
        assertThat(nodes.nice("projections")).isZero();
    }

    /** The nice value of each thread of the process, as the kernel has it. */
    private static List<Integer> threadNices(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            List<Integer> nices = new ArrayList<>();
            for (Path t : tasks.toList()) {
                nices.add(CpuPriority.niceOf(t.resolve("stat")).orElseThrow());
            }
            return nices;
        }
    }
}
