package org.parley.edge.limits;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.protocol.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the edge bounds before a request reaches its handler: the time to send request headers, open connections per
 * client address, requests per address and per device, WebSocket upgrades per address and per device, registrations
 * per address and links per device, and failed authentications per address. A refused request gets {@code 429 RATE_LIMITED} with {@code Retry-After}
 * (or, for too many connections, {@code 429} and the connection closed); nothing else happens.
 */
public final class HttpLimits {
    private static final Logger LOG = LoggerFactory.getLogger(HttpLimits.class);

    /** One TCP connection: its header deadline and the address it counts against, if any. */
    private static final class Conn {
        long deadline = -1;
        String countedAs;
        /** Set once upgraded: the connection's own close handler no longer fires then, the WebSocket's does. */
        ServerWebSocket ws;
    }

    private final Vertx vertx;
    private final EdgeLimits limits;
    private final ClientAddresses addresses;
    private final LongSupplier clock;
    private final Map<HttpConnection, Conn> connections = new ConcurrentHashMap<>();
    private final Map<String, Integer> openPerAddress = new ConcurrentHashMap<>();
    private final KeyedBuckets registrations;
    private final KeyedBuckets links;
    private final KeyedBuckets addressConnects;
    private final KeyedBuckets deviceConnects;
    private final KeyedBuckets authFailures;
    private final KeyedBuckets addressRequests;
    private final KeyedBuckets deviceRequests;

    public HttpLimits(Vertx vertx, EdgeLimits limits, ClientAddresses addresses, LongSupplier clock) {
        this.vertx = vertx;
        this.limits = limits;
        this.addresses = addresses;
        this.clock = clock;
        int keys = limits.maxTrackedKeys();
        this.registrations = new KeyedBuckets(limits.addressRegistrations(), keys);
        this.links = new KeyedBuckets(limits.deviceLinks(), keys);
        this.addressConnects = new KeyedBuckets(limits.addressConnects(), keys);
        this.deviceConnects = new KeyedBuckets(limits.deviceConnects(), keys);
        this.authFailures = new KeyedBuckets(limits.addressAuthFailures(), keys);
        this.addressRequests = new KeyedBuckets(limits.addressRequests(), keys);
        this.deviceRequests = new KeyedBuckets(limits.deviceRequests(), keys);
    }

    /**
     * Idle timeouts: a connection nothing was read from, or to which nothing could be written (a client that does
     * not read: its unsent data and even a close frame wait forever otherwise), for edge.idle-timeout-ms is closed.
     * The edge pings every WebSocket more often, so a live client always has both. Cleartext HTTP/2 is off:
     * the edge speaks HTTP/1.1 and WebSocket, and while the server sniffs for an h2c preface it has not handed the
     * connection to {@link #onConnection} yet, so no header deadline would run.
     */
    public HttpServerOptions configure(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
        if (limits.idleTimeoutMs() > 0) {
            options.setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setReadIdleTimeout((int) limits.idleTimeoutMs())
                    .setWriteIdleTimeout((int) limits.idleTimeoutMs());
        }
        return options;
    }

    /** Installs the checks in front of every route; call before any other route is added. */
    public void mount(Router router) {
        router.route().handler(this::everyRequest);
        router.post("/v1/devices").handler(ctx -> registration(ctx, false));
        router.post("/v1/devices/link").handler(ctx -> registration(ctx, true));
        router.get("/v1/ws").handler(this::upgrade);
    }

    /** The server's connection handler: counts the connection and arms its header deadline. */
    public void onConnection(HttpConnection connection) {
        Conn c = new Conn();
        connections.put(connection, c);
        connection.closeHandler(v -> closed(connection));
        String peer = connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress();
        if (peer != null && !addresses.trusted(peer)) {
            Optional<String> key = addresses.key(peer, java.util.List.of());
            if (key.isPresent() && !count(c, key.get())) {
                LOG.debug("refusing a connection from {}: limits.address.connections reached", key.get());
                connection.close();
                return;
            }
        }
        arm(connection, c);
    }

