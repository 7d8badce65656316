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
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.parley.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The open-loop load harness over real WebSockets ({@code ./parley bench --scenario load}): N devices connected to
 * the edge, operations at a fixed rate split by the scenario mix, latency from each operation's scheduled time,
 * exactly-once accounting per (message, device), the Kafka and WebSocket floors at the same rate in the same run,
 * CPU/RSS of the stack's processes, a JSON result and a self-contained HTML report. Docs: docs/performance.md.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Open-loop load over real WebSockets against the running stack; JSON + HTML report.")
public final class LoadBench implements Callable<Integer> {
    @Option(names = "--edge", description = "Edge HTTP base URL (default: http://<bind.host>:<edge.port>)")
    String edge;
    @Option(names = {"--rate", "--rates"}, split = ",", defaultValue = "200",
            description = "Operations (messages) per second, open loop; several (e.g. 500,1000,2000) run one step each on the same connected devices.")
    List<Double> rates;
    double rate;
    /** Users below this are shared; the rest belong to the presence and push scenarios. */
    int sharedUsers;
    @Option(names = "--duration", defaultValue = "30", description = "Measured seconds (after the warm-up), at most 3600 (a soak).")
    int duration;
    @Option(names = "--warmup", defaultValue = "10", description = "Warm-up seconds at the same rate (accounted, not in the latency figures).")
    int warmup;
    @Option(names = "--drain-seconds", defaultValue = "30", description = "After the last send: how long to wait for the last deliveries.")
    int drainSeconds;
    @Option(names = "--devices", defaultValue = "1000", description = "Simulated devices, all connected for the whole run (at most 200000).")
    int devices;
    @Option(names = "--devices-per-user", defaultValue = "1", description = "Devices of each user (a message goes to all of the recipient's and the sender's other devices).")
    int devicesPerUser;
    @Option(names = "--mix", defaultValue = "one-to-one=1", description = "Scenario weights, e.g. one-to-one=3,group=1,typing=1,presence=1,push=1.")
    String mix;
    @Option(names = "--group-size", defaultValue = "8", description = "Members of each group of the group scenario (2..1024).")
    int groupSize;
    @Option(names = "--groups", defaultValue = "100", description = "Groups of the group scenario (at most devices / group size).")
    int groups;
    @Option(names = "--presence-pairs", defaultValue = "10", description = "Presence scenario: (subject, watcher) user pairs of its own; at most one transition per pair in flight.")
    int presencePairs;
    @Option(names = "--presence-min-gap-ms", defaultValue = "1000", description = "Presence scenario: least time between two transitions of one subject.")
    long presenceMinGapMs;
    @Option(names = "--push-users", defaultValue = "10", description = "Push scenario: users of its own whose devices stay offline with a Web Push subscription to the tool's endpoint.")
    int pushUsers;
    @Option(names = "--media-share", arity = "0..1", fallbackValue = "" + MediaScenario.DEFAULT_SHARE,
            description = "Media messages as this share of the mix (the others keep their proportions); the flag alone:"
                    + " 0.1. Same as a media weight in --mix.")
    Double mediaShare;
    @Option(names = "--media-bytes", defaultValue = "" + MediaScenario.DEFAULT_BYTES,
            description = "Bytes of each media message's object (uploaded, then downloaded by each receiving device).")
    int mediaBytes;
    @Option(names = "--payload-bytes", defaultValue = "100")
    int payloadBytes;
    @Option(names = "--ack-delay-ms", defaultValue = "0", description = "0: ack each delivery at once; > 0: one cumulative ack per device at most every this many ms.")
    long ackDelayMs;
    @Option(names = "--storm-devices", defaultValue = "0", description = "Reconnect storm: devices closed at once (0 = no storms).")
    int stormDevices;
    @Option(names = "--storm-every", defaultValue = "10", description = "Seconds between reconnect storms (first one after the warm-up).")
    double stormEvery;
    @Option(names = "--connect-concurrency", defaultValue = "200", description = "Connects in flight while opening the devices' sockets.")
    int connectConcurrency;
    @Option(names = "--source-addresses", split = ",", description = "Loopback source addresses to spread connections over (e.g. 127.0.0.2,127.0.0.3); default: the kernel's choice.")
    List<String> sourceAddresses = new ArrayList<>();
    @Option(names = "--event-loops", defaultValue = "2", description = "Vert.x event loops of the tool.")
    int eventLoops;
    @Option(names = "--floor-seconds", defaultValue = "15", description = "Measured seconds of each floor (after 3 s warm-up), at --rate; 0 = no floors.")
    int floorSeconds;
    @Option(names = "--floor-topic", defaultValue = "bench-floor", description = "Topic of the Kafka floor (created if missing).")
    String floorTopic;
    @Option(names = "--echo-connections", defaultValue = "50", description = "Sockets of the WebSocket echo floor.")
    int echoConnections;
    @Option(names = "--devices-file", description = "Cache of registered devices (default <data.dir>/data/bench/devices-<edge port>.tsv, deleted by ./parley up --clean); reused across runs.")
    Path devicesFile;
    @Option(names = "--run-dir", description = "./parley's run folder with the *.pid files (default <data.dir>/run).")
    Path runDir;
    @Option(names = "--out", description = "Output folder for result.json and report.html (default benchmarks/target/load-<time>).")
    Path out;
    @Option(names = "--label", description = "Free text stored in the result.")
    String label;
    @Option(names = "--e2e", description = "End-to-end encryption: each device publishes real keys, one-to-one sends"
            + " carry libsignal per-device envelopes, receivers decrypt (mix one-to-one only).")
    boolean e2e;
    @Option(names = "--e2e-setup-threads", defaultValue = "8", description = "--e2e: threads making keys, publishing"
            + " them and starting sessions at set-up.")
    int e2eSetupThreads;

