package org.parley.infra.stack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.parley.config.CpuPriority;

/**
 * The processes of the stack: started detached (own session through {@code setsid} where there is one, so a Ctrl-C in
 * the terminal or the end of a test JVM does not reach them) at their CPU priority ({@code nice.<component>}),
 * standard output and error appended to {@code <data.dir>/logs/<component>.log}, pid in
 * {@code <data.dir>/run/<component>.pid}, and the marker {@code -Dparley.stack.component=<component>} on the command
 * line: only a live pid carrying its marker counts as the component, so a recycled pid is never taken for it.
 */
public final class StackProcesses {
    static final String MARKER = "-Dparley.stack.component=";
    private static final Path SETSID = findSetsid();
    /**
     * The children this JVM spawned, by absolute pid file: a component whose pid file names one of them is judged by
     * its {@link Process} (in any supervisor of this JVM), not by /proc's command line.
     */
    private static final Map<Path, Process> SPAWNED = new java.util.concurrent.ConcurrentHashMap<>();

    private final StackSettings settings;

    public StackProcesses(StackSettings settings) {
        this.settings = settings;
    }

    public Path pidFile(String component) {
        return settings.run().resolve(component + ".pid");
    }

    public Path logFile(String component) {
        return settings.logs().resolve(component + ".log");
    }