    /** The connection (or the WebSocket it became) closed: its place is free again. Idempotent. */
    public void closed(HttpConnection connection) {
        Conn gone = connection == null ? null : connections.remove(connection);
        if (gone != null) {
            cancel(gone);
            release(gone);
        }
    }

    /** The request's connection became this WebSocket: it keeps its place until the WebSocket closes. */
    public void upgraded(HttpServerRequest req, ServerWebSocket ws) {
        HttpConnection connection = req.connection();
        Conn c = connection == null ? null : connections.get(connection);
        if (c != null) {
            c.ws = ws;
            ws.endHandler(v -> closed(connection));
        }
    }

    private boolean count(Conn c, String address) {
        int max = limits.addressConnections();
        if (max <= 0) {
            return true;
        }
        boolean[] admitted = {false};
        openPerAddress.compute(address, (k, n) -> {
            int open = n == null ? 0 : n;
            if (open >= max) {
                return n;
            }
            admitted[0] = true;
            return open + 1;
        });
        if (admitted[0]) {
            c.countedAs = address;
        }
        return admitted[0];
    }

    private void release(Conn c) {
        if (c.countedAs != null) {
            openPerAddress.computeIfPresent(c.countedAs, (k, n) -> n <= 1 ? null : n - 1);
            c.countedAs = null;
        }
    }

    private void arm(HttpConnection connection, Conn c) {
        if (limits.requestHeaderTimeoutMs() <= 0) {
            return;
        }
        cancel(c);
        c.deadline = vertx.setTimer(limits.requestHeaderTimeoutMs(), t -> {
            c.deadline = -1;
            LOG.debug("closing a connection that sent no complete request headers within {} ms",
                    limits.requestHeaderTimeoutMs());
            connection.close();
        });
    }

    private void cancel(Conn c) {
        if (c.deadline >= 0) {
            vertx.cancelTimer(c.deadline);
            c.deadline = -1;
        }
    }

    /** The client's address key for per-address limits, or null if it is exempt. */
    public String addressOf(HttpServerRequest req) {
        String peer = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
        return addresses.key(peer, req.headers().getAll("X-Forwarded-For")).orElse(null);
    }

    private void everyRequest(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        HttpConnection connection = req.connection();
        Conn c = connection == null ? null : connections.get(connection);
        if (c != null) {
            cancel(c); // the headers are complete
        }
        String address = addressOf(req);
        boolean upgrade = req.canUpgradeToWebSocket();
        if (c != null && upgrade && c.countedAs == null && address != null) {
            // Behind a trusted proxy the connection was not counted at accept: a WebSocket counts for its client.
            if (!count(c, address)) {
                tooMany(ctx, "more than " + limits.addressConnections() + " open connections from your address"
                        + " (limits.address.connections)", 1_000);
                return;
            }
        }
        long now = clock.getAsLong();
        if (address != null) {
            long wait = addressRequests.take(address, now);
            if (wait > 0) {
                tooMany(ctx, "more than " + addressRequests.rate().describe() + " requests from your address"
                        + " (limits.address.requests)", wait);
                return;
            }
        }
        String device = deviceOf(req);
        if (device != null) {
            long wait = deviceRequests.take(device, now);
            if (wait > 0) {
                tooMany(ctx, "more than " + deviceRequests.rate().describe() + " requests of this device"
                        + " (limits.device.requests)", wait);
                return;
            }
        }
        String token = BearerAuthentication.token(req);
        if (token != null && address != null) {
            long wait = authFailures.peek(address, clock.getAsLong());
            if (wait > 0) {
                tooMany(ctx, "more than " + authFailures.rate().describe() + " failed authentications from your"
                        + " address (limits.address.auth-failures)", wait);
                return;
            }
            ctx.addHeadersEndHandler(v -> {
                if (ctx.response().getStatusCode() == 401) {
                    authFailures.take(address, clock.getAsLong());
                }
            });
        }
        if (c != null && !upgrade && limits.requestTimeoutMs() > 0) {
            // A body sent a byte now and then is never idle: the whole request gets a deadline too.
            long deadline = vertx.setTimer(limits.requestTimeoutMs(), t -> {
                LOG.debug("closing a connection whose request took longer than {} ms", limits.requestTimeoutMs());
                connection.close();
            });
            ctx.addEndHandler(ar -> vertx.cancelTimer(deadline));
        }
        if (c != null) {
            ctx.addEndHandler(ar -> {
                // Keep-alive: the next request's headers are due within the same time. A WebSocket is not re-armed
                // (its upgrade never ends a response with a refusal); the idle timeout watches it.
                if (!upgrade || ctx.response().getStatusCode() >= 400) {
                    if (connections.containsKey(connection)) {
                        arm(connection, c);
                    }
                }
            });
        }
        ctx.next();
    }