    @Option(names = "--edges", split = ",", description = "Edge HTTP base URLs the devices spread over (device d on"
            + " edge d mod n; default: --edge alone); a failed reconnect tries the next one.")
    List<String> edges = new ArrayList<>();
    @Option(names = "--sample-ms", defaultValue = "1000", description = "CPU and RSS of every stack process from /proc"
            + " this often (per process: averages, maxima, RSS first/last and slope in MB/min).")
    long sampleMs;
    @Option(names = "--chaos-every", defaultValue = "0", description = "Chaos mode: SIGKILL one stack component,"
            + " restart it through the supervisor, and kill the next one this many seconds after it is ready again"
            + " (0: no chaos). docs/performance.md, Chaos.")
    double chaosEvery;
    @Option(names = "--chaos-kinds", split = ",", defaultValue = "all", description = "Kinds killed round robin:"
            + " broker, cql, sequencer, presence, fanout, jobmanager, taskmanager, projections, push, edge, apps (s3 and"
            + " registry when named); all: every kind but s3 and registry that this stack has.")
    List<String> chaosKinds;
    @Option(names = "--chaos-first", description = "Chaos mode: seconds from the load's start to the first kill"
            + " (default: the warm-up plus --chaos-every).")
    Double chaosFirst;
    @Option(names = "--chaos-rounds", defaultValue = "0", description = "Chaos mode: kills of each kind at most (0:"
            + " until --chaos-every before the last send).")
    int chaosRounds;
    @Option(names = "--chaos-floor-ms", defaultValue = "100", description = "Chaos mode: recovery threshold ="
            + " max(2 x the pre-kill p99, this).")
    double chaosFloorMs;
    @Option(names = "--chaos-baseline-seconds", defaultValue = "10", description = "Chaos mode: the pre-kill p99 is"
            + " of the messages due this long before the kill.")
    double chaosBaselineSeconds;
    @Option(names = "--stack-root", description = "Chaos mode: the folder of ./parley whose stack is killed and"
            + " restarted (its parley.conf and PARLEY_* environment; default: the current folder).")
    Path stackRoot;