    /**
     * The live process this supervisor started as the component, if any. A child this JVM spawned is judged by its
     * {@link Process}; any other pid must be alive and carry the component's marker. Either way a process that was
     * sent SIGKILL (still tearing down, or a zombie not yet reaped) counts as gone: see {@link #alive(ProcessHandle)}.
     */
    public Optional<ProcessHandle> live(String component) {
        Path f = pidFile(component);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(f).trim());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        Process child = SPAWNED.get(f.toAbsolutePath());
        if (child != null && child.pid() == pid) {
            return child.isAlive() && alive(child.toHandle()) ? Optional.of(child.toHandle()) : Optional.empty();
        }
        return ProcessHandle.of(pid).filter(StackProcesses::alive).filter(p -> carriesMarker(p, component));
    }

    /**
     * Waits (at most {@code max}) until the process of the component's pid file, if one is on its way out (killed, not
     * {@link #gone} yet), has exited: its listening sockets are released only then. Returns at once otherwise.
     */
    public void awaitExit(String component, java.time.Duration max) {
        Path f = pidFile(component);
        long pid;
        try {
            pid = Long.parseLong(Files.readString(f).trim());
        } catch (IOException | NumberFormatException e) {
            return;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        long deadline = System.nanoTime() + max.toNanos();
        while (p.isPresent() && !gone(p.get()) && !alive(p.get()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20); // a teardown in progress: nothing to be notified of
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Alive and not on its way out: {@link ProcessHandle#isAlive()} and, where /proc tells, neither a zombie (dead, not
     * yet reaped by its parent) nor a process with SIGKILL pending (killed, its threads and memory still being torn
     * down). A SIGKILLed process can look alive for a while after the kill; it never comes back.
     */
    public static boolean alive(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        if (!Files.isDirectory(Path.of("/proc", "self"))) {
            return true; // no /proc: isAlive is all there is
        }
        try {
            return !dying(Files.readString(status));
        } catch (IOException | RuntimeException e) {
            return false; // gone between the two looks
        }
    }

    /**
     * Exited: no such live pid, or a zombie (dead, its parent not yet told). What a caller that killed a process waits
     * for before starting it again (a process with its SIGKILL pending is not {@link #alive} but not gone yet either).
     */
    public static boolean gone(ProcessHandle p) {
        if (!p.isAlive()) {
            return true;
        }
        try {
            return exited(Files.readString(Path.of("/proc", Long.toString(p.pid()), "status")));
        } catch (IOException | RuntimeException e) {
            return Files.isDirectory(Path.of("/proc", "self")); // with /proc: gone between the two looks
        }
    }

    /**
     * From a /proc/&lt;pid&gt;/status text: the whole process exited. Its main thread a zombie is not enough: in a
     * multi-threaded process (every JVM) the main thread turns zombie first and waits for the others, which still
     * hold the process's files, its listening sockets included, until the last one exits (Threads: 1 then).
     */
    static boolean exited(String status) {
        boolean zombie = false;
        int threads = 1;
        for (String line : status.split("\n")) {
            if (line.startsWith("State:")) {
                String state = line.substring(6).trim();
                zombie = state.startsWith("Z") || state.startsWith("X");
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).trim());
            }
        }
        return zombie && threads <= 1;
    }

    /** SIGKILL's bit in a /proc signal mask (bit signal - 1). */
    private static final long SIGKILL_BIT = 1L << (9 - 1);

    /** From a /proc/&lt;pid&gt;/status text: a zombie or dead state, or SIGKILL pending for the process or its thread. */
    static boolean dying(String status) {
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "State" -> {
                    if (value.startsWith("Z") || value.startsWith("X")) {
                        return true;
                    }
                }
                case "ShdPnd", "SigPnd" -> {
                    if (!value.isEmpty() && (Long.parseUnsignedLong(value, 16) & SIGKILL_BIT) != 0) {
                        return true;
                    }
                }
                default -> {
                }
            }
        }
        return false;
    }

    public boolean isRunning(String component) {
        return live(component).isPresent();
    }

    static boolean carriesMarker(ProcessHandle p, String component) {
        String marker = MARKER + component;
        Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
        if (Files.isReadable(cmdline)) {
            try {
                String[] args = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).split("\0");
                for (String a : args) {
                    if (a.equals(marker)) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }
        return p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false);
    }

    /** Resident memory in MB (Linux /proc), if known. */
    public static Optional<Long> rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or gone
        }
        return Optional.empty();
    }

    /** The log's size before this start's lines, and when it started. */
    public record Started(String component, ProcessHandle process, long logOffset, long startNanos) {
    }

    /**
     * Starts {@code java <marker> <javaArgs>} as the component, environment = the supervisor's plus {@code env}. The
     * log gets a "===== time ./parley starting component" line first.
     */
    public Started launch(String component, Map<String, String> env, List<String> javaArgs) {
        Path log = logFile(component);
        try {
            Files.createDirectories(settings.logs());
            Files.createDirectories(settings.run());
            String stamp = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            Files.writeString(log, "===== " + stamp + " ./parley starting " + component + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            long offset = Files.size(log);
            List<String> command = new ArrayList<>();
            if (SETSID != null) {
                command.add(SETSID.toString());
            }
            command.addAll(CpuPriority.processPrefix(nice(component), SETSID != null));
            command.add(javaExecutable());
            command.add(MARKER + component);
            command.addAll(javaArgs);
            ProcessBuilder pb = new ProcessBuilder(command).directory(settings.root().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(settings.env());
            pb.environment().putAll(env);
            long startNanos = System.nanoTime();
            Process p = pb.start();
            Files.writeString(pidFile(component), p.pid() + "\n");
            SPAWNED.put(pidFile(component).toAbsolutePath(), p);
            p.onExit().thenRun(() -> SPAWNED.remove(pidFile(component).toAbsolutePath(), p));
            return new Started(component, p.toHandle(), offset, startNanos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + component, e);
        }
    }

    /**
     * The component's CPU priority ({@code nice.<component>}; see {@link CpuPriority}); 0 in the cluster topology, which
     * stands for a deployment where each node has machines of its own (ADR 0015): there three Cassandra nodes at nice 10
     * among fourteen processes on two cores answered registrations too late (503s in ClusterTopologyIT).
     */
    public int nice(String component) {
        if (settings.cluster()) {
            return 0;
        }
        try {
            return CpuPriority.of(settings.settings(), component);
        } catch (IllegalStateException e) {
            throw new StackException(e.getMessage());
        }
    }

    /** The java of this JVM: the one the bootstrap found (Java 17+). */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** What the component logged since offset (this start's lines only; at most the last 8 MiB of them). */
    public String logSince(String component, long offset) {
        Path log = logFile(component);
        if (!Files.isRegularFile(log)) {
            return "";
        }
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "r")) {
            long size = f.length();
            long from = Math.max(Math.min(Math.max(0, offset), size), size - (8 << 20));
            byte[] b = new byte[(int) (size - from)];
            f.seek(from);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * SIGTERM to every live one, then wait up to stack.stop-timeout-seconds, then SIGKILL. Pid files are removed.
     * Reports each stop through the console.
     */
    public void stopGroup(List<String> components, Console console) {
        stopGroup(components, Map.of(), console);
    }

    /**
     * As {@link #stopGroup(List, Console)}, also stopping the processes this JVM spawned for the components even where
     * the pid file and marker check does not find them (a process caught in its first moments, while its command line
     * is being replaced by exec, shows none).
     */
    public void stopGroup(List<String> components, Map<String, ProcessHandle> spawned, Console console) {
        Map<String, ProcessHandle> left = new LinkedHashMap<>();
        for (String c : components) {
            Optional<ProcessHandle> p = live(c).or(() -> Optional.ofNullable(spawned.get(c)).filter(StackProcesses::alive));
            if (p.isPresent()) {
                p.get().destroy();
                left.put(c, p.get());
            }
            try {
                Files.deleteIfExists(pidFile(c));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Duration timeout = settings.stopTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!left.isEmpty()) {
            for (var it = left.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!alive(e.getValue())) {
                    console.say("stopped " + e.getKey() + " (pid " + e.getValue().pid() + ")");
                    it.remove();
                }
            }
            if (left.isEmpty()) {
                break;
            }
            if (System.nanoTime() >= deadline) {
                for (var e : left.entrySet()) {
                    console.warn(e.getKey() + " (pid " + e.getValue().pid() + ") did not stop in " + timeout.toSeconds()
                            + "s: SIGKILL");
                    e.getValue().destroyForcibly();
                }
                sleep(500);
                break;
            }
            sleep(300);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    private static Path findSetsid() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "setsid");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
