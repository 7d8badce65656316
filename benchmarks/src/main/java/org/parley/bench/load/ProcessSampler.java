package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * CPU and RSS of the stack's processes during a run, from /proc: the pids are the {@code *.pid} files ./parley
 * writes in its run folder, plus this tool itself. CPU is in percent of one core (200 % = both cores of this
 * machine), from utime+stime deltas; RSS from VmRSS. Sampled on its own daemon thread every interval.
 */
public final class ProcessSampler implements AutoCloseable {
    /** Linux USER_HZ: clock ticks per second of /proc/<pid>/stat times (100 on every mainstream kernel). */
    static final long CLOCK_TICKS = 100;

    private final Map<String, Long> pids;
    /** ./parley's run folder, re-read at every sample so that a restarted component is followed (null: fixed pids). */
    private Path runDir;
    private final long intervalMillis;
    private final long startNanos;
    private final Map<String, Series> series = new LinkedHashMap<>();
    private final Series machine = new Series();
    private Thread thread;
    private volatile boolean stop;

    /** One process's samples: [seconds since start, cpu %, rss MB]. */
    static final class Series {
        final List<double[]> samples = new ArrayList<>();
        long lastTicks = -1;
        long lastNanos;
        long lastIdle = -1;
        /** Index in samples of the first sample of the current pid (after the last restart). */
        int currentFrom;
        int restarts;
    }

    public ProcessSampler(Map<String, Long> pids, long intervalMillis, long startNanos) {
        this.pids = new LinkedHashMap<>(pids);
        this.intervalMillis = intervalMillis;
        this.startNanos = startNanos;
        this.pids.forEach((k, v) -> series.put(k, new Series()));
    }

