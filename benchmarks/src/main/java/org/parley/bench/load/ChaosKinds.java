package org.parley.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kinds of kill of the chaos mode and the stack supervisor's components (ComponentTable rows) each one covers: a
 * kind is a list of name prefixes, and a component is of the kind when its name is a prefix or starts with a prefix
 * and '-' (kind {@code broker} = kafka, kafka-1, kafka-2; {@code edge} = edge-0, edge-1, ...). A topology with more
 * rows (several brokers, CQL nodes, a Flink JobManager and TaskManagers) needs only new prefixes here.
 */
public final class ChaosKinds {
    /** Kind → name prefixes, in the default kill order. */
    static final Map<String, List<String>> PREFIXES = prefixes();

    private ChaosKinds() {
    }

    private static Map<String, List<String>> prefixes() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("broker", List.of("kafka"));
        m.put("cql", List.of("cql"));
        m.put("sequencer", List.of("sequencer"));
        m.put("presence", List.of("presence"));
        m.put("fanout", List.of("fanout"));
        m.put("jobmanager", List.of("flink-jobmanager", "jobmanager"));
        m.put("taskmanager", List.of("flink-taskmanager", "taskmanager"));
        m.put("projections", List.of("projections"));
        m.put("push", List.of("push"));
        m.put("edge", List.of("edge"));
        m.put("apps", List.of("apps")); // stack.layout=combined: every app role in one process
        m.put("s3", List.of("s3"));
        m.put("registry", List.of("registry"));
        return java.util.Collections.unmodifiableMap(m);
    }

    /** What {@code --chaos-kinds all} means: every kind but the media store and the schema registry. */
    static final List<String> ALL = List.of("broker", "cql", "sequencer", "presence", "fanout", "jobmanager",
            "taskmanager", "projections", "push", "edge", "apps");

    /** One kind and its components in this stack. */
    public record Target(String kind, List<String> components) {
    }

    /** Whether {@code component} is of {@code kind}. */
    static boolean covers(String kind, String component) {
        for (String p : PREFIXES.getOrDefault(kind, List.of())) {
            if (component.equals(p) || component.startsWith(p + "-")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The kinds asked for ({@code all}: {@link #ALL} less those without a component here) with their components, in
     * the order asked; an unknown kind, or a named kind without a component in this stack, is refused.
     */
    public static List<Target> resolve(List<String> kinds, List<String> components) {
        boolean all = kinds.size() == 1 && kinds.get(0).equals("all");
        List<Target> out = new ArrayList<>();
        for (String kind : all ? ALL : kinds) {
            if (!PREFIXES.containsKey(kind)) {
                throw new IllegalArgumentException("unknown chaos kind '" + kind + "' (kinds: all "
                        + String.join(" ", PREFIXES.keySet()) + ")");
            }
            List<String> mine = components.stream().filter(c -> covers(kind, c)).toList();
            if (mine.isEmpty()) {
                if (all) {
                    continue;
                }
                throw new IllegalArgumentException("chaos kind '" + kind + "' has no component in this stack ("
                        + String.join(" ", components) + ")");
            }
            if (out.stream().anyMatch(t -> t.kind().equals(kind))) {
                throw new IllegalArgumentException("chaos kind '" + kind + "' named twice");
            }
            out.add(new Target(kind, mine));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no chaos kind has a component in this stack (" + String.join(" ", components) + ")");
        }
        return out;
    }
}
