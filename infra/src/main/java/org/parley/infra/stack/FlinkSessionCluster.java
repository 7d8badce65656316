package org.parley.infra.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.parley.infra.stack.StackProcesses.Started;

/**
 * The fan-out's Flink standalone session cluster of the cluster topology: its configuration, its processes
 * (StandaloneSessionClusterEntrypoint and TaskManagerRunner from the "flink" library, sized as Flink's own scripts do
 * through BashJavaUtils), and the job: submitted as the fan-out job jar through Flink's CLI, restored from the newest
 * retained checkpoint or savepoint, stopped with a savepoint before the JobManager goes down.
 *
 * <p>No JobManager high availability locally (that needs ZooKeeper or Kubernetes): a JobManager that dies takes the
 * running job with it; its checkpoints stay (retained), and the next {@code ./parley up} resubmits the job from the
 * newest one. A TaskManager that dies is Flink's own business: the job restarts (restart strategy) on the slots left.
 */
final class FlinkSessionCluster {
    static final String JOB_NAME = "parley-fanout"; // FanoutConfig.JOB_NAME
    static final String JOB_MAIN = "org.parley.fanout.FanoutJob";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StackSettings settings;
    private final StackProcesses processes;
    private final Console console;
    private final HttpClient http;

    FlinkSessionCluster(StackSettings settings, StackProcesses processes, Console console, HttpClient http) {
        this.settings = settings;
        this.processes = processes;
        this.console = console;
        this.http = http;
    }

    static Path jobJar(StackSettings s) {
        return s.root().resolve("fanout-jobs").resolve("target")
                .resolve("parley-fanout-jobs-" + ProjectVersion.of(s.root()) + "-job.jar");
    }

    /** flink.state-dir, else data/flink: the same folder as the single topology's MiniCluster, so state carries over. */
    Path flinkDir() {
        String own = settings.get("flink.state-dir", "");
        return own.isBlank() ? settings.data().resolve("flink") : Path.of(own).toAbsolutePath();
    }

    Path confDir() {
        return settings.run().resolve("flink").resolve("conf");
    }

    private Path lib() {
        return settings.lib().resolve("flink");
    }

    private String restBase() {
        return "http://" + settings.host() + ":" + settings.get("flink.rest-port");
    }

    /** The cluster's config.yaml: every process of it (and the CLI) reads the same file. */
    static Map<String, String> configuration(StackSettings s, Path flinkDir) {
        String host = s.host();
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", host);
        c.put("jobmanager.rpc.port", String.valueOf(ClusterTopology.flinkJobManagerRpcPort(s.settings())));
        c.put("jobmanager.bind-host", host);
        c.put("jobmanager.memory.process.size", s.get("cluster.flink-jobmanager-memory"));
        c.put("taskmanager.host", host);
        c.put("taskmanager.bind-host", host);
        c.put("taskmanager.memory.process.size", s.get("cluster.flink-taskmanager-memory"));
        c.put("taskmanager.memory.managed.size", "0m");
        c.put("taskmanager.numberOfTaskSlots", String.valueOf(ClusterTopology.count(s.settings(),
                "cluster.flink-slots-per-taskmanager", 1)));
        c.put("rest.address", host);
        c.put("rest.bind-address", host);
        c.put("rest.port", s.get("flink.rest-port"));
        c.put("blob.server.port", s.get("flink.blob-port"));
        c.put("metrics.internal.query-service.port", "0");
        // The dashboard shows the job; no jar uploads or cancel button through it (docs/security.md).
        c.put("web.submit.enable", s.get("flink.web-submit-enabled"));
        c.put("web.cancel.enable", s.get("flink.web-cancel-enabled"));
        c.put("parallelism.default", s.get("flink.parallelism"));
        c.put("execution.checkpointing.dir", flinkDir.resolve("checkpoints").toUri().toString());
        c.put("execution.checkpointing.savepoint-dir", flinkDir.resolve("savepoints").toUri().toString());
        c.put("state.backend.type", "hashmap");
        long timeout = Long.parseLong(s.get("cluster.flink-heartbeat-timeout-ms"));
        c.put("heartbeat.timeout", String.valueOf(timeout));
        c.put("heartbeat.interval", String.valueOf(Math.max(500, timeout / 5)));
        c.put("jobmanager.execution.failover-strategy", "region");
        return c;
    }

