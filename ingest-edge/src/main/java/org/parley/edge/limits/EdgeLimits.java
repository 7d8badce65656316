package org.parley.edge.limits;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.parley.config.Settings;

/**
 * The edge's limits, timeouts and back-pressure bounds (docs/security.md, "Limits, timeouts and back-pressure"):
 * per-user and per-address token buckets for every frame kind, HTTP limits (registrations, links, upgrades,
 * concurrent connections, failed authentications), connection deadlines, the outbound queue bounds of a WebSocket,
 * and the bounds on concurrent CQL reads. Defaults in parley-defaults.properties, chosen so a real client never
 * meets them.
 */
public record EdgeLimits(
        Map<FrameKind, Rate> perUser,
        Map<FrameKind, Rate> perAddress,
        Rate deviceConnects,
        Rate addressConnects,
        int addressConnections,
        Rate addressRegistrations,
        Rate deviceLinks,
        Rate addressAuthFailures,
        Rate addressRequests,
        Rate deviceRequests,
        List<Cidr> trustedProxies,
        List<Cidr> exempt,
        int ipv6PrefixBits,
        int maxTrackedKeys,
        long idleTimeoutMs,
        long requestHeaderTimeoutMs,
        long requestTimeoutMs,
        long handshakeTimeoutMs,
        long pingIntervalMs,
        int writeQueueBytes,
        int maxUnsentBytes,
        long slowReaderTimeoutMs,
        int cqlMaxInFlight,
        int cqlMaxQueued,
        int connectionCqlMaxInFlight,
        int connectionCqlMaxQueued) {

    public static EdgeLimits from(Settings s) {
        Map<FrameKind, Rate> user = new EnumMap<>(FrameKind.class);
        Map<FrameKind, Rate> address = new EnumMap<>(FrameKind.class);
        for (FrameKind k : FrameKind.values()) {
            user.put(k, rate(s, "limits.user." + k.key()));
            address.put(k, rate(s, "limits.address." + k.key()));
        }
        if (s.getLong("edge.ws-handshake-timeout-ms") <= 0) {
            throw new IllegalStateException("setting 'edge.ws-handshake-timeout-ms' must be > 0");
        }
        int prefix = s.getInt("limits.address.ipv6-prefix");
        if (prefix < 1 || prefix > 128) {
            throw new IllegalStateException("setting 'limits.address.ipv6-prefix' must be 1..128, got " + prefix);
        }
        return new EdgeLimits(Map.copyOf(user), Map.copyOf(address),
                rate(s, "limits.device.connects"), rate(s, "limits.address.connects"),
                s.getInt("limits.address.connections"), rate(s, "limits.address.registrations"),
                rate(s, "limits.device.links"), rate(s, "limits.address.auth-failures"),
                rate(s, "limits.address.requests"), rate(s, "limits.device.requests"),
                Cidr.parseList("limits.trusted-proxies", s.find("limits.trusted-proxies").orElse("")),
                Cidr.parseList("limits.address.exempt", s.find("limits.address.exempt").orElse("")),
                prefix, s.getInt("limits.max-tracked-keys"),
                s.getLong("edge.idle-timeout-ms"), s.getLong("edge.request-header-timeout-ms"),
                s.getLong("edge.request-timeout-ms"),
                s.getLong("edge.ws-handshake-timeout-ms"), s.getLong("edge.ws-ping-interval-ms"),
                s.getInt("edge.ws-write-queue-bytes"), s.getInt("edge.ws-max-unsent-bytes"),
                s.getLong("edge.ws-slow-reader-timeout-ms"),
                s.getInt("edge.cql-max-in-flight"), s.getInt("edge.cql-max-queued"),
                s.getInt("edge.connection-cql-max-in-flight"), s.getInt("edge.connection-cql-max-queued"));
    }

    /** The built-in defaults (parley-defaults.properties). */
    public static EdgeLimits defaults() {
        return from(Settings.of(Map.of()));
    }

    /** The defaults with some settings replaced (tests). */
    public static EdgeLimits with(Map<String, String> values) {
        return from(Settings.of(values));
    }

    private static Rate rate(Settings s, String key) {
        return Rate.parse(key, s.get(key));
    }
}
