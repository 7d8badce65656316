package org.parley.edge;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.parley.edge.limits.EdgeGuards;
import org.parley.edge.limits.EdgeLimits;
import org.parley.edge.log.ActionLog;
import org.parley.edge.media.MediaStore;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FrameDecoder;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.DeviceConnection;
import org.parley.edge.session.PendingActions;
import org.parley.events.DeviceDelivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's HTTP and WebSocket endpoints: {@code /v1/devices} (register, link, list, unlink: {@link EdgeExtensions}),
 * {@code PUT /v1/settings}, {@code GET /v1/ws} (the client protocol, bearer token required), {@code POST /v1/media}
 * and {@code GET /v1/media/<key>} (the media bucket, bearer token required), {@code GET /health}.
 */
public class EdgeVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeVerticle.class);

    private final EdgeConfig config;
    private final ActionLog log;
    private final EdgeReadModel readModel;
    private final PendingActions pending;
    private final ConnectedDevices devices;
    private final Function<byte[], DeviceDelivery> inboxDecoder;
    private DeviceTokens tokens;
    private final FrameDecoder decoder;
    private final MediaStore media;
    private final java.util.List<java.util.function.Consumer<Router>> extraRoutes = new java.util.ArrayList<>();
    private HttpServer server;
    private EdgeExtensions extensions;
    private EdgeLimits limits;
    private java.util.function.LongSupplier clock = System::currentTimeMillis;
    private EdgeGuards guards;
    private EdgeReadModel reads;

    public EdgeVerticle(EdgeConfig config, ActionLog log, EdgeReadModel readModel, PendingActions pending,
                        ConnectedDevices devices, Function<byte[], DeviceDelivery> inboxDecoder) {
        this(config, log, readModel, pending, devices, inboxDecoder, MediaStore.unavailable());
    }

    public EdgeVerticle(EdgeConfig config, ActionLog log, EdgeReadModel readModel, PendingActions pending,
                        ConnectedDevices devices, Function<byte[], DeviceDelivery> inboxDecoder, MediaStore media) {
        this.media = media;
        this.config = config;
        this.log = log;
        this.readModel = readModel;
        this.pending = pending;
        this.devices = devices;
        this.inboxDecoder = inboxDecoder;
        this.tokens = new DeviceTokens(readModel);
        this.decoder = new FrameDecoder(config.maxPayloadBytes(), config.historyPageMax());
    }

    /** Required before deployment: device linking, settings, typing and presence. */
    public EdgeVerticle with(EdgeExtensions extensions) {
        this.extensions = extensions;
        return this;
    }

    @Override
    public void start(Promise<Void> started) {
        if (extensions == null) {
            started.fail("EdgeVerticle.with(EdgeExtensions) was not called");
            return;
        }
        guards = new EdgeGuards(vertx, limits != null ? limits : EdgeLimits.defaults(), clock).start();
        reads = guards.edgeReads(readModel); // every read of the edge waits its turn: the CQL pool is bounded
        tokens = new DeviceTokens(reads);
        Router router = Router.router(vertx);
        guards.http().mount(router); // first: header deadline, per-address and per-device HTTP limits
        router.get("/health").handler(this::health);
        router.post("/v1/devices").handler(BodyHandler.create().setBodyLimit(4096)).handler(extensions.devices()::registerPrimary);
        router.post("/v1/devices/link").handler(extensions.devices()::link);
        router.get("/v1/devices").handler(extensions.devices()::list);
        router.delete("/v1/devices/:deviceId").handler(extensions.devices()::unlink);
        router.put("/v1/settings").handler(BodyHandler.create().setBodyLimit(256 * 1024)).handler(extensions.settings()::put);
        router.get("/v1/ws").handler(this::upgrade);
        router.post("/v1/media").handler(BodyHandler.create().setBodyLimit(config.maxMediaBytes())).handler(this::uploadMedia);
        router.get("/v1/media/*").handler(this::downloadMedia);
        extraRoutes.forEach(mount -> mount.accept(router));
        BenchEcho.installIfEnabled(router); // off unless edge.bench-echo=true (benchmarks' floor)
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setMaxWebSocketFrameSize(config.maxFrameBytes()).setMaxWebSocketMessageSize(config.maxFrameBytes())
                .setTcpNoDelay(true);
        server = vertx.createHttpServer(guards.http().configure(options))
                .connectionHandler(guards.http()::onConnection).requestHandler(router);
        server.listen().<Void>mapEmpty().onComplete(started);
    }

    /** Limits, timeouts and back-pressure (docs/security.md); the built-in defaults unless given; before deployment. */
    public EdgeVerticle withLimits(EdgeLimits limits) {
        return withLimits(limits, System::currentTimeMillis);
    }

    /** The same with the clock the rate limits refill by (tests). */
    public EdgeVerticle withLimits(EdgeLimits limits, java.util.function.LongSupplier clock) {
        this.limits = limits;
        this.clock = clock;
        return this;
    }

    /** Adds routes served by their own handler classes (e.g. the push subscription endpoint); before deployment. */
    public EdgeVerticle withRoutes(java.util.function.Consumer<Router> mount) {
        extraRoutes.add(mount);
        return this;
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void health(RoutingContext ctx) {
        ctx.json(new JsonObject().put("status", "UP").put("edgeId", config.edgeId())
                .put("connections", devices.size()).put("pendingActions", pending.size()));
    }

    private void upgrade(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String token = bearer(req);
        if (token == null) {
            httpError(ctx, 401, null, "missing bearer token: send 'Authorization: Bearer <token>' or ?token=<token>");
            return;
        }
        Long fromParam;
        try {
            String p = req.getParam("lastInboxSeq");
            fromParam = p == null ? null : Long.parseLong(p);
            if (fromParam != null && fromParam < 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            httpError(ctx, 400, ErrorCode.INVALID_FIELD, "lastInboxSeq must be a non-negative integer");
            return;
        }
        req.pause();
        tokens.authenticate(token).timeout(guards.limits().handshakeTimeoutMs(), TimeUnit.MILLISECONDS).onComplete(ar -> {
            if (ar.failed()) {
                req.resume();
                httpError(ctx, 503, ErrorCode.UNAVAILABLE, "cannot check the token now; retry");
                return;
            }
            if (ar.result().isEmpty()) {
                req.resume();
                httpError(ctx, 401, null, "invalid or revoked token");
                return;
            }
            var device = ar.result().get();
            req.toWebSocket().onFailure(err -> LOG.warn("upgrade failed: {}", err.toString())).onSuccess(ws -> {
                ws.pause();
                DeviceConnection connection = new DeviceConnection(ws, vertx.getOrCreateContext(), config, log,
                        guards.connectionReads(reads), pending, decoder, inboxDecoder, device.userId(), device.deviceId())
                        .extension(extensions.session()).limits(guards.frames(device.userId(), req))
                        .outbound(guards.outbound(req, ws));
                DeviceConnection replaced = devices.register(connection);
                if (replaced != null) {
                    replaced.close((short) 4001, "replaced by a newer connection of this device");
                }
                Future<Long> from = fromParam != null ? Future.succeededFuture(fromParam)
                        : reads.cursor(device.deviceId());
                from.compose(seq -> connection.start(seq, () -> devices.unregister(connection)))
                        .onFailure(err -> {
                            LOG.warn("session start of {} failed: {}", device.deviceId(), err.toString());
                            devices.unregister(connection);
                            ws.close((short) 1011, "session could not start; retry");
                        });
            });
        });
    }

    /**
     * Stores an object (a group icon, an attachment) in the media bucket under a fresh key and returns the key, which
     * frames then reference (e.g. a group's iconKey). Any authenticated device may upload; content stays opaque.
     */
    private void uploadMedia(RoutingContext ctx) {
        authenticated(ctx, device -> {
            String type = ctx.request().getHeader("Content-Type");
            String key = "media/" + device.userId() + "/" + UUID.randomUUID();
            media.put(key, ctx.body().buffer(), type == null ? "application/octet-stream" : type).onComplete(ar -> {
                if (ar.failed()) {
                    LOG.warn("media upload failed: {}", ar.cause().toString());
                    httpError(ctx, 503, ErrorCode.UNAVAILABLE, "media not stored; retry");
                } else {
                    ctx.response().setStatusCode(201);
                    ctx.json(new JsonObject().put("key", key).put("bytes", ctx.body().length()));
                }
            });
        });
    }

    private void downloadMedia(RoutingContext ctx) {
        authenticated(ctx, device -> {
            String key = ctx.request().path().substring("/v1/".length());
            media.get(key).onComplete(ar -> {
                if (ar.failed()) {
                    httpError(ctx, 503, ErrorCode.UNAVAILABLE, "media store unavailable; retry");
                } else if (ar.result().isEmpty()) {
                    httpError(ctx, 404, ErrorCode.TARGET_UNKNOWN, "no media " + key);
                } else {
                    MediaStore.Media m = ar.result().get();
                    ctx.response().putHeader("Content-Type", m.contentType() == null ? "application/octet-stream"
                            : m.contentType()).end(m.bytes());
                }
            });
        });
    }

    private void authenticated(RoutingContext ctx, java.util.function.Consumer<org.parley.projections.DeviceDirectory.Device> then) {
        String token = bearer(ctx.request());
        if (token == null) {
            httpError(ctx, 401, null, "missing bearer token: send 'Authorization: Bearer <token>'");
            return;
        }
        tokens.authenticate(token).onComplete(ar -> {
            if (ar.failed()) {
                httpError(ctx, 503, ErrorCode.UNAVAILABLE, "cannot check the token now; retry");
            } else if (ar.result().isEmpty()) {
                httpError(ctx, 401, null, "invalid or revoked token");
            } else {
                then.accept(ar.result().get());
            }
        });
    }

    public static String bearer(HttpServerRequest req) {
        String header = req.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        String q = req.getParam("token");
        return q == null || q.isBlank() ? null : q;
    }

    public static void httpError(RoutingContext ctx, int status, ErrorCode code, String message) {
        ctx.response().setStatusCode(status);
        ctx.json(new JsonObject().put("error", code == null ? "UNAUTHENTICATED" : code.name()).put("message", message));
    }
}
