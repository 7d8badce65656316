package org.parley.edge.config;

import org.parley.config.Settings;

/**
 * What one edge process needs from settings, read once at start ({@link #from}) and handed to what needs it.
 * Built by name ({@link #builder()}, whose defaults are the built-in ones of parley-defaults.properties), never by
 * position.
 *
 * @param host               bind.host
 * @param port               edge.port (0: any free port)
 * @param edgeId             edge.id: the partition of action-results and edge-deliveries this edge reads
 * @param maxPayloadBytes    edge.max-payload-bytes
 * @param maxFrameBytes      edge.max-frame-bytes
 * @param historyPageMax     edge.history-page-max
 * @param syncTimeoutMs      edge.sync-timeout-ms
 * @param resultTimeoutMs    edge.result-timeout-ms
 * @param resultWaitMs       edge.result-wait-ms: how long a send stays in flight (its result still awaited, a resend
 *                           joining it) after its TIMEOUT answer; at least resultTimeoutMs
 * @param rateLimitPerSecond edge.rate-limit-per-second
 * @param rateLimitBurst     edge.rate-limit-burst
 * @param maxMediaBytes      edge.max-media-bytes
 * @param verticleInstances  edge.verticle-instances: HTTP/WebSocket verticles, each on its own event loop
 * @param benchEcho          edge.bench-echo: the benchmarks' unauthenticated echo socket ({@code BenchEcho})
 */
public record EdgeConfig(String host, int port, int edgeId, int maxPayloadBytes, int maxFrameBytes, int historyPageMax,
                         long syncTimeoutMs, long resultTimeoutMs, long resultWaitMs, int rateLimitPerSecond,
                         int rateLimitBurst, int maxMediaBytes, int verticleInstances, boolean benchEcho) {
    public EdgeConfig {
        if (verticleInstances < 1) {
            throw new IllegalArgumentException("edge.verticle-instances must be at least 1, was " + verticleInstances);
        }
        if (resultWaitMs < resultTimeoutMs) {
            throw new IllegalArgumentException("edge.result-wait-ms (" + resultWaitMs + ") must be at least "
                    + "edge.result-timeout-ms (" + resultTimeoutMs + ")");
        }
    }

    public static EdgeConfig from(Settings s) {
        return builder().host(s.host()).port(s.getInt("edge.port")).edgeId(s.getInt("edge.id"))
                .maxPayloadBytes(s.getInt("edge.max-payload-bytes")).maxFrameBytes(s.getInt("edge.max-frame-bytes"))
                .historyPageMax(s.getInt("edge.history-page-max")).syncTimeoutMs(s.getLong("edge.sync-timeout-ms"))
                .resultTimeoutMs(s.getLong("edge.result-timeout-ms")).resultWaitMs(s.getLong("edge.result-wait-ms"))
                .rateLimitPerSecond(s.getInt("edge.rate-limit-per-second"))
                .rateLimitBurst(s.getInt("edge.rate-limit-burst")).maxMediaBytes(s.getInt("edge.max-media-bytes"))
                .verticleInstances(s.getInt("edge.verticle-instances"))
                .benchEcho(s.find("edge.bench-echo").map(Boolean::parseBoolean).orElse(false))
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A copy to change some fields of. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).edgeId(edgeId).maxPayloadBytes(maxPayloadBytes)
                .maxFrameBytes(maxFrameBytes).historyPageMax(historyPageMax).syncTimeoutMs(syncTimeoutMs)
                .resultTimeoutMs(resultTimeoutMs).resultWaitMs(resultWaitMs).rateLimitPerSecond(rateLimitPerSecond)
                .rateLimitBurst(rateLimitBurst)
                .maxMediaBytes(maxMediaBytes).verticleInstances(verticleInstances).benchEcho(benchEcho);
    }

    /** Named fields; the defaults are the built-in settings (port 0: any free port). */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private int edgeId;
        private int maxPayloadBytes = 65_536;
        private int maxFrameBytes = 262_144;
        private int historyPageMax = 200;
        private long syncTimeoutMs = 10_000;
        private long resultTimeoutMs = 10_000;
        private long resultWaitMs = 60_000;
        private int rateLimitPerSecond = 30;
        private int rateLimitBurst = 60;
        private int maxMediaBytes = 5_242_880;
        private int verticleInstances = 1;
        private boolean benchEcho;

        private Builder() {
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder edgeId(int v) {
            edgeId = v;
            return this;
        }

        public Builder maxPayloadBytes(int v) {
            maxPayloadBytes = v;
            return this;
        }

        public Builder maxFrameBytes(int v) {
            maxFrameBytes = v;
            return this;
        }

        public Builder historyPageMax(int v) {
            historyPageMax = v;
            return this;
        }

        public Builder syncTimeoutMs(long v) {
            syncTimeoutMs = v;
            return this;
        }

        public Builder resultTimeoutMs(long v) {
            resultTimeoutMs = v;
            return this;
        }

        public Builder resultWaitMs(long v) {
            resultWaitMs = v;
            return this;
        }

        public Builder rateLimitPerSecond(int v) {
            rateLimitPerSecond = v;
            return this;
        }

        public Builder rateLimitBurst(int v) {
            rateLimitBurst = v;
            return this;
        }

        public Builder maxMediaBytes(int v) {
            maxMediaBytes = v;
            return this;
        }

        public Builder verticleInstances(int v) {
            verticleInstances = v;
            return this;
        }

        public Builder benchEcho(boolean v) {
            benchEcho = v;
            return this;
        }

        public EdgeConfig build() {
            return new EdgeConfig(host, port, edgeId, maxPayloadBytes, maxFrameBytes, historyPageMax, syncTimeoutMs,
                    resultTimeoutMs, resultWaitMs, rateLimitPerSecond, rateLimitBurst, maxMediaBytes, verticleInstances,
                    benchEcho);
        }
    }
}
