package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParleyCommandTest {
    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    private int run(Map<String, String> env, String... args) {
        return ParleyCommand.run(root, env, console, List.of(args));
    }

    @Test
    void helpIsTheOneUsageTextAndAnUnknownCommandPrintsItToStandardErrorWithExit2() {
        assertThat(run(Map.of(), "help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: ./parley <command> [options]")
                .contains("status [--services-only] [--json]");
        assertThat(run(Map.of(), "frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("Usage: ./parley");
    }

    @Test
    void statusOfAStoppedStackExits1AndJsonToo() {
        assertThat(run(Map.of(), "status", "--services-only")).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(4).allMatch(l -> l.contains(" stopped "));
        out.reset();
        assertThat(run(Map.of(), "status", "--json")).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("{\"layout\":\"combined\"");
        assertThatThrownBy(() -> run(Map.of(), "status", "--verbose")).hasMessage("status: unknown option '--verbose'");
    }

    @Test
    void configPrintsTheEffectiveSettingsAndWritesThemForTheApps() throws Exception {
        assertThat(run(Map.of("PARLEY_KAFKA_PORT", "1234"), "config")).isZero();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).contains("kafka.port=1234", "data.dir=" + root.toAbsolutePath().normalize().resolve(".parley"))
                .noneMatch(l -> l.startsWith("#"));
        assertThat(Files.readAllLines(root.resolve(".parley/run/effective.conf"))).containsAll(lines);
    }

    @Test
    void topologyClusterSelectsTheClusterForStatusAndConfigAndABadValueIsRefused() {
        assertThat(run(Map.of(), "status", "--services-only", "--topology", "cluster")).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8).lines().map(l -> l.split("\\s+")[0]).toList())
                .containsExactly("kafka-1", "kafka-2", "kafka-3", "cql-1", "cql-2", "cql-3", "s3", "registry");
        out.reset();
        assertThat(run(Map.of(), "config", "--topology=cluster")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList())
                .contains("kafka.bootstrap=127.0.0.1:29092,127.0.0.1:29094,127.0.0.1:29096", "cql.consistency=QUORUM");
        out.reset();
        assertThat(run(Map.of(), "status", "--json", "--topology", "cluster")).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"topology\":\"cluster\"")
                .contains("\"name\":\"flink-taskmanager-2\"");
        assertThatThrownBy(() -> run(Map.of(), "status", "--topology", "ring"))
                .hasMessage("stack.topology must be single or cluster, not 'ring'");
        assertThatThrownBy(() -> run(Map.of(), "up", "--topology")).hasMessageContaining("--topology needs a value");
    }

    @Test
    void upRefusesTakenPortsBeforeStartingAnything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThat(StackSupervisor.portInUse("127.0.0.1", port)).isTrue();
            // libraries present (markers), the port of s3 taken (default ports may be taken by another stack here too)
            for (String lib : StackLibraries.LIBRARIES.stream().map(StackLibraries.Library::name).toList()) {
                Files.createDirectories(root.resolve(".parley/lib/" + lib));
                Files.createFile(root.resolve(".parley/lib/" + lib + "/.complete"));
            }
            assertThatThrownBy(() -> run(Map.of("PARLEY_S3_PORT", String.valueOf(port)), "up", "--services-only"))
                    .isInstanceOf(StackException.class)
                    .hasMessageStartingWith("cannot start, ports taken:\n")
                    .hasMessageContaining("\n  s3: port " + port + " (s3.port) on 127.0.0.1 is already in use\n")
                    .hasMessageEndingWith("nothing was started.");
            assertThat(root.resolve(".parley/run/kafka.pid")).doesNotExist();
        }
    }

    @Test
    void benchNamesTheKnownScenariosAndNeedsItsComponentRunning() {
        assertThatThrownBy(() -> run(Map.of(), "bench", "--scenario", "nope"))
                .hasMessage("unknown scenario 'nope' (known: capacity e2e-cost jmh load media-transfer one-to-one-latency "
                        + "pipeline-stages search sequencer-throughput typing-latency)");
        assertThatThrownBy(() -> run(Map.of(), "bench")).hasMessage("apps is not running: ./parley up first");
        assertThatThrownBy(() -> run(Map.of("PARLEY_STACK_LAYOUT", "split"), "bench", "--scenario", "sequencer-throughput"))
                .hasMessage("sequencer is not running: ./parley up first");
    }
}
