package org.parley.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.parley.config.Settings;

/**
 * Where each Parley process serves {@code /metrics}: {@code metrics.<role>.port} if set, else the base port
 * {@code metrics.port} plus the role's offset (below). {@code 0} turns an endpoint off; {@code metrics.port=0} turns
 * off every endpoint that has no port of its own. An edge adds its {@code edge.id} to either, so edge-0, edge-1, ...
 * of one machine never share a port.
 *
 * <table>
 *   <caption>Offsets from metrics.port</caption>
 *   <tr><td>apps (the combined layout's one JVM)</td><td>0</td></tr>
 *   <tr><td>sequencer</td><td>1</td></tr>
 *   <tr><td>presence</td><td>2</td></tr>
 *   <tr><td>projections</td><td>3</td></tr>
 *   <tr><td>fanout</td><td>4</td></tr>
 *   <tr><td>push</td><td>5</td></tr>
 *   <tr><td>kafka (the broker, through the JMX exporter agent)</td><td>6</td></tr>
 *   <tr><td>cql (Cassandra, through the JMX exporter agent)</td><td>7</td></tr>
 *   <tr><td>edge</td><td>10 + edge.id</td></tr>
 * </table>
 */
public final class MetricsPorts {
    /** Offsets of the roles (and of the combined process, "apps") from {@code metrics.port}, in start order. */
    public static final Map<String, Integer> OFFSETS;

    static {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("apps", 0);
        m.put("sequencer", 1);
        m.put("presence", 2);
        m.put("projections", 3);
        m.put("fanout", 4);
        m.put("push", 5);
        m.put("kafka", 6);
        m.put("cql", 7);
        m.put("edge", 10);
        OFFSETS = java.util.Collections.unmodifiableMap(m);
    }

    private MetricsPorts() {
    }

    /**
     * The port of {@code role}'s endpoint ({@code apps}, {@code sequencer}, ..., {@code edge}), or empty when it is
     * turned off.
     *
     * @throws IllegalArgumentException for a role that is not one of {@link #OFFSETS}
     * @throws IllegalStateException    for a port setting that is not a port number
     */
    public static Optional<Integer> port(Settings s, String role) {
        Integer offset = OFFSETS.get(role);
        if (offset == null) {
            throw new IllegalArgumentException("no metrics port for role '" + role + "' (roles: " + OFFSETS.keySet() + ")");
        }
        int edgeId = role.equals("edge") ? s.getInt("edge.id") : 0;
        String own = "metrics." + role + ".port";
        Optional<String> explicit = s.find(own);
        int base;
        String from;
        if (explicit.isPresent()) {
            base = parse(own, explicit.get());
            from = own;
            offset = 0;
        } else {
            base = parse("metrics.port", s.get("metrics.port"));
            from = "metrics.port";
        }
        if (base == 0) {
            return Optional.empty();
        }
        int port = base + offset + edgeId;
        if (port > 65535) {
            throw new IllegalStateException("metrics port of " + role + (edgeId > 0 ? "-" + edgeId : "") + " would be "
                    + port + " (" + from + " " + base + (offset > 0 ? " + offset " + offset : "")
                    + (edgeId > 0 ? " + edge.id " + edgeId : "") + "): above 65535");
        }
        return Optional.of(port);
    }

    private static int parse(String key, String value) {
        int port;
        try {
            port = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("setting '" + key + "' must be a port number (0: off), got '" + value + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalStateException("setting '" + key + "' must be a port number 1-65535 (0: off), got " + port);
        }
        return port;
    }
}
