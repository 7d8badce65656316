package org.parley.infra.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The servers' libraries, fetched once per data folder through the Maven wrapper with the standalone POMs in
 * {@code infra/stack/<library>/pom.xml} into {@code <data.dir>/lib/<library>}; a {@code .complete} marker says the
 * fetch finished (delete the folder to fetch again).
 */
final class StackLibraries {
    /** library, Maven goal, a file the fetch must produce (glob). */
    record Library(String name, String goal, String expect) {
    }

    static final List<Library> LIBRARIES = List.of(
            new Library("kafka", "dependency:copy-dependencies", "kafka_2.13-*.jar"),
            new Library("cassandra", "dependency:copy-dependencies", "cassandra-all-*.jar"),
            new Library("s3proxy", "dependency:copy-dependencies", "s3proxy-*-jar-with-dependencies.jar"),
            new Library("registry", "dependency:unpack", "apicurio-registry-app-*-runner.jar"),
            new Library(JmxExporterAgent.LIBRARY, "dependency:copy-dependencies", "jmx_prometheus_javaagent-*.jar"));
    /** The Flink session cluster's runtime: fetched only for the cluster topology. */
    static final Library FLINK = new Library("flink", "dependency:copy-dependencies", "flink-runtime-*.jar");

    private final StackSettings settings;
    private final Console console;

    StackLibraries(StackSettings settings, Console console) {
        this.settings = settings;
        this.console = console;
    }

    void fetchAll() {
        for (Library l : LIBRARIES) {
            fetch(l);
        }
        if (settings.cluster()) {
            fetch(FLINK);
        }
    }

    private void fetch(Library l) {
        Path dir = settings.lib().resolve(l.name());
        if (Files.isRegularFile(dir.resolve(".complete"))) {
            return;
        }
        console.say("fetching " + l.name() + " libraries into " + dir + " (first use only)");
        Path log = settings.logs().resolve("fetch-" + l.name() + ".log");
        try {
            StackSupervisor.deleteTree(dir);
            Files.createDirectories(dir);
            Files.createDirectories(settings.logs());
            String mvnw = settings.root().resolve(isWindows() ? "mvnw.cmd" : "mvnw").toString();
            Process p = new ProcessBuilder(mvnw, "-q", "-B", "-f",
                    settings.stackFiles().resolve(l.name()).resolve("pom.xml").toString(), l.goal(), "-Dlib.dir=" + dir)
                    .directory(settings.root().toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            p.getOutputStream().close();
            if (p.waitFor() != 0) {
                List<String> lines = Files.readAllLines(log);
                console.error(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
                throw new StackException("could not fetch " + l.name() + " libraries (log: " + log + ")");
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, l.expect())) {
                if (!s.iterator().hasNext()) {
                    throw new StackException("fetching " + l.name() + " libraries did not produce " + dir + "/" + l.expect()
                            + " (log: " + log + ")");
                }
            }
            Files.createFile(dir.resolve(".complete"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch " + l.name() + " libraries", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win");
    }
}
