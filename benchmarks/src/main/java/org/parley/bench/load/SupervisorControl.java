package org.parley.bench.load;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.parley.infra.stack.Component;
import org.parley.infra.stack.ComponentTable;
import org.parley.infra.stack.Console;
import org.parley.infra.stack.StackException;
import org.parley.infra.stack.StackProcesses;
import org.parley.infra.stack.StackSettings;
import org.parley.infra.stack.StackSupervisor;

/**
 * The chaos mode's hold on the local stack, through the stack supervisor of {@code ./parley} in this JVM: the component
 * names of its {@link ComponentTable}, SIGKILL of a component's live process (pid file and marker, as {@code ./parley
 * status} finds it), and a restart as {@link StackSupervisor#start} (the component alone, without provisioning,
 * waiting for its readiness).
 */
final class SupervisorControl implements ChaosMonkey.Control {
    private static final Duration GONE_TIMEOUT = Duration.ofSeconds(30);

    private final StackSettings settings;
    private final Console console;

    SupervisorControl(Path root, Map<String, String> env, PrintStream out) {
        this.settings = StackSettings.load(root, env);
        this.console = new Console(out, out);
    }

    @Override
    public List<String> components() {
        return ComponentTable.of(settings).all().stream().map(Component::name).toList();
    }

    @Override
    public long kill(String component) {
        ProcessHandle p = new StackProcesses(settings).live(component)
                .orElseThrow(() -> new IllegalStateException(component + " is not running"));
        p.destroyForcibly(); // SIGKILL
        long deadline = System.nanoTime() + GONE_TIMEOUT.toNanos();
        while (!StackProcesses.gone(p)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(component + " (pid " + p.pid() + ") still there " + GONE_TIMEOUT.toSeconds()
                        + " s after SIGKILL");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return p.pid();
    }

    @Override
    public List<String> stopped() {
        StackProcesses processes = new StackProcesses(settings);
        return components().stream().filter(c -> !processes.isRunning(c)).toList();
    }

    @Override
    public void restart(String component) {
        try {
            new StackSupervisor(settings, console).start(List.of(component)); // a new one: its rollback is this start's
        } catch (StackException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