    private final Settings settings = Settings.load();
    /** {@code --e2e}: the devices' keys and sessions, made once at set-up. */
    private E2eCrypto crypto;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadBench()).execute(args));
    }

    static void log(String fmt, Object... args) {
        System.out.printf("[%s] %s%n", java.time.LocalTime.now().withNano(0), String.format(fmt, args));
    }

    void validate() {
        CommandLine cl = new CommandLine(this);
        if (mediaShare != null) {
            try {
                mix = MediaScenario.withShare(mix, mediaShare);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
            mediaShare = null;
        }
        if (duration < 1 || duration > 3600 || warmup < 0 || warmup > 300 || drainSeconds < 1 || drainSeconds > 300) {
            throw new CommandLine.ParameterException(cl, "--duration 1..3600, --warmup 0..300, --drain-seconds 1..300");
        }
        if (rates.isEmpty() || rates.size() > 10 || rates.stream().anyMatch(r -> !(r > 0) || r > 100_000)) {
            throw new CommandLine.ParameterException(cl, "--rate: 1..10 rates, each in (0, 100000]");
        }
        if (devices < 2 || devices > 200_000 || devicesPerUser < 1 || devices % devicesPerUser != 0) {
            throw new CommandLine.ParameterException(cl, "--devices 2..200000, a multiple of --devices-per-user");
        }
        for (String a : sourceAddresses) {
            if (!a.startsWith("127.")) {
                throw new CommandLine.ParameterException(cl, "--source-addresses must be loopback (127.x.y.z): " + a);
            }
        }
        if (presencePairs < 1 || presencePairs > 1000 || presenceMinGapMs < 0 || pushUsers < 1 || pushUsers > 10_000) {
            throw new CommandLine.ParameterException(cl, "--presence-pairs 1..1000, --presence-min-gap-ms >= 0, --push-users 1..10000");
        }
        if (e2e && !"one-to-one".equals(ScenarioMix.parse(mix).names().stream().distinct()
                .reduce((a, b) -> a + "," + b).orElse(""))) {
            throw new CommandLine.ParameterException(cl, "--e2e runs the one-to-one scenario only (--mix one-to-one=1)");
        }
        if (e2eSetupThreads < 1 || e2eSetupThreads > 64) {
            throw new CommandLine.ParameterException(cl, "--e2e-setup-threads 1..64");
        }
        if (chaosEvery < 0 || (chaosEvery > 0 && (rates.size() != 1 || chaosRounds < 0 || !(chaosFloorMs > 0)
                || !(chaosBaselineSeconds > 0) || (chaosFirst != null && chaosFirst < 0)))) {
            throw new CommandLine.ParameterException(cl, "--chaos-every >= 0; with chaos: one --rate, --chaos-rounds >= 0,"
                    + " --chaos-floor-ms > 0, --chaos-baseline-seconds > 0, --chaos-first >= 0");
        }
        if (sampleMs < 100) {
            throw new CommandLine.ParameterException(cl, "--sample-ms >= 100");
        }
        if (Schedule.count(rates.stream().mapToDouble(Double::doubleValue).max().orElse(0), warmup + duration) > Integer.MAX_VALUE / 2) {
            throw new CommandLine.ParameterException(cl, "too many operations");
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        BenchTarget where = BenchTarget.resolve(settings, edge, runDir, devicesFile, out, "load");
        String edgeBase = where.edgeBase();
        Path runFolder = where.runDir();
        Path cache = where.deviceCache();
        Path outDir = where.outDir();
        ScenarioMix scenarioMix = ScenarioMix.parse(mix);
        Scenarios.Options options = new Scenarios.Options(groupSize, groups, presencePairs, presenceMinGapMs, pushUsers,
                scenarioMix.names().contains("push") ? PushScenario.serverVapidKey(settings) : null);
        List<Scenario> scenarios = scenarioMix.names().stream()
                .map(n -> n.equals("media") ? new MediaScenario(mediaBytes) : Scenarios.create(n, options)).toList();
        String runId = "L" + UUID.randomUUID().toString().substring(0, 8);
        log("run %s: %s devices, %s ops/s, warm-up %d s + %d s measured, mix %s, edge %s -> %s",
                runId, devices, rates, warmup, duration, mix, edgeBase, outDir);

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setBlockedThreadCheckInterval(10_000));
        JsonObject result = new JsonObject().put("tool", "parley bench --scenario load").put("runId", runId)
                .put("label", label).put("startedAt", Instant.now().toString())
                .put("command", String.join(" ", ProcessHandle.current().info().arguments().map(List::of).orElse(List.of()))
                        .replaceAll(".*org\\.parley\\.bench\\.load\\.LoadBench", "./parley bench --scenario load"))
                .put("machine", new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
                        .put("openFilesLimit", openFilesLimit()).put("loadAverageAtStart", loadAverage()));
        try (DevicePool pool = new DevicePool(vertx, edgeBase, sourceAddresses, settings.getLong("edge.sync-timeout-ms") + 5000)) {
            if (!edges.isEmpty()) {
                pool.edges(edges);
            }
            // ---- devices
            long t0 = System.nanoTime();
            List<BenchDevice.Credentials> creds = pool.devices(cache, devices, devicesPerUser, "bench" + runId.substring(1, 5),
                    LoadBench::log);
            List<BenchDevice> all = new ArrayList<>();
            for (int i = 0; i < creds.size(); i++) {
                all.add(new BenchDevice(i, i / devicesPerUser, creds.get(i)));
            }
            int users = devices / devicesPerUser;
            sharedUsers = Scenarios.reserve(scenarios, users);
            if (sharedUsers < users) {
                log("users %d..%d are reserved for %s (not used by the other scenarios nor by storms)", sharedUsers,
                        users - 1, scenarios.stream().filter(s -> s.reservedUsers() > 0).map(Scenario::name).toList());
            }
            int timeline = warmup + duration + drainSeconds + 5;
            log("connecting %d devices (%d in flight, source addresses %s)", devices, connectConcurrency,
                    sourceAddresses.isEmpty() ? "default" : sourceAddresses);
            // Frames before the run starts (backlogs of earlier runs) are acknowledged by the run object once it exists.
            LoadRun run0 = new LoadRun(runId, vertx, pool, all, users, new Accounting(1), System.nanoTime(), timeline,
                    payloadBytes, ackDelayMs);
            run0.sharedUsers(sharedUsers);
            List<String> failures = pool.connectAll(all, connectConcurrency, run0::onFrame, run0::onClose, LoadBench::log);
            if (!failures.isEmpty() && failures.stream().anyMatch(f -> f.contains("401"))) {
                log("the device cache %s is stale (401: the stack was started --clean?); delete it and run again", cache);
            }
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            long live = all.stream().filter(BenchDevice::live).count();
            log("connected %d/%d devices in %.1f s (%d failed%s)", live, devices, connectSeconds, failures.size(),
                    failures.isEmpty() ? "" : ", e.g. " + failures.get(0));
            result.put("connect", new JsonObject().put("devices", devices).put("live", live).put("seconds", round(connectSeconds))
                    .put("failures", failures.size()).put("failureSamples", new JsonArray(failures.stream().limit(5).toList())));
            if (live < devices * 0.99) {
                log("fewer than 99%% of the devices connected: not running the load");
                run0.closeAll();
                return 2;
            }
            if (e2e) {
                Map<Integer, int[]> byUser = new java.util.HashMap<>();
                for (int u = 0; u < users; u++) {
                    byUser.put(u, run0.devicesOf(u));
                }
                byte[] plaintext = new byte[payloadBytes];
                new java.util.Random(42).nextBytes(plaintext);
                Path keyCache = cache == null ? null : cache.resolveSibling(cache.getFileName() + ".e2e-keys");
                crypto = E2eCrypto.setUp(edgeBase, all, run0::partnerOf, byUser, plaintext, keyCache, e2eSetupThreads,
                        LoadBench::log);
                run0.e2e(crypto);
                result.put("e2eSetUp", crypto.result().getJsonObject("setUp"));
                log("e2e set-up: %s", result.getJsonObject("e2eSetUp").encode());
            }

            JsonArray steps = new JsonArray();
            int exit = 0;
            try {
                for (int i = 0; i < rates.size(); i++) {
                    rate = rates.get(i);
                    String stepId = rates.size() == 1 ? runId : runId + "s" + i;
                    log("=== step %d/%d: %.0f ops/s (run id %s)", i + 1, rates.size(), rate, stepId);
                    JsonObject step = step(vertx, pool, all, users, timeline, edgeBase, runFolder, scenarioMix, scenarios, stepId);
                    steps.add(step);
                    Files.writeString(outDir.resolve(rates.size() == 1 ? "result.json" : "step-" + (long) rate + ".json"),
                            result.copy().mergeIn(step).encodePrettily());
                    JsonObject a = step.getJsonObject("accounting");
                    if (a.getLong("lost") != 0 || a.getLong("duplicates") != 0) {
                        exit = 1;
                    }
                    if (step.containsKey("chaos") && !step.getJsonObject("chaos").getJsonObject("verdict").getBoolean("met")) {
                        exit = 1;
                    }
                }
            } finally {
                scenarios.forEach(s -> s.finish(run0));
            }
            run0.closeAll();
            if (rates.size() == 1) {
                result.mergeIn(steps.getJsonObject(0));
            } else {
                result.put("steps", steps).put("summary", stepSummary(steps));
            }
            result.getJsonObject("machine").put("loadAverageAtEnd", loadAverage());
            Files.writeString(outDir.resolve("result.json"), result.encodePrettily());
            Files.writeString(outDir.resolve("report.html"), HtmlReport.render(result));
            if (rates.size() > 1) {
                System.out.println("\n=== steps: " + result.getJsonObject("summary").encodePrettily());
            }
            log("wrote %s and %s", outDir.resolve("result.json"), outDir.resolve("report.html"));
            return exit;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    /** One rate: floors, then the load on the connected devices, then the drain; the step's result. */
    private JsonObject step(Vertx vertx, DevicePool pool, List<BenchDevice> all, int users, int timeline, String edgeBase,
                            Path runFolder, ScenarioMix scenarioMix, List<Scenario> scenarios, String runId) throws Exception {
        // ---- floors at the same rate, before the load (the stack idle, the devices connected)
        JsonObject result = new JsonObject().put("stepRunId", runId);
        JsonObject floors = new JsonObject();
        if (floorSeconds > 0) {
            log("floor 1/2: Kafka produce->consume on %s, topic %s, %.0f/s for 3+%d s", settings.kafkaBootstrap(),
                    floorTopic, rate, floorSeconds);
            floors.put("kafka", KafkaFloor.run(settings, floorTopic, rate, 3, floorSeconds, payloadBytes, System.nanoTime()));
            log("  %s", brief(floors.getJsonObject("kafka").getJsonObject("produceToConsume")));
            log("floor 2/2: WebSocket echo through the edge (%s/v1/bench/echo), %d sockets, %.0f/s for 3+%d s",
                    edgeBase, echoConnections, rate, floorSeconds);
            floors.put("echo", EchoFloor.run(vertx, edgeBase, echoConnections, rate, 3, floorSeconds, payloadBytes));
            JsonObject echo = floors.getJsonObject("echo");
            log("  %s", echo.getBoolean("available") ? brief(echo.getJsonObject("roundTrip")) : echo.getString("reason"));
        }

        // ---- the load
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        Accounting accounting = new Accounting((int) Schedule.count(rate, warmup + duration) + 1);
        LoadRun run = new LoadRun(runId, vertx, pool, all, users, accounting, start, timeline, payloadBytes, ackDelayMs);
        run.sharedUsers(sharedUsers);
        run.e2e(crypto);
        for (BenchDevice d : all) { // hand the live sockets to the run's handlers
            if (d.ws != null && !d.ws.isClosed()) { // closed: held offline by presence or push since an earlier step
                d.ws.textMessageHandler(text -> run.onFrame(d, new JsonObject(text)));
                d.ws.closeHandler(v -> {
                    d.live = false;
                    d.closedAtNanos = System.nanoTime();
                    run.onClose(d);
                });
            }
        }
        scenarios.forEach(s -> s.prepare(run));
        run.running(true);
        Map<String, Long> countsBefore = PipelineCounts.snapshot(settings);
        Map<String, Long> pids = ProcessSampler.stackPids(runFolder);
        Map<String, Long> lagAtStart = Backlog.snapshot(settings);
        ProcessSampler sampler = new ProcessSampler(pids, sampleMs, start).following(runFolder).start();
        List<Scenario.Background> background = new ArrayList<>();
        if (stormDevices > 0) {
            background.add(new ReconnectStorm(vertx, stormDevices, stormEvery, warmup + stormEvery / 2, warmup + duration - 2));
        }
        ChaosMonkey chaos = null;
        if (chaosEvery > 0) {
            ChaosMonkey.Control control = new SupervisorControl(stackRoot != null ? stackRoot : Path.of("").toAbsolutePath(),
                    System.getenv(), System.out);
            List<ChaosKinds.Target> targets = ChaosKinds.resolve(chaosKinds, control.components());
            double first = chaosFirst != null ? chaosFirst : warmup + chaosEvery;
            chaos = new ChaosMonkey(control, targets, chaosEvery, first, warmup + duration - chaosEvery, chaosRounds);
            log("chaos: a SIGKILL every %.0f s after the last restart, from %.0f s, kinds %s", chaosEvery, first,
                    targets.stream().map(t -> t.kind() + "=" + t.components()).toList());
            run.keepReconnecting(true);
            background.add(chaos);
        }
        background.forEach(b -> b.start(run));
        long scheduled = Schedule.count(rate, warmup + duration);
        Schedule schedule = new Schedule(start, rate, scheduled);
        Thread progress = progressThread(run, schedule, scenarios);
        java.util.concurrent.atomic.AtomicLong fired = new java.util.concurrent.atomic.AtomicLong();
        ChaosMonkey chaosDone = chaos;
        long late = schedule.run(Schedule.Clock.SYSTEM, (n, due) -> {
            fired.incrementAndGet();
            scenarios.get(scenarioMix.pick(n)).fire(run, n, due, schedule.measured(n, warmup));
        }, TimeUnit.MILLISECONDS.toNanos(10), () -> chaosDone != null && chaosDone.finished(System.nanoTime()));
        long total = fired.get(); // fewer than scheduled when the chaos rounds ended the load early
        long sendEnd = System.nanoTime();
        background.forEach(Scenario.Background::close);
        if (chaos != null && !chaos.awaitIdle(TimeUnit.MINUTES.toMillis(10))) {
            log("chaos: a restart is still in progress after 10 minutes");
        }
        log("all %d operations sent (%.0f/s achieved); draining up to %d s", total, total / ((sendEnd - start) / 1e9), drainSeconds);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        while (System.nanoTime() < deadline) {
            Accounting.Tally t = accounting.tally();
            if (t.lost() == 0 && t.unconfirmed() == 0) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        double endSeconds = (System.nanoTime() - start) / 1e9;
        progress.interrupt();
        sampler.close();
        JsonObject backlog = Backlog.compare(lagAtStart, Backlog.snapshot(settings));
        Accounting.Tally tally = accounting.tally();
        JsonObject inbox = run.inboxTotals();
        run.running(false);
        JsonObject perMessage = PipelineCounts.perOperation(countsBefore, PipelineCounts.snapshot(settings), total);

        // ---- result
        result.put("options", new JsonObject().put("rate", rate).put("durationSeconds", duration).put("warmupSeconds", (double) warmup)
                .put("drainSeconds", drainSeconds).put("devices", devices).put("users", users).put("devicesPerUser", devicesPerUser)
                .put("mix", mix).put("payloadBytes", payloadBytes).put("ackDelayMs", ackDelayMs)
                .put("stormDevices", stormDevices).put("stormEverySeconds", stormEvery).put("edge", edgeBase)
                .put("sourceAddresses", String.join(",", sourceAddresses)).put("floorSeconds", floorSeconds)
                .put("sharedUsers", sharedUsers).put("presencePairs", presencePairs)
                .put("presenceMinGapMs", presenceMinGapMs).put("pushUsers", pushUsers).put("e2e", e2e)
                .put("mediaBytes", mediaBytes));
        result.put("achieved", new JsonObject().put("operations", total)
                .put("sendRate", round(total / ((sendEnd - start) / 1e9)))
                .put("sendsLaterThan10ms", late)
                .put("displayRate", round(tally.displayed() / ((sendEnd - start) / 1e9))));
        JsonObject figures = new JsonObject();
        new java.util.TreeMap<>(run.allStats()).forEach((k, v) -> figures.put(k, v.summary().put("timeline", v.timeline())));
        result.put("figures", figures);
        if (crypto != null) {
            result.put("e2e", crypto.result());
            log("e2e: %s", result.getJsonObject("e2e").encode());
        }
        result.put("loadAverage", loadAverage());
        result.put("accounting", new JsonObject().put("messages", tally.messages()).put("expectedDisplays", tally.expected())
                .put("displayed", tally.displayed()).put("lost", tally.lost()).put("lostMessages", tally.lostMessages())
                .put("duplicates", tally.duplicates()).put("unconfirmedSends", tally.unconfirmed())
                .put("extraSentFrames", tally.extraSentFrames())
                .put("errors", new JsonObject(new java.util.TreeMap<>(tally.errors())))
                .put("byScenario", byScenario(accounting))
                .put("inbox", inbox).put("counters", new JsonObject(new java.util.TreeMap<>(run.counters()))));
        result.put("floors", floors);
        result.put("ratios", ratios(figures, floors));
        result.put("processes", sampler.result(warmup, endSeconds));
        result.put("backlog", backlog);
        if (chaos != null) {
            JsonObject report = ChaosReport.analyse(chaos.kills(), accounting.timings(), start, sendEnd, chaosFloorMs,
                    chaosBaselineSeconds).mergeIn(chaos.result());
            JsonObject counters = result.getJsonObject("accounting").getJsonObject("counters");
            long pushDuplicates = counters.getLong("push-duplicates", 0L) + counters.getLong("push-not-a-recipient", 0L);
            boolean allDone = chaosRounds == 0 || chaos.kills().size() == chaos.planned();
            boolean met = report.getBoolean("allRestarted") && !chaos.kills().isEmpty() && allDone && tally.lost() == 0
                    && tally.duplicates() == 0 && inbox.getLong("gaps") == 0 && pushDuplicates == 0
                    && tally.unconfirmed() == 0;
            report.put("verdict", new JsonObject().put("target", "every kill restarted; 0 lost, 0 duplicates, 0 inbox gaps,"
                    + " every push exactly once, every send confirmed").put("met", met).put("kills", chaos.kills().size())
                    .put("plannedKills", chaosRounds == 0 ? null : chaos.planned())
                    .put("lost", tally.lost()).put("duplicates", tally.duplicates()).put("inboxGaps", inbox.getLong("gaps"))
                    .put("pushDuplicates", pushDuplicates).put("unconfirmedSends", tally.unconfirmed()));
            result.put("chaos", report);
        }
        // Everything the step wrote (warm-up, measured window, drain; acks and receipts included) per operation sent.
        result.put("perMessage", perMessage);
        JsonArray bg = new JsonArray();
        background.forEach(b -> bg.add(b.result().put("name", b.name())));
        result.put("background", bg);
        LatencyStats delivered = run.allStats().get("one-to-one.delivered");
        if (delivered != null) {
            double p99 = delivered.percentileMs(99);
            result.put("verdict", new JsonObject().put("target", "one-to-one p99 < 100 ms, 0 lost, 0 duplicates")
                    .put("p99Ms", p99).put("met", p99 < 100 && tally.lost() == 0 && tally.duplicates() == 0));
        }
        printSummary(result);
        return result;
    }

    /** The accounting split by scenario: messages (or transitions), expected, displayed, lost, duplicates. */
    static JsonObject byScenario(Accounting accounting) {
        JsonObject out = new JsonObject();
        accounting.tallyByScenario().forEach((name, t) -> out.put(name, new JsonObject().put("messages", t.messages())
                .put("expected", t.expected()).put("displayed", t.displayed()).put("lost", t.lost())
                .put("duplicates", t.duplicates())));
        return out;
    }

    /** Per step: rate, delivered p50/p99, lost, duplicates; and the highest rates with p99 under 100 and 50 ms. */
    static JsonObject stepSummary(JsonArray steps) {
        JsonArray rows = new JsonArray();
        Double under100 = null, under50 = null;
        for (int i = 0; i < steps.size(); i++) {
            JsonObject st = steps.getJsonObject(i);
            JsonObject d = st.getJsonObject("figures", new JsonObject()).getJsonObject("one-to-one.delivered", new JsonObject());
            JsonObject a = st.getJsonObject("accounting", new JsonObject());
            double r = st.getJsonObject("options").getDouble("rate");
            boolean clean = a.getLong("lost", 0L) == 0 && a.getLong("duplicates", 0L) == 0;
            Double p99 = d.getDouble("p99");
            rows.add(new JsonObject().put("rate", r).put("achievedSendRate", st.getJsonObject("achieved").getDouble("sendRate"))
                    .put("deliveredP50", d.getDouble("p50")).put("deliveredP99", p99).put("deliveredMax", d.getDouble("max"))
                    .put("lost", a.getLong("lost")).put("duplicates", a.getLong("duplicates")));
            if (clean && p99 != null && p99 < 100) {
                under100 = under100 == null ? r : Math.max(under100, r);
            }
            if (clean && p99 != null && p99 < 50) {
                under50 = under50 == null ? r : Math.max(under50, r);
            }
        }
        return new JsonObject().put("steps", rows).put("maxRateP99Under100ms", under100).put("maxRateP99Under50ms", under50);
    }

    private Thread progressThread(LoadRun run, Schedule schedule, List<Scenario> scenarios) {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(5000); // progress period of the tool
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                double elapsed = (now - schedule.startNanos()) / 1e9;
                Accounting.Tally tl = run.accounting().tally();
                StringBuilder sb = new StringBuilder();
                for (Scenario s : scenarios) {
                    for (String fig : List.of("sent", "delivered", "received")) {
                        LatencyStats st = run.allStats().get(s.name() + "." + fig);
                        if (st != null) {
                            double[] iv = st.takeInterval();
                            sb.append(String.format(" | %s %s p50 %.1f p99 %.1f ms", s.name(), fig, iv[1], iv[2]));
                        }
                    }
                }
                long live = run.devices().stream().filter(BenchDevice::live).count();
                log("t=%5.1fs %s ops %d (%.0f/s) displayed %d/%d unconfirmed %d live %d%s", elapsed,
                        elapsed < warmup ? "warm-up" : "measured", tl.messages(), tl.messages() / Math.max(0.001, elapsed),
                        tl.displayed(), tl.expected(), tl.unconfirmed(), live, sb);
            }
        }, "progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Parley's one-to-one figures as multiples of the floors (p50 and p99). */
    static JsonObject ratios(JsonObject figures, JsonObject floors) {
        JsonObject out = new JsonObject();
        JsonObject kafka = floors.getJsonObject("kafka") == null ? null : floors.getJsonObject("kafka").getJsonObject("produceToConsume");
        JsonObject echo = floors.getJsonObject("echo") == null ? null : floors.getJsonObject("echo").getJsonObject("roundTrip");
        for (String fig : List.of("one-to-one.delivered", "one-to-one.sent")) {
            JsonObject f = figures.getJsonObject(fig);
            if (f == null || !f.containsKey("p50")) {
                continue;
            }
            if (kafka != null && kafka.containsKey("p50")) {
                out.put(fig + " / Kafka floor", ratio(f, kafka));
            }
            if (echo != null && echo.containsKey("p50")) {
                out.put(fig + " / WebSocket echo floor", ratio(f, echo));
            }
        }
        return out;
    }

    private static JsonObject ratio(JsonObject a, JsonObject b) {
        return new JsonObject().put("p50", round(a.getDouble("p50") / Math.max(0.01, b.getDouble("p50"))))
                .put("p99", round(a.getDouble("p99") / Math.max(0.01, b.getDouble("p99"))));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static String brief(JsonObject s) {
        return s == null || !s.containsKey("p50") ? "no samples" : String.format("n=%d p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms",
                s.getLong("count"), s.getDouble("p50"), s.getDouble("p90"), s.getDouble("p99"), s.getDouble("p999"), s.getDouble("max"));
    }

    private static void printSummary(JsonObject r) {
        System.out.println();
        System.out.println("=== " + r.getString("stepRunId") + " " + r.getJsonObject("options").encode());
        r.getJsonObject("figures").forEach(e -> System.out.printf("%-24s %s%n", e.getKey(), brief((JsonObject) e.getValue())));
        JsonObject floors = r.getJsonObject("floors");
        if (floors.containsKey("kafka")) {
            System.out.printf("%-24s %s%n", "floor kafka", brief(floors.getJsonObject("kafka").getJsonObject("produceToConsume")));
        }
        if (floors.containsKey("echo") && floors.getJsonObject("echo").getBoolean("available")) {
            System.out.printf("%-24s %s%n", "floor ws-echo", brief(floors.getJsonObject("echo").getJsonObject("roundTrip")));
        }
        r.getJsonObject("ratios").forEach(e -> System.out.printf("ratio %-40s %s%n", e.getKey(), e.getValue()));
        JsonObject a = r.getJsonObject("accounting");
        System.out.printf("accounting: messages %d, displays %d/%d, LOST %d, DUPLICATES %d, unconfirmed %d, inbox %s, errors %s%n",
                a.getLong("messages"), a.getLong("displayed"), a.getLong("expectedDisplays"), a.getLong("lost"),
                a.getLong("duplicates"), a.getLong("unconfirmedSends"), a.getJsonObject("inbox").encode(), a.getJsonObject("errors").encode());
        System.out.println("by scenario: " + a.getJsonObject("byScenario").encode());
        System.out.println("counters: " + a.getJsonObject("counters").encode());
        System.out.println("achieved: " + r.getJsonObject("achieved").encode());
        r.getJsonObject("processes").getJsonObject("processes").forEach(e -> {
            JsonObject p = (JsonObject) e.getValue();
            System.out.printf("  %-12s cpu avg %6.1f%% max %6.1f%%  rss avg %7.1f MB max %7.1f MB%n", e.getKey(),
                    p.getDouble("cpuAvgPct"), p.getDouble("cpuMaxPct"), p.getDouble("rssAvgMb"), p.getDouble("rssMaxMb"));
        });
        r.getJsonObject("processes").getJsonObject("processes").forEach(e -> {
            JsonObject p = (JsonObject) e.getValue();
            if (p.getValue("rssSlopeMbPerMin") != null) {
                System.out.printf("  %-12s rss first %7.1f MB last %7.1f MB slope %+7.2f MB/min (%d samples%s)%n",
                        e.getKey(), p.getDouble("rssFirstMb"), p.getDouble("rssLastMb"), p.getDouble("rssSlopeMbPerMin"),
                        p.getInteger("rssSlopeSamples"), p.getInteger("restarts", 0) > 0
                                ? ", since its restart" : "");
            }
        });
        System.out.println("backlog (consumer lag start -> end): " + r.getJsonObject("backlog").encode());
        if (r.containsKey("chaos")) {
            System.out.println("chaos, per kill:");
            ChaosReport.lines(r.getJsonObject("chaos")).forEach(l -> System.out.println("  " + l));
            System.out.println("chaos by kind: " + r.getJsonObject("chaos").getJsonObject("byKind").encode());
            System.out.println("chaos verdict: " + r.getJsonObject("chaos").getJsonObject("verdict").encode());
        }
        JsonObject per = r.getJsonObject("perMessage");
        System.out.printf("per message: %.2f Kafka records, %.2f CQL writes, %.2f CQL reads; %s%n",
                per.getDouble("kafkaRecords"), per.getDouble("cqlWrites"), per.getDouble("cqlReads"),
                per.getJsonObject("byCounter").encode());
        if (r.containsKey("verdict")) {
            System.out.println("verdict: " + r.getJsonObject("verdict").encode());
        }
    }

    /** /proc/loadavg's 1, 5 and 15 minute figures: the machine is shared, so say how busy it was. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }

    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
