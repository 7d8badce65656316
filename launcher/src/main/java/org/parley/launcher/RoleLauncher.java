package org.parley.launcher;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import org.parley.config.CpuPriority;
import org.parley.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the given app roles in this JVM, each through its own {@code main} on its own thread:
 * {@code RoleLauncher sequencer,presence,projections,fanout,push,edge}.
 *
 * <p>Why: on the two-core machine the local stack ran ten JVMs, and each of the six app JVMs paid its own metaspace,
 * JIT-compiled code, compiler threads and heap headroom for 30-90 MB of live data (docs/performance.md). One JVM
 * compiles the Kafka client, Netty and Avro paths once and shares one heap. The roles stay independent programs:
 * each reads the same settings, prints its own {@code PARLEY READY <role>} line and registers its own shutdown
 * hook, so SIGTERM stops them all in order, and production deploys them apart unchanged.
 *
 * <p>A role with a {@code nice.<role>} above 0 runs its {@code main} on a thread lowered to that priority, so every
 * thread the role creates shares it (CpuPriority): in one JVM as in its own process, the projection writer yields the
 * cores to the delivery path.
 *
 * <p>A role whose {@code main} throws takes the whole process down (exit 1): the supervisor sees one failure and
 * restarts the process, as it would have restarted that role's own JVM. A {@code main} that returns normally (the edge
 * returns once its verticles are deployed; the others only at shutdown) is not a failure.
 */
public final class RoleLauncher {
    static {
        // Before the first logger: each module ships its own logback file, and whichever came first on the class
        // path would configure every role.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-roles.xml");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(RoleLauncher.class);

    private RoleLauncher() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<AppRole> roles;
        try {
            roles = AppRole.parse(String.join(",", args));
        } catch (IllegalArgumentException e) {
            System.err.println("usage: RoleLauncher <role>[,<role>...]: " + e.getMessage());
            System.exit(2);
            return;
        }
        LOG.info("starting roles {} in one JVM", roles.stream().map(AppRole::roleName).toList());
        int[] nice = new int[roles.size()];
        try {
            Settings settings = Settings.load();
            for (int i = 0; i < roles.size(); i++) {
                nice[i] = CpuPriority.of(settings, roles.get(i).roleName());
            }
            // One /metrics for the JVM, on the "apps" port, before any role would start one of its own: every
            // role's meters land in it, tagged with their role (docs/operations.md, "Metrics and logs").
            org.parley.metrics.ProcessMetrics.serve(settings, "apps");
        } catch (RuntimeException e) {
            LOG.error("not starting: {}", e.getMessage());
            System.exit(1);
            return;
        }
        Thread[] threads = new Thread[roles.size()];
        for (int i = 0; i < roles.size(); i++) {
            AppRole role = roles.get(i);
            MethodHandle main = mainOf(role);
            threads[i] = start(role, nice[i], main);
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    static MethodHandle mainOf(AppRole role) {
        try {
            Class<?> type = Class.forName(role.mainClass());
            return MethodHandles.publicLookup().findStatic(type, "main", MethodType.methodType(void.class, String[].class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("role " + role.roleName() + ": no public static main in "
                    + role.mainClass() + " on the class path", e);
        }
    }

    /** Runs the role's {@code main} on a thread of its own, named after it, at the role's nice value. */
    static Thread start(AppRole role, int nice, MethodHandle main) {
        Thread t = new Thread(() -> run(role, nice, main), "role-" + role.roleName());
        t.start();
        return t;
    }

    private static void run(AppRole role, int nice, MethodHandle main) {
        // Before the role creates any thread: they all inherit this one's priority (CpuPriority).
        if (!CpuPriority.lowerCurrentThread(nice)) {
            LOG.warn("role {}: could not lower its threads to nice {} (no /proc/thread-self or renice): they run at the"
                    + " process's priority", role.roleName(), nice);
        } else if (nice != 0) {
            LOG.info("role {} runs at nice {} within this JVM", role.roleName(), nice);
        }
        try {
            main.invoke((Object) new String[0]);
        } catch (Throwable t) {
            LOG.error("role {} failed: the process exits so that its supervisor restarts every role", role.roleName(), t);
            System.exit(1);
        }
    }
}