    private void registration(RoutingContext ctx, boolean link) {
        long now = clock.getAsLong();
        String address = addressOf(ctx.request());
        if (address != null) {
            long wait = registrations.take(address, now);
            if (wait > 0) {
                tooMany(ctx, "more than " + registrations.rate().describe() + " device registrations from your"
                        + " address (limits.address.registrations)", wait);
                return;
            }
        }
        String device = link ? deviceOf(ctx.request()) : null;
        if (device != null) {
            long wait = links.take(device, now);
            if (wait > 0) {
                tooMany(ctx, "more than " + links.rate().describe() + " links from this device"
                        + " (limits.device.links)", wait);
                return;
            }
        }
        ctx.next();
    }

    private void upgrade(RoutingContext ctx) {
        long now = clock.getAsLong();
        String address = addressOf(ctx.request());
        if (address != null) {
            long wait = addressConnects.take(address, now);
            if (wait > 0) {
                tooMany(ctx, "more than " + addressConnects.rate().describe() + " connection attempts from your"
                        + " address (limits.address.connects)", wait);
                return;
            }
        }
        String device = deviceOf(ctx.request());
        if (device != null) {
            long wait = deviceConnects.take(device, now);
            if (wait > 0) {
                tooMany(ctx, "more than " + deviceConnects.rate().describe() + " connection attempts of this device"
                        + " (limits.device.connects); reconnect with back-off", wait);
                return;
            }
        }
        ctx.next();
    }

    /**
     * The device a bearer token names (its prefix), without checking it: a made-up prefix only buys a bucket of its
     * own, and its request then fails authentication, which the per-address auth-failure limit counts.
     */
    private static String deviceOf(HttpServerRequest req) {
        String token = BearerAuthentication.token(req);
        int dot = token == null ? -1 : token.indexOf('.');
        return dot <= 0 || dot > 64 ? null : token.substring(0, dot);
    }

    private static void tooMany(RoutingContext ctx, String message, long retryAfterMs) {
        ctx.response().setStatusCode(429).putHeader("Retry-After", String.valueOf(Math.max(1, (retryAfterMs + 999) / 1000)));
        ctx.json(new JsonObject().put("error", ErrorCode.RATE_LIMITED.name()).put("message", message + "; retry later")
                .put("retryAfterMs", retryAfterMs));
    }

    public void sweep() {
        // A closed WebSocket whose close was not seen (its end is not delivered while it is paused) frees its place.
        connections.forEach((connection, c) -> {
            if (c.ws != null && c.ws.isClosed()) {
                closed(connection);
            }
        });
        long now = clock.getAsLong();
        for (KeyedBuckets b : new KeyedBuckets[] {registrations, links, addressConnects, deviceConnects, authFailures,
                addressRequests, deviceRequests}) {
            b.sweep(now);
        }
    }

    /** Open connections counted against {@code address} now (tests). */
    int open(String address) {
        return openPerAddress.getOrDefault(address, 0);
    }
}
