package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.infra.it.LocalStackExtension;
import org.parley.infra.stack.Component.Kind;
import org.parley.infra.stack.Component.Readiness;

class StackSupervisorTest {
    @TempDir
    Path root;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(output, true, StandardCharsets.UTF_8);
    private final List<ProcessHandle> launched = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        launched.forEach(ProcessHandle::destroyForcibly);
    }

    private StackSupervisor supervisor(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PARLEY_STACK_STOP_TIMEOUT_SECONDS", "10");
        return new StackSupervisor(StackSettings.load(root, all), new Console(stream, stream));
    }

    @Test
    void statusOfAStoppedStackListsEveryComponentStopped() {
        StackSupervisor s = supervisor(Map.of("PARLEY_STACK_LAYOUT", "split"));
        List<String> lines = StackSupervisor.statusLines(s.status(false));

        assertThat(lines).hasSize(10);
        assertThat(lines.get(0)).isEqualTo("kafka        stopped              port 29092 ");
        assertThat(lines.get(4)).isEqualTo("sequencer    stopped              port 28051 "); // its /metrics port, its only one
        assertThat(StackSupervisor.statusLines(s.status(true))).hasSize(4);
    }

    @Test
    void statusJsonHasOneObjectPerComponentWithItsPorts() throws Exception {
        StackSupervisor s = supervisor(Map.of("PARLEY_STACK_LAYOUT", "combined", "PARLEY_EDGE_INSTANCES", "2",
                "PARLEY_EDGE_PORT", "28090"));
        JsonNode json = new ObjectMapper().readTree(s.statusJson(s.status(false)));

        assertThat(json.get("layout").asText()).isEqualTo("combined");
        assertThat(json.get("allRunning").asBoolean()).isFalse();
        assertThat(json.get("dataDir").asText()).isEqualTo(root.toAbsolutePath().normalize().resolve(".parley").toString());
        JsonNode components = json.get("components");
        assertThat(components).hasSize(6);
        JsonNode edge1 = components.get(5);
        assertThat(edge1.get("name").asText()).isEqualTo("edge-1");
        assertThat(edge1.get("kind").asText()).isEqualTo("app");
        assertThat(edge1.get("state").asText()).isEqualTo("stopped");
        assertThat(edge1.get("pid").isNull()).isTrue();
        assertThat(edge1.get("port").asInt()).isEqualTo(28091);
        assertThat(edge1.get("ports").get("edge.port+1").asInt()).isEqualTo(28091);
        assertThat(edge1.get("log").asText()).endsWith("logs/edge-1.log");
        assertThat(components.get(0).get("ports").get("kafka.controller-port").asInt()).isEqualTo(29093);
    }

    private Component fake(String name, String... args) {
        List<String> javaArgs = new ArrayList<>(List.of("-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), FakeComponent.class.getName()));
        javaArgs.addAll(List.of(args));
        return new Component(name, Kind.APP, "test", FakeComponent.class.getName(), "jvm.test", List.of(),
                Readiness.logLines(List.of(ComponentTable.readyLine(name))), javaArgs);
    }

    @Test
    void aComponentThatExitsRollsBackWhatThisRunStarted() {
        StackSupervisor s = supervisor(Map.of());
        List<Component> group = List.of(fake("alpha", "ready", "alpha"), fake("beta", "exit", "3"));

        assertThatThrownBy(() -> s.startAndAwait(group, c -> {
            StackProcesses.Started started = s.processes().launch(c.name(), Map.of(), c.args());
            launched.add(started.process());
            return started;
        })).isInstanceOfSatisfying(StackException.class, e -> assertThat(e.reported()).isTrue());

        String out = output.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("parley: beta exited before it was ready")
                .contains("fake: failing on purpose")
                .contains("parley: stopping what this run started: alpha beta")
                .containsPattern("stopped alpha \\(pid \\d+\\)");
        assertThat(launched).noneMatch(ProcessHandle::isAlive);
        assertThat(s.processes().live("alpha")).isEmpty();
        assertThat(root.resolve(".parley/run/alpha.pid")).doesNotExist();
        // what LocalStackExtension puts in its exception: from the supervisor's failure line on
        assertThat(LocalStackExtension.failureReason(new LocalStackExtension.Result(1, out))).startsWith("parley: beta exited before it was ready");
    }

    @Test
    void componentsThatGetReadyAreReportedAndKeepRunning() {
        StackSupervisor s = supervisor(Map.of());
        s.startAndAwait(List.of(fake("gamma", "ready", "gamma")), c -> {
            StackProcesses.Started started = s.processes().launch(c.name(), Map.of(), c.args());
            launched.add(started.process());
            return started;
        });

        Optional<ProcessHandle> live = s.processes().live("gamma");
        assertThat(live).isPresent();
        assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("gamma starting \\(pid \\d+, log .*gamma.log\\)")
                .containsPattern("gamma ready \\(\\d+s after start\\)");
        assertThat(StackProcesses.carriesMarker(live.get(), "gamma")).isTrue();
        assertThat(StackProcesses.carriesMarker(live.get(), "gam")).isFalse();

        s.processes().stopGroup(List.of("gamma"), new Console(stream, stream));
        assertThat(live.get().isAlive()).isFalse();
    }

    @Test
    void downOfAnUnknownComponentNamesTheKnownOnes() {
        StackSupervisor s = supervisor(Map.of("PARLEY_STACK_LAYOUT", "split"));
        assertThatThrownBy(() -> s.down(List.of("sequenzer"))).isInstanceOf(StackException.class)
                .hasMessageStartingWith("down: unknown component 'sequenzer' (known: edge-0 push fanout projections");
        s.down(List.of());
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("nothing to stop");
    }

    @Test
    void upRefusesAnUnknownAppBeforeStartingAnything() {
        StackSupervisor s = supervisor(Map.of("PARLEY_STACK_LAYOUT", "split"));
        assertThatThrownBy(() -> s.up(new StackSupervisor.UpOptions(false, false, List.of("apps"))))
                .hasMessage("up: 'apps' is not an app (apps: sequencer presence projections fanout push edge-0)");
    }
}
