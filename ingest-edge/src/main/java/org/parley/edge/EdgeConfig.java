package org.parley.edge;

import org.parley.config.Settings;

/** What one edge instance needs from settings. */
public record EdgeConfig(String host, int port, int edgeId, int maxPayloadBytes, int maxFrameBytes, int historyPageMax,
                         long syncTimeoutMs, long resultTimeoutMs, int rateLimitPerSecond, int rateLimitBurst, int maxMediaBytes) {
    public static EdgeConfig from(Settings s) {
        return new EdgeConfig(s.host(), s.getInt("edge.port"), s.getInt("edge.id"), s.getInt("edge.max-payload-bytes"),
                s.getInt("edge.max-frame-bytes"), s.getInt("edge.history-page-max"), s.getLong("edge.sync-timeout-ms"),
                s.getLong("edge.result-timeout-ms"), s.getInt("edge.rate-limit-per-second"),
                s.getInt("edge.rate-limit-burst"), s.getInt("edge.max-media-bytes"));
    }
}
