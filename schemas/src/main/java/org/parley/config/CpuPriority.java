package org.parley.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The CPU priority (a nice value, 0 to 19) of a process of the local stack or of an app role's threads, from
 * {@code nice.<name>} (0 when unset). On a machine the whole stack shares, a message's latency is mostly time spent
 * waiting for a core (docs/performance.md): the work off the delivery path (Cassandra, the projection writer) may wait,
 * the broker, the sequencer, the fan-out and the edge should not. A higher value only lowers a priority, so nothing
 * here needs root.
 *
 * <p>Two mechanisms, because Linux schedules in two levels: a process started in its own session ({@code setsid}, as
 * {@code ./parley} starts each one) gets its own autogroup where the kernel has them, and the autogroups share the CPU
 * by their own nice value; within a process, threads share it by theirs. So a process is started with both set
 * ({@link #processPrefix}), and a role inside the combined JVM lowers its own thread before it starts, which every
 * thread it creates inherits ({@link #lowerCurrentThread}).
 */
public final class CpuPriority {
    public static final int MAX = 19;

    private CpuPriority() {
    }

    /**
     * The nice value of {@code name}: {@code nice.<name>}, else that of its base name for a numbered instance
     * ({@code cql-2}, {@code edge-1} read {@code nice.cql}, {@code nice.edge}), else 0.
     */
    public static int of(Settings settings, String name) {
        Optional<String> v = settings.find("nice." + name);
        String key = "nice." + name;
        if (v.isEmpty()) {
            String base = name.replaceFirst("-\\d+$", "");
            key = "nice." + base;
            v = settings.find(key);
        }
        if (v.isEmpty()) {
            return 0;
        }
        int nice;
        try {
            nice = Integer.parseInt(v.get());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("setting '" + key + "' must be an integer from 0 to " + MAX + ", got '"
                    + v.get() + "'");
        }
        if (nice < 0 || nice > MAX) {
            throw new IllegalStateException("setting '" + key + "' must be from 0 to " + MAX
                    + " (it can only lower a priority), got " + nice);
        }
        return nice;
    }

    /**
     * What to put before {@code java ...} so the process runs at {@code nice}: {@code nice -n <nice>} and, for a process
     * started in its own session ({@code ownSession}: after {@code setsid}), a shell that first sets its autogroup's
     * nice value, where the kernel has autogroups, then execs that (same pid throughout). Without its own session the
     * autogroup is the starter's, which is left alone. Empty for 0.
     */
    public static List<String> processPrefix(int nice, boolean ownSession) {
        if (nice == 0) {
            return List.of();
        }
        if (!ownSession) {
            return List.of("nice", "-n", String.valueOf(nice));
        }
        return List.of("/bin/sh", "-c",
                "{ echo \"$0\" > /proc/self/autogroup; } 2>/dev/null; exec nice -n \"$0\" \"$@\"",
                String.valueOf(nice));
    }

    /**
     * Lowers the calling thread to {@code nice}; the threads it creates from now on inherit it (Linux keeps a nice
     * value per thread). Returns false, changing nothing, where that cannot be done (no /proc/thread-self, no
     * {@code renice}). Nothing to do for 0.
     */
    public static boolean lowerCurrentThread(int nice) {
        if (nice == 0) {
            return true;
        }
        Optional<Long> tid = currentThreadId();
        if (tid.isEmpty()) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("renice", "-n", String.valueOf(nice), "-p", String.valueOf(tid.get()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The kernel's id of the calling thread, from /proc/thread-self (a link to {@code <pid>/task/<tid>}). */
    public static Optional<Long> currentThreadId() {
        try {
            Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            return Optional.of(Long.parseLong(link.getFileName().toString()));
        } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The calling thread's nice value as the kernel has it (/proc/thread-self/stat), if it can be read. */
    public static Optional<Integer> currentThreadNice() {
        return niceOf(Path.of("/proc/thread-self/stat"));
    }

    /** The nice value in a thread's or process's /proc {@code stat} file, if it can be read. */
    public static Optional<Integer> niceOf(Path stat) {
        try {
            String line = Files.readString(stat);
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, nice 19.
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Integer.parseInt(f[19 - 3]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
