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
import org.parley.edge.media.MediaAccess;
import org.parley.edge.media.MediaKeys;
import org.parley.edge.media.MediaPolicy;
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
 * The edge's HTTP and WebSocket endpoints: {@code /v1/registration/code} and {@code /v1/devices} (register with a
 * one-time code, link, list, unlink: {@link EdgeExtensions}),
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
    private FrameDecoder decoder;
    private org.parley.edge.envelopes.DeviceSets deviceSets;
    private final MediaStore media;
    private MediaPolicy mediaPolicy = MediaPolicy.defaults();
    private MediaAccess mediaAccess;
    private final java.util.List<java.util.function.Consumer<Router>> extraRoutes = new java.util.ArrayList<>();
    private HttpServer server;
    private EdgeExtensions extensions;
    private WebSocketLimits webSocketLimits;
    private EdgeTls tls = EdgeTls.off();
    private EdgeLimits limits;
    private java.util.function.LongSupplier clock = System::currentTimeMillis;
    private EdgeGuards guards;
    private EdgeReadModel reads;
    private org.parley.edge.keys.KeyDirectoryEndpoint keys;
    private org.parley.edge.media.transfer.MediaTransfers transfers;

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
        this.mediaAccess = new MediaAccess(readModel, mediaPolicy.maxConversationsChecked());
        this.webSocketLimits = WebSocketLimits.defaults(config);
    }

    /** Media settings ({@code media.*}); the built-in defaults otherwise. Before deployment. */
    public EdgeVerticle withMedia(MediaPolicy policy) {
        this.mediaPolicy = policy;
        this.mediaAccess = new MediaAccess(readModel, policy.maxConversationsChecked());
        return this;
    }

    /** The WebSocket transport's limits (edge.max-frame-read-bytes, edge.websocket-compression); before deployment. */
    public EdgeVerticle withWebSocketLimits(WebSocketLimits limits) {
        this.webSocketLimits = limits;
        return this;
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
        router.post("/v1/registration/code").handler(BodyHandler.create().setBodyLimit(4096)).handler(extensions.devices()::requestCode);
        router.post("/v1/devices").handler(BodyHandler.create().setBodyLimit(4096)).handler(extensions.devices()::registerPrimary);
        router.put("/v1/registration-lock").handler(BodyHandler.create().setBodyLimit(4096)).handler(extensions.devices()::setRegistrationLock);
        router.delete("/v1/registration-lock").handler(extensions.devices()::removeRegistrationLock);
        router.post("/v1/devices/link").handler(extensions.devices()::link);
        router.get("/v1/devices").handler(extensions.devices()::list);
        router.put("/v1/devices/provisioning/:linkId").handler(BodyHandler.create().setBodyLimit(16 * 1024))
                .handler(extensions.devices()::putProvisioning);
        router.get("/v1/devices/provisioning/:linkId").handler(extensions.devices()::takeProvisioning);
        router.delete("/v1/devices/:deviceId").handler(extensions.devices()::unlink);
        router.put("/v1/settings").handler(BodyHandler.create().setBodyLimit(256 * 1024)).handler(extensions.settings()::put);
        router.get("/v1/settings").handler(extensions.settings()::get);
        router.get("/v1/ws").handler(this::upgrade);
        router.post("/v1/media").handler(BodyHandler.create().setBodyLimit(config.maxMediaBytes())).handler(this::uploadMedia);
        router.get("/v1/media/*").handler(this::downloadMedia);
        if (keys != null) {
            keys.mount(router, guards, tokens);
        }
        if (transfers != null) {
            transfers.mount(router, guards);
        }
        extraRoutes.forEach(mount -> mount.accept(router));
        BenchEcho.installIfEnabled(router); // off unless edge.bench-echo=true (benchmarks' floor)
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                // The decoder reads frames up to the read limit; messages above edge.max-frame-bytes are refused
                // (1009) by InboundMessages, which also checks UTF-8 (1007). Vert.x's message aggregation is unused.
                .setMaxWebSocketFrameSize(webSocketLimits.maxReadBytes())
                .setMaxWebSocketMessageSize(webSocketLimits.maxReadBytes())
                .setPerMessageWebSocketCompressionSupported(webSocketLimits.compression())
                .setPerFrameWebSocketCompressionSupported(webSocketLimits.compression())
                .setTcpNoDelay(true);
        server = vertx.createHttpServer(tls.apply(guards.http().configure(options)))
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

    /** Serves the end-to-end key directory ({@code /v1/keys}); before deployment. Off unless given. */
    public EdgeVerticle withKeys(org.parley.edge.keys.KeyDirectoryEndpoint keys) {
        this.keys = keys;
        return this;
    }

    /**
     * Accepts sends with per-device envelopes (end-to-end encryption), within these bounds, checked against these
     * device sets; before deployment. Off unless given: envelopes are then refused.
     */
    public EdgeVerticle withEnvelopes(org.parley.edge.envelopes.EnvelopeLimits limits,
                                      org.parley.edge.envelopes.DeviceSets deviceSets) {
        this.decoder = new FrameDecoder(config.maxPayloadBytes(), config.historyPageMax(), 1024, limits.maxEnvelopes(),
                limits.maxEnvelopeBytes());
        this.deviceSets = deviceSets;
        return this;
    }

    /** Serves presigned uploads and downloads ({@code /v1/uploads}, {@code /v1/downloads}); before deployment. */
    public EdgeVerticle withMediaTransfers(org.parley.edge.media.transfer.MediaTransfers transfers) {
        this.transfers = transfers;
        return this;
    }

    /** Adds routes served by their own handler classes (e.g. the push subscription endpoint); before deployment. */
    public EdgeVerticle withRoutes(java.util.function.Consumer<Router> mount) {
        extraRoutes.add(mount);
        return this;
    }

    /** Serves https/wss with this certificate ({@link EdgeTls}); before deployment. Plain by default. */
    public EdgeVerticle withTls(EdgeTls tls) {
        this.tls = tls;
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
                Failures.http(ctx, ar.cause(), "token not checked", "retry");
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
                        guards.connectionReads(reads), pending, decoder, inboxDecoder, device.userId(), device.deviceId(),
                        media)
                        .extension(extensions.session()).limits(guards.frames(device.userId(), req))
                        .outbound(guards.outbound(req, ws)).envelopes(deviceSets);
                DeviceConnection replaced = devices.register(connection);
                if (replaced != null) {
                    replaced.close((short) 4001, "replaced by a newer connection of this device");
                }
                Future<Long> from = fromParam != null ? Future.succeededFuture(fromParam)
                        : reads.cursor(device.deviceId());
                from.compose(seq -> connection.start(seq, () -> devices.unregister(connection)))
                        .onSuccess(v -> {
                            if (keys != null) {
                                keys.onConnected(connection);
                            }
                        })
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
     * frames then reference (e.g. a group's iconKey). Any authenticated device may upload; content stays opaque. The
     * declared type is kept only if it is a safe one (media.safe-content-types), else the object is opaque bytes.
     */
    private void uploadMedia(RoutingContext ctx) {
        tokens.authenticated(ctx, device -> {
            String type = mediaPolicy.safeContentType(ctx.request().getHeader("Content-Type"));
            String key = MediaKeys.newKey(device.userId());
            media.put(key, ctx.body().buffer(), type).onComplete(ar -> {
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

    /**
     * Serves an object to its uploader and to users a conversation showed it to within their reach
     * ({@link MediaAccess}); optional {@code ?conversationId=} (and {@code &seq=}) name where it was shown. Always as
     * a download of a safe type: never rendered inline, never sniffed.
     */
    private void downloadMedia(RoutingContext ctx) {
        tokens.authenticated(ctx, device -> {
            String key = ctx.request().path().substring("/v1/".length());
            if (MediaKeys.owner(key).isEmpty()) {
                httpError(ctx, 400, ErrorCode.INVALID_FIELD, "not a media key: expected media/<userId>/<uuid> as"
                        + " POST /v1/media returned it");
                return;
            }
            String conversationId = ctx.request().getParam("conversationId");
            String seqParam = ctx.request().getParam("seq");
            if (conversationId != null && !org.parley.schemas.Conversations.isValid(conversationId)) {
                httpError(ctx, 400, ErrorCode.INVALID_FIELD, "conversationId must be dm:<userA>:<userB> or g:<id>");
                return;
            }
            Long seq;
            try {
                seq = seqParam == null ? null : Long.parseLong(seqParam);
            } catch (NumberFormatException e) {
                seq = -1L;
            }
            if (seq != null && (seq < 1 || conversationId == null)) {
                httpError(ctx, 400, ErrorCode.INVALID_FIELD, "seq must be a positive integer, given with conversationId");
                return;
            }
            mediaAccess.check(device.userId(), key, conversationId, seq)
                    .compose(v -> media.get(key))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            if (ar.cause() instanceof org.parley.edge.protocol.ProtocolException p
                                    && p.code() == ErrorCode.NOT_A_MEMBER) {
                                httpError(ctx, 403, p.code(), p.getMessage());
                            } else {
                                ctx.response().putHeader("Retry-After", "1");
                                httpError(ctx, 503, ErrorCode.UNAVAILABLE, ar.cause()
                                        instanceof org.parley.edge.protocol.ProtocolException p ? p.getMessage()
                                        : "media store or read model unavailable; retry");
                            }
                        } else if (ar.result().isEmpty()) {
                            httpError(ctx, 404, ErrorCode.TARGET_UNKNOWN, "no media " + key);
                        } else {
                            MediaStore.Media m = ar.result().get();
                            ctx.response()
                                    .putHeader("Content-Type", mediaPolicy.safeContentType(m.contentType()))
                                    .putHeader("X-Content-Type-Options", "nosniff")
                                    .putHeader("Content-Disposition", "attachment")
                                    .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
                                    .putHeader("Cache-Control", "private, no-store")
                                    .end(m.bytes());
                        }
                    });
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
