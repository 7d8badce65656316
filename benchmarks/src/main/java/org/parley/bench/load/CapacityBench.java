package org.parley.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.parley.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Connection capacity of one edge ({@code ./parley bench --scenario capacity}): opens idle, authenticated, synced
 * connections in steps until a step fails (more than {@code --max-failure-pct} of its connects) or
 * {@code --max-connections}; after each step holds them {@code --hold-seconds} and reads the edge's RSS. Reports the
 * connections held and the edge's memory per connection (RSS growth over the connections opened).
 */
@Command(name = "capacity", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Idle authenticated connections to one edge in steps; connections held and RSS per connection.")
public final class CapacityBench implements Callable<Integer> {
    @Option(names = "--edge", description = "Edge HTTP base URL (default: http://<bind.host>:<edge.port>)")
    String edge;
    @Option(names = "--edge-component", defaultValue = "edge-0", description = "Its pid file in the run folder (edge-0 is in \"apps\" when stack.layout=combined: then that one).")
    String edgeComponent;
    @Option(names = "--step", defaultValue = "2000")
    int step;
    @Option(names = "--max-connections", defaultValue = "20000", description = "Upper bound (at most 200000).")
    int maxConnections;
    @Option(names = "--hold-seconds", defaultValue = "5")
    int holdSeconds;
    @Option(names = "--max-failure-pct", defaultValue = "1")
    double maxFailurePct;
    @Option(names = "--connect-concurrency", defaultValue = "200")
    int connectConcurrency;
    @Option(names = "--source-addresses", split = ",")
    List<String> sourceAddresses = new ArrayList<>();
    @Option(names = "--devices-file")
    Path devicesFile;
    @Option(names = "--run-dir")
    Path runDir;
    @Option(names = "--out")
    Path out;

    private final Settings settings = Settings.load();

    public static void main(String[] args) {
        System.exit(new CommandLine(new CapacityBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (step < 1 || maxConnections < step || maxConnections > 200_000 || holdSeconds < 0 || holdSeconds > 120) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--step >= 1, --max-connections step..200000, --hold-seconds 0..120");
        }
        BenchTarget where = BenchTarget.resolve(settings, edge, runDir, devicesFile, out, "capacity");
        String edgeBase = where.edgeBase();
        Path runFolder = where.runDir();
        Path cache = where.deviceCache();
        Path outDir = where.outDir();
        Map<String, Long> pids = ProcessSampler.stackPids(runFolder);
        Long edgePid = pids.get(edgeComponent);
        if (edgePid == null && "edge-0".equals(edgeComponent)) {
            edgePid = pids.get("apps"); // the combined layout: edge-0 shares the JVM of the other app roles
        }
        if (edgePid == null) {
            throw new IllegalStateException("no live " + edgeComponent + ".pid in " + runFolder + ": is the stack up?");
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        JsonArray steps = new JsonArray();
        int held = 0;
        String stopReason = "reached --max-connections";
        double baseRss = ProcessSampler.rssMbNow(edgePid);
        long toolPid = ProcessHandle.current().pid();
        LoadBench.log("capacity of %s (pid %d, RSS %.0f MB): steps of %d up to %d, open-files limit of this tool %d",
                edgeBase, edgePid, baseRss, step, maxConnections, LoadBench.openFilesLimit());
        List<BenchDevice> open = new ArrayList<>();
        try (DevicePool pool = new DevicePool(vertx, edgeBase, sourceAddresses, settings.getLong("edge.sync-timeout-ms") + 5000)) {
            while (held < maxConnections) {
                int target = Math.min(maxConnections, held + step);
                List<BenchDevice.Credentials> creds = pool.devices(cache, target, 1, "benchcap", LoadBench::log);
                List<BenchDevice> batch = new ArrayList<>();
                for (int i = held; i < target; i++) {
                    batch.add(new BenchDevice(i, i, creds.get(i)));
                }
                long t0 = System.nanoTime();
                List<String> failures = pool.connectAll(batch, connectConcurrency, (d, f) -> { }, d -> { }, LoadBench::log);
                double seconds = (System.nanoTime() - t0) / 1e9;
                open.addAll(batch);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(holdSeconds);
                while (System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                }
                long live = open.stream().filter(BenchDevice::live).count();
                double rss = ProcessSampler.rssMbNow(edgePid);
                JsonObject s = new JsonObject().put("attempted", target).put("live", live).put("stepFailures", failures.size())
                        .put("connectSeconds", Math.round(seconds * 10) / 10.0)
                        .put("connectsPerSecond", Math.round(batch.size() / seconds))
                        .put("edgeRssMb", Math.round(rss)).put("toolRssMb", Math.round(ProcessSampler.rssMbNow(toolPid)))
                        .put("edgeRssKbPerConnection", live == 0 ? 0 : Math.round((rss - baseRss) * 1024 / live));
                steps.add(s);
                LoadBench.log("step: %s", s.encode());
                held = (int) live;
                if (failures.size() > batch.size() * maxFailurePct / 100 || live < target * (1 - maxFailurePct / 100)) {
                    stopReason = "a step failed: " + failures.size() + " connect failures"
                            + (failures.isEmpty() ? "" : " (e.g. " + failures.get(0) + ")");
                    break;
                }
                if (!ProcessHandle.of(edgePid).map(ProcessHandle::isAlive).orElse(false)) {
                    stopReason = "the edge died";
                    break;
                }
            }
            double rss = ProcessSampler.rssMbNow(edgePid);
            JsonObject result = new JsonObject().put("tool", "parley bench --scenario capacity").put("startedAt", Instant.now().toString())
                    .put("edge", edgeBase).put("edgePid", edgePid).put("baselineEdgeRssMb", Math.round(baseRss))
                    .put("connectionsHeld", held).put("finalEdgeRssMb", Math.round(rss))
                    .put("edgeRssKbPerConnection", held == 0 ? 0 : Math.round((rss - baseRss) * 1024 / held))
                    .put("stopReason", stopReason).put("openFilesLimitOfTool", LoadBench.openFilesLimit()).put("steps", steps);
            Files.writeString(outDir.resolve("capacity.json"), result.encodePrettily());
            List<double[]> pts = new ArrayList<>();
            pts.add(new double[] {0, baseRss});
            for (int i = 0; i < steps.size(); i++) {
                pts.add(new double[] {steps.getJsonObject(i).getLong("live"), steps.getJsonObject(i).getLong("edgeRssMb")});
            }
            Files.writeString(outDir.resolve("capacity.html"), "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Parley edge capacity"
                    + "</title></head><body style=\"font-family:sans-serif\"><h1>Edge connection capacity</h1><pre>"
                    + HtmlReport.esc(result.encodePrettily()) + "</pre><h2>Edge RSS (MB) over connections held</h2>"
                    + HtmlReport.chart(List.of(new HtmlReport.Series("edge RSS MB", pts)), "connections", "MB", false, -1, null)
                    + "</body></html>");
            LoadBench.log("held %d connections; edge RSS %.0f -> %.0f MB = %d KB per connection; stop: %s; wrote %s",
                    held, baseRss, rss, result.getLong("edgeRssKbPerConnection"), stopReason, outDir.resolve("capacity.json"));
            for (BenchDevice d : open) {
                d.closingOnPurpose = true;
                if (d.ws != null) {
                    d.ws.close();
                }
            }
            return 0;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
