package org.parley.edge;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.limits.EdgeGuards;

/**
 * One HTTP and WebSocket server of the edge on its event loop, serving {@link EdgeRoutes} (registration and devices,
 * settings, {@code GET /v1/ws}, media, keys, transfers, push subscription, {@code GET /health}). The edge deploys
 * {@code edge.verticle-instances} of these on one port (Vert.x spreads the connections over them); all they hold of
 * their own is their router and server: the routes, guards and connections are the edge's, shared.
 */
public class EdgeVerticle extends AbstractVerticle {
    private final EdgeConfig config;
    private final WebSocketLimits webSockets;
    private final EdgeTls tls;
    private final EdgeRoutes routes;
    private HttpServer server;

    public EdgeVerticle(EdgeConfig config, WebSocketLimits webSockets, EdgeTls tls, EdgeRoutes routes) {
        this.config = config;
        this.webSockets = webSockets;
        this.tls = tls;
        this.routes = routes;
    }

    @Override
    public void start(Promise<Void> started) {
        EdgeGuards guards = routes.guards();
        int port = config.port() == 0 && config.verticleInstances() > 1 ? routes.sharedRandomPort() : config.port();
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(port)
                // The decoder reads frames up to the read limit; messages above edge.max-frame-bytes are refused
                // (1009) by InboundMessages, which also checks UTF-8 (1007). Vert.x's message aggregation is unused.
                .setMaxWebSocketFrameSize(webSockets.maxReadBytes())
                .setMaxWebSocketMessageSize(webSockets.maxReadBytes())
                .setPerMessageWebSocketCompressionSupported(webSockets.compression())
                .setPerFrameWebSocketCompressionSupported(webSockets.compression())
                .setTcpNoDelay(true);
        server = vertx.createHttpServer(tls.apply(guards.http().configure(options)))
                .connectionHandler(guards.http()::onConnection).requestHandler(routes.router(vertx));
        server.listen().<Void>mapEmpty().onComplete(started);
    }

    public int actualPort() {
        return server.actualPort();
    }
}