    /** Pids of ./parley's components in {@code runDir} (component = file name without .pid) and of this JVM. */
    public static Map<String, Long> stackPids(Path runDir) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (runDir != null && Files.isDirectory(runDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(runDir, "*.pid")) {
                List<Path> sorted = new ArrayList<>();
                files.forEach(sorted::add);
                sorted.sort(null);
                for (Path f : sorted) {
                    String text = Files.readString(f).trim();
                    if (text.matches("\\d+") && Files.exists(Path.of("/proc", text))) {
                        out.put(f.getFileName().toString().replaceFirst("\\.pid$", ""), Long.parseLong(text));
                    }
                }
            } catch (IOException e) {
                // no stack processes to sample
            }
        }
        out.put("bench-tool", ProcessHandle.current().pid());
        return out;
    }

    /**
     * Follows the components' pid files in {@code runDir} from now on: a component whose pid changed (restarted, e.g.
     * by the chaos mode) gets its new process's samples, and its RSS slope is taken over those only.
     */
    public ProcessSampler following(Path runDir) {
        this.runDir = runDir;
        return this;
    }

    private void refreshPids() {
        if (runDir == null) {
            return;
        }
        stackPids(runDir).forEach((name, pid) -> {
            Long old = pids.put(name, pid);
            Series s = series.computeIfAbsent(name, k -> new Series());
            if (old != null && !old.equals(pid)) {
                s.lastTicks = -1;
                s.currentFrom = s.samples.size();
                s.restarts++;
            }
        });
    }

    public ProcessSampler start() {
        sampleOnce();
        thread = new Thread(() -> {
            while (!stop) {
                try {
                    Thread.sleep(intervalMillis); // a sampling period of the tool, not a test wait
                } catch (InterruptedException e) {
                    return;
                }
                sampleOnce();
            }
        }, "process-sampler");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    synchronized void sampleOnce() {
        refreshPids();
        long now = System.nanoTime();
        double t = (now - startNanos) / 1e9;
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            Series s = series.get(e.getKey());
            OptionalLong ticks = read("/proc/" + e.getValue() + "/stat").map(ProcessSampler::cpuTicks).orElse(OptionalLong.empty());
            OptionalLong rssKb = read("/proc/" + e.getValue() + "/status").map(ProcessSampler::rssKb).orElse(OptionalLong.empty());
            if (ticks.isEmpty()) {
                continue; // gone
            }
            if (s.lastTicks >= 0) {
                double cpu = cpuPercent(ticks.getAsLong() - s.lastTicks, now - s.lastNanos);
                s.samples.add(new double[] {round1(t), round1(cpu), round1(rssKb.orElse(0) / 1024.0)});
            }
            s.lastTicks = ticks.getAsLong();
            s.lastNanos = now;
        }
        read("/proc/stat").ifPresent(stat -> {
            long[] busyIdle = machineTicks(stat);
            if (machine.lastTicks >= 0) {
                long busy = busyIdle[0] - machine.lastTicks;
                long idle = busyIdle[1] - machine.lastIdle;
                double pct = busy + idle == 0 ? 0 : 100.0 * busy / (busy + idle);
                machine.samples.add(new double[] {round1(t), round1(pct), 0});
            }
            machine.lastTicks = busyIdle[0];
            machine.lastIdle = busyIdle[1];
        });
    }

    /** utime + stime (clock ticks) from a /proc/<pid>/stat line; the command name may hold spaces and ')'. */
    static OptionalLong cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // after the comm: state(0) ppid(1) ... utime is field 14 of the line = index 11 here, stime index 12
        if (f.length < 13) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(f[11]) + Long.parseLong(f[12]));
    }

    /** VmRSS in kB from /proc/<pid>/status. */
    static OptionalLong rssKb(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
            }
        }
        return OptionalLong.empty();
    }

    /** [busy, idle] ticks of the first ("cpu ") line of /proc/stat; idle includes iowait. */
    static long[] machineTicks(String procStat) {
        String[] f = procStat.substring(0, procStat.indexOf('\n')).trim().split("\\s+");
        long busy = 0, idle = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            long v = Long.parseLong(f[i]);
            if (i == 4 || i == 5) {
                idle += v;
            } else {
                busy += v;
            }
        }
        return new long[] {busy, idle};
    }

    static double cpuPercent(long ticks, long elapsedNanos) {
        return elapsedNanos <= 0 ? 0 : 100.0 * ticks / CLOCK_TICKS / (elapsedNanos / 1e9);
    }

    private static java.util.Optional<String> read(String path) {
        try {
            return java.util.Optional.of(Files.readString(Path.of(path)));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Samples within [fromSeconds, toSeconds] summarised per process, plus the raw series. */
    public synchronized JsonObject result(double fromSeconds, double toSeconds) {
        JsonObject procs = new JsonObject();
        series.forEach((name, s) -> procs.put(name, summarise(s, pids.get(name), fromSeconds, toSeconds)));
        return new JsonObject().put("intervalMs", intervalMillis).put("processes", procs)
                .put("machine", summarise(machine, null, fromSeconds, toSeconds));
    }

    private static JsonObject summarise(Series s, Long pid, double from, double to) {
        double cpuSum = 0, cpuMax = 0, rssMax = 0, rssSum = 0;
        int n = 0;
        JsonArray raw = new JsonArray();
        for (double[] x : s.samples) {
            raw.add(new JsonArray().add(x[0]).add(x[1]).add(x[2]));
            if (x[0] >= from && x[0] <= to) {
                n++;
                cpuSum += x[1];
                cpuMax = Math.max(cpuMax, x[1]);
                rssSum += x[2];
                rssMax = Math.max(rssMax, x[2]);
            }
        }
        JsonObject o = new JsonObject();
        if (pid != null) {
            o.put("pid", pid);
            // RSS over the window, of the current process only (a restarted component starts a new series)
            List<double[]> rss = new ArrayList<>();
            for (double[] x : s.samples.subList(s.currentFrom, s.samples.size())) {
                if (x[0] >= from && x[0] <= to) {
                    rss.add(new double[] {x[0] / 60.0, x[2]});
                }
            }
            o.put("rssFirstMb", rss.isEmpty() ? null : rss.get(0)[1])
                    .put("rssLastMb", rss.isEmpty() ? null : rss.get(rss.size() - 1)[1])
                    .put("rssSlopeMbPerMin", rss.size() < 2 ? null : Math.round(slope(rss) * 100) / 100.0)
                    .put("rssSlopeSamples", rss.size()).put("restarts", s.restarts);
        }
        return o.put("samples", n).put("cpuAvgPct", n == 0 ? 0 : round1(cpuSum / n)).put("cpuMaxPct", round1(cpuMax))
                .put("rssAvgMb", n == 0 ? 0 : round1(rssSum / n)).put("rssMaxMb", round1(rssMax)).put("series", raw);
    }

    /** Least-squares slope of y over x of the points [x, y] (NaN for fewer than two distinct x). */
    static double slope(List<double[]> points) {
        int n = points.size();
        double sx = 0, sy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
        }
        double mx = sx / n, my = sy / n, sxy = 0, sxx = 0;
        for (double[] p : points) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /** The latest RSS (MB) of one process, read now. */
    public static double rssMbNow(long pid) {
        return read("/proc/" + pid + "/status").map(ProcessSampler::rssKb).filter(OptionalLong::isPresent)
                .map(o -> o.getAsLong() / 1024.0).orElse(Double.NaN);
    }

    @Override
    public void close() {
        stop = true;
        if (thread != null) {
            thread.interrupt();
        }
        sampleOnce();
    }
}
