package org.parley.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A process's {@code GET /metrics}: the registry in the Prometheus text format (0.0.4), on its own small HTTP server
 * (the JDK's; one daemon thread), so every process has one whatever else it serves. Anything else answers 404, a
 * method other than GET or HEAD 405.
 */
public final class MetricsEndpoint implements AutoCloseable {
    /** The Prometheus text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves {@code registry} on {@code host:port} ({@code port} 0: any free port, for tests).
     *
     * @throws IllegalStateException if the address cannot be bound, naming it
     */
    public static MetricsEndpoint start(String host, int port, PrometheusMeterRegistry registry) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new IllegalStateException("metrics endpoint: cannot listen on " + host + ":" + port + " ("
                    + e.getMessage() + "); set metrics.port (or metrics.<role>.port) to a free port, or 0 to turn"
                    + " the endpoint off", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-endpoint");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                handle(exchange, registry);
            }
        });
        server.start();
        return new MetricsEndpoint(server, executor);
    }

    private static void handle(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        String method = exchange.getRequestMethod();
        if (!exchange.getRequestURI().getPath().equals("/metrics")) {
            reply(exchange, 404, "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n", method);
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            reply(exchange, 405, "text/plain; charset=utf-8", "method " + method + " not allowed: GET /metrics\n", method);
            return;
        }
        reply(exchange, 200, CONTENT_TYPE, registry.scrape(), method);
    }

    private static void reply(HttpExchange exchange, int status, String type, String body, String method)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        if (method.equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The port served (the bound one when started with 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
