package org.parley.edge;

import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmarks' WebSocket floor: {@code GET /v1/bench/echo} upgrades without authentication and echoes every text
 * message back on the same socket, through the same HTTP server, event loop and WebSocket codec as {@code /v1/ws}.
 * The load harness ({@code ./parley bench --scenario load}) measures it at the same rate as Parley traffic, so Parley's
 * latency can be stated as a multiple of what the edge machinery alone costs.
 *
 * <p><b>Off by default.</b> Enabled only by the setting {@code edge.bench-echo=true} (environment
 * {@code PARLEY_EDGE_BENCH_ECHO=true}); an edge without it answers 404 there. It does nothing but echo, but it is an
 * unauthenticated socket: never enable it on an edge reachable by anyone but the benchmark.
 */
public final class BenchEcho {
    public static final String PATH = "/v1/bench/echo";
    public static final String SETTING = "edge.bench-echo";
    private static final Logger LOG = LoggerFactory.getLogger(BenchEcho.class);

    private BenchEcho() {
    }

    /** Adds the echo route; the edge does when {@code edge.bench-echo} is true ({@code EdgeConfig#benchEcho}). */
    public static void install(Router router) {
        LOG.warn("{}=true: unauthenticated benchmark echo socket at {}", SETTING, PATH);
        router.get(PATH).handler(ctx -> ctx.request().toWebSocket()
                .onSuccess(ws -> ws.textMessageHandler(ws::writeTextMessage))
                .onFailure(err -> LOG.debug("echo upgrade failed: {}", err.toString())));
    }
}