    private void writeConfig() {
        try {
            Files.createDirectories(confDir());
            StringBuilder b = new StringBuilder("# Generated by ./parley (cluster topology): the fan-out's Flink session cluster.\n");
            configuration(settings, flinkDir()).forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
            Files.writeString(confDir().resolve("config.yaml"), b.toString());
            Files.createDirectories(flinkDir().resolve("checkpoints"));
            Files.createDirectories(flinkDir().resolve("savepoints"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts flink-jobmanager or flink-taskmanager-i. */
    Started start(Component c, List<String> jvmOptions, List<String> opens) {
        writeConfig();
        Path tmp = settings.data().resolve("flink-cluster").resolve(c.name()).resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> own = new ArrayList<>(List.of("-D", "io.tmp.dirs=" + tmp));
        boolean jm = c.mainClass().equals(ComponentTable.FLINK_JOBMANAGER_MAIN);
        if (!jm) {
            ClusterTopology.FlinkTaskManager tm = ClusterTopology.flinkTaskManagers(settings.settings()).stream()
                    .filter(t -> t.name().equals(c.name())).findFirst().orElseThrow();
            own.addAll(List.of("-D", "taskmanager.rpc.port=" + tm.rpcPort(), "-D", "taskmanager.data.port=" + tm.dataPort(),
                    "-D", "taskmanager.resource-id=" + c.name()));
        }
        List<List<String>> resources = resourceParams(c.name(), jm ? "GET_JM_RESOURCE_PARAMS" : "GET_TM_RESOURCE_PARAMS");
        List<String> args = new ArrayList<>(jvmOptions);
        args.addAll(resources.get(0));
        args.addAll(opens);
        args.addAll(List.of("-Dlog4j2.configurationFile=" + settings.stackFiles().resolve("flink").resolve("log4j2.xml"),
                "-cp", lib() + "/*", c.mainClass(), "--configDir", confDir().toString()));
        args.addAll(resources.size() > 1 ? resources.get(1) : List.of());
        args.addAll(own);
        return processes.launch(c.name(), Map.of("FLINK_CONF_DIR", confDir().toString()), args);
    }

    /**
     * The JVM options and the dynamic settings Flink's scripts would give the process (BashJavaUtils: heap, direct and
     * metaspace sizes derived from the process size).
     */
    private List<List<String>> resourceParams(String component, String command) {
        List<String> cmd = List.of(StackProcesses.javaExecutable(), "-Xmx128m",
                "-Dlog4j2.configurationFile=" + settings.stackFiles().resolve("flink").resolve("log4j2.xml"),
                "-cp", lib() + "/*", "org.apache.flink.runtime.util.bash.BashJavaUtils", command,
                "--configDir", confDir().toString());
        String out;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new StackException(component + ": Flink's BashJavaUtils " + command + " failed:\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
        List<List<String>> results = new ArrayList<>();
        for (String line : out.lines().toList()) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                results.add(StackSupervisor.words(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length())));
            }
        }
        if (results.isEmpty()) {
            throw new StackException(component + ": Flink's BashJavaUtils " + command + " printed no result:\n" + out);
        }
        return results;
    }

    // ----- the job

    /** The id and state of the fan-out job the JobManager runs (not finished, cancelled or failed), if any. */
    Optional<String[]> liveJob() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restBase() + "/jobs/overview"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            for (JsonNode j : JSON.readTree(r.body()).path("jobs")) {
                String state = j.path("state").asText();
                if (JOB_NAME.equals(j.path("name").asText())
                        && !List.of("FINISHED", "CANCELED", "FAILED").contains(state)) {
                    return Optional.of(new String[] {j.path("jid").asText(), state});
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    /** The newest completed checkpoint ({@code checkpoints/<job>/chk-N}) or savepoint ({@code savepoints/savepoint-*}). */
    static Optional<Path> latestRestorePoint(Path flinkDir) {
        List<Path> candidates = new ArrayList<>();
        for (String glob : List.of("checkpoints/*/chk-*/_metadata", "savepoints/savepoint-*/_metadata")) {
            var matcher = flinkDir.getFileSystem().getPathMatcher("glob:" + flinkDir.toAbsolutePath() + "/" + glob);
            try (Stream<Path> all = Files.walk(flinkDir, 4)) {
                all.filter(p -> matcher.matches(p.toAbsolutePath())).forEach(candidates::add);
            } catch (IOException e) {
                // no folder yet: nothing to restore
            }
        }
        return candidates.stream().max(Comparator.comparing(FlinkSessionCluster::modified)).map(Path::getParent);
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /**
     * Submits the fan-out job unless the JobManager already runs it: the job jar through Flink's CLI (detached), from
     * the newest retained checkpoint or savepoint if there is one; then waits until it runs.
     */
    void ensureJob(Path effective) {
        Optional<String[]> live = liveJob();
        if (live.isPresent()) {
            console.say("fanout job " + live.get()[0] + " " + live.get()[1].toLowerCase(java.util.Locale.ROOT)
                    + " on the Flink session cluster");
            return;
        }
        Optional<Path> restore = latestRestorePoint(flinkDir());
        List<String> cmd = new ArrayList<>(List.of(StackProcesses.javaExecutable(), "-Xmx256m"));
        cmd.addAll(List.of("--add-opens", "java.base/java.util=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED"));
        cmd.addAll(List.of("-Dlog4j2.configurationFile=" + settings.stackFiles().resolve("flink").resolve("log4j2.xml"),
                "-cp", lib() + "/*", "org.apache.flink.client.cli.CliFrontend", "run", "--detached"));
        restore.ifPresent(p -> cmd.addAll(List.of("--fromSavepoint", p.toUri().toString())));
        cmd.addAll(List.of("--class", JOB_MAIN, jobJar(settings).toString()));
        console.say("fanout: submitting the job jar to the Flink session cluster, "
                + restore.map(p -> "restoring " + p).orElse("with empty state (no retained checkpoint)")
                + " (log " + processes.logFile("flink-submit") + ")");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(settings.root().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(processes.logFile("flink-submit").toFile()));
        pb.environment().putAll(settings.env());
        pb.environment().put("PARLEY_CONFIG", effective.toString());
        pb.environment().put("FLINK_CONF_DIR", confDir().toString());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            if (p.waitFor() != 0) {
                throw new StackException("fanout: submitting the job failed (log " + processes.logFile("flink-submit") + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
        long deadline = System.nanoTime() + settings.readyTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String[]> job = liveJob();
            if (job.isPresent() && job.get()[1].equals("RUNNING") && allTasksRunning(job.get()[0])) {
                console.say("fanout job " + job.get()[0] + " running on the Flink session cluster");
                return;
            }
            StackProcesses.sleep(500);
        }
        throw new StackException("fanout: the job is not running after " + settings.readyTimeout().toSeconds() + "s");
    }

    /** Whether every vertex of the job has all its subtasks running (the job state says RUNNING before that). */
    boolean allTasksRunning(String jobId) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restBase() + "/jobs/" + jobId))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return false;
            }
            JsonNode vertices = JSON.readTree(r.body()).path("vertices");
            if (!vertices.isArray() || vertices.isEmpty()) {
                return false;
            }
            for (JsonNode v : vertices) {
                if (!"RUNNING".equals(v.path("status").asText())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    /** Stops the running job with a savepoint (best effort, bounded): a clean restart replays nothing. */
    void stopJobWithSavepoint() {
        Optional<String[]> live = liveJob();
        if (live.isEmpty()) {
            return;
        }
        String id = live.get()[0];
        try {
            String body = "{\"targetDirectory\":\"" + flinkDir().resolve("savepoints").toUri() + "\",\"drain\":false}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restBase() + "/jobs/" + id + "/stop"))
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                console.warn("fanout: stop with savepoint refused (" + r.statusCode() + "): the last checkpoint will be restored");
                return;
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && liveJob().isPresent()) {
                StackProcesses.sleep(300);
            }
            console.say(liveJob().isPresent() ? "fanout: the job did not stop with a savepoint in 20 s: the last checkpoint will be restored"
                    : "fanout job stopped with a savepoint");
        } catch (IOException e) {
            console.warn("fanout: stop with savepoint failed (" + e + "): the last checkpoint will be restored");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
