package org.parley.infra.stack;

import java.util.List;
import java.util.Optional;

/**
 * One process of the local stack, as data: what it is, where its code is, which JVM options key it takes, which ports it
 * binds (with the setting each comes from) and how the supervisor knows it is ready.
 *
 * @param name       the component name of {@code ./parley} (pid file, log file, marker): kafka, cql, edge-1, apps, ...
 * @param kind       a third-party service or one of the project's apps
 * @param module     the Maven module of an app ({@code target/classpath.txt}); for a service its library folder
 *                   ({@code infra/stack/<module>/pom.xml} fetches it into {@code <data.dir>/lib/<module>})
 * @param mainClass  the class started
 * @param jvmKey     the setting holding its heap and collector flags (jvm.kafka, jvm.edge, ...)
 * @param ports      every port it binds, each with its setting ("edge.port+1" for edge-1)
 * @param readiness  when it counts as ready
 * @param args       program arguments after the main class
 */
public record Component(String name, Kind kind, String module, String mainClass, String jvmKey, List<Port> ports,
        Readiness readiness, List<String> args) {

    public enum Kind { SERVICE, APP }

    /** A port and the setting it comes from. */
    public record Port(String setting, int port) {
    }

    /**
     * Ready when all given checks pass: a TCP connect to {@code tcpPort} (0: none), each of {@code logLines} (regular
     * expressions) in what the process logged since this start, and an HTTP GET of {@code httpPath} on {@code httpPort}
     * answering {@code httpStatus} (0: any status; no path: no HTTP check).
     */
    public record Readiness(int tcpPort, List<String> logLines, int httpPort, String httpPath, int httpStatus) {
        static Readiness tcpAndLog(int port, String line) {
            return new Readiness(port, List.of(line), 0, null, 0);
        }

        static Readiness http(int port, String path, int status) {
            return new Readiness(0, List.of(), port, path, status);
        }

        static Readiness logLines(List<String> lines) {
            return new Readiness(0, List.copyOf(lines), 0, null, 0);
        }
    }

    public Component {
        ports = List.copyOf(ports);
        args = List.copyOf(args);
    }

    public boolean isService() {
        return kind == Kind.SERVICE;
    }

    /** The port {@code ./parley status} shows: the first one. */
    public Optional<Integer> mainPort() {
        return ports.isEmpty() ? Optional.empty() : Optional.of(ports.get(0).port());
    }

    /** The edge instance number of edge-i, if this is one. */
    public Optional<Integer> edgeInstance() {
        return name.startsWith("edge-") ? Optional.of(Integer.parseInt(name.substring(5))) : Optional.empty();
    }
}
