package org.parley.infra.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The /metrics endpoint of a server we do not write (the Kafka broker, Cassandra): the Prometheus JMX exporter as a
 * Java agent in the server's JVM, fetched as the {@code jmx-exporter} library, with the beans it exports chosen by
 * {@code infra/stack/jmx-exporter/<server>.yaml}. The agent reads the platform MBean server in-process: no remote JMX.
 */
final class JmxExporterAgent {
    static final String LIBRARY = "jmx-exporter";

    private JmxExporterAgent() {
    }

    /** {@code -javaagent:<jar>=<host>:<port>:<config>} for the server whose config is {@code <config>.yaml}. */
    static String argument(StackSettings settings, String config, int port) {
        Path jar = agentJar(settings.lib().resolve(LIBRARY));
        Path yaml = settings.stackFiles().resolve(LIBRARY).resolve(config + ".yaml");
        if (!Files.isRegularFile(yaml)) {
            throw new StackException("no exporter configuration " + yaml);
        }
        return "-javaagent:" + jar + "=" + settings.host() + ":" + port + ":" + yaml;
    }

    private static Path agentJar(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "jmx_prometheus_javaagent-*.jar")) {
            for (Path p : s) {
                return p;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
        throw new StackException("no JMX exporter agent in " + dir + " (delete the folder and run ./parley up again)");
    }
}
