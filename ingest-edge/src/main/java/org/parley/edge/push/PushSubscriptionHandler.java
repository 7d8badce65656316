package org.parley.edge.push;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.edge.DeviceTokens;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.readmodel.OnContext;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.PushEndpointPolicy;
import org.parley.projections.PushSubscriptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT /v1/push-subscription} (body {@code {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}}, the
 * browser's {@code PushSubscription.toJSON()}) stores the authenticated device's Web Push subscription;
 * {@code DELETE /v1/push-subscription} removes it. Bearer token as for the WebSocket. Answers 204.
 *
 * <p>The dispatcher POSTs wherever the endpoint points, so it must pass the {@link PushEndpointPolicy}: https, the
 * host one of the allowed push services ({@code push.allowed-hosts}), no non-public address literal; else 400
 * {@code INVALID_FIELD} with the reason. Loopback endpoints only in the local test mode
 * ({@code push.allow-loopback-http}). The dispatcher checks again at send time, including the resolved addresses.
 */
public final class PushSubscriptionHandler {
    public static final String PATH = "/v1/push-subscription";
    private static final Logger LOG = LoggerFactory.getLogger(PushSubscriptionHandler.class);

    private final Vertx vertx;
    private final DeviceTokens tokens;
    private final PushSubscriptions store;
    private final PushEndpointPolicy endpoints;

    public PushSubscriptionHandler(Vertx vertx, DeviceTokens tokens, PushSubscriptions store,
            PushEndpointPolicy endpoints) {
        this.vertx = vertx;
        this.tokens = tokens;
        this.store = store;
        this.endpoints = endpoints;
    }

    public void mount(Router router) {
        router.put(PATH).handler(BodyHandler.create().setBodyLimit(4096)).handler(this::put);
        router.delete(PATH).handler(this::delete);
    }

    private void put(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        JsonObject keys = body == null ? null : body.getJsonObject("keys");
        String endpoint = body == null ? null : body.getString("endpoint");
        String p256dh = keys == null ? null : keys.getString("p256dh");
        String auth = keys == null ? null : keys.getString("auth");
        if (endpoint == null || p256dh == null || auth == null) {
            error(ctx, 400, ErrorCode.MISSING_FIELD, "body must be {\"endpoint\":...,\"keys\":{\"p256dh\":...,\"auth\":...}}");
            return;
        }
        String invalid = validate(endpoint, p256dh, auth);
        if (invalid != null) {
            error(ctx, 400, ErrorCode.INVALID_FIELD, invalid);
            return;
        }
        authenticated(ctx, device -> store.save(new PushSubscriptions.Subscription(device.deviceId(),
                device.userId(), "webpush", endpoint, p256dh, auth)));
    }

    private void delete(RoutingContext ctx) {
        authenticated(ctx, device -> store.delete(device.deviceId()));
    }

    private void authenticated(RoutingContext ctx,
            java.util.function.Function<DeviceDirectory.Device, CompletionStage<Void>> action) {
        String token = bearer(ctx);
        if (token == null) {
            error(ctx, 401, null, "missing bearer token: send 'Authorization: Bearer <token>'");
            return;
        }
        tokens.authenticate(token).compose((Optional<DeviceDirectory.Device> device) -> device.isEmpty()
                ? Future.succeededFuture(false)
                : onContext(action.apply(device.get())).map(true)).onComplete(ar -> {
                    if (ar.failed()) {
                        LOG.warn("push subscription not stored: {}", ar.cause().toString());
                        error(ctx, 503, ErrorCode.UNAVAILABLE, "not stored; retry");
                    } else if (!ar.result()) {
                        error(ctx, 401, null, "invalid or revoked token");
                    } else {
                        ctx.response().setStatusCode(204).end();
                    }
                });
    }

    /** Why the subscription is unusable, or null. */
    String validate(String endpoint, String p256dh, String auth) {
        String refused = endpoints.refuseUrl(endpoint);
        if (refused != null) {
            return refused;
        }
        byte[] key = decode(p256dh);
        if (key == null || key.length != 65 || key[0] != 0x04) {
            return "keys.p256dh must be the base64url 65-byte uncompressed P-256 point";
        }
        byte[] secret = decode(auth);
        if (secret == null || secret.length != 16) {
            return "keys.auth must be the base64url 16-byte auth secret";
        }
        return null;
    }

    private static byte[] decode(String b64url) {
        try {
            return Base64.getUrlDecoder().decode(b64url.replace("=", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }

    private <T> Future<T> onContext(CompletionStage<T> stage) {
        return OnContext.of(vertx, stage);
    }

    private static void error(RoutingContext ctx, int status, ErrorCode code, String message) {
        ctx.response().setStatusCode(status);
        ctx.json(new JsonObject().put("error", code == null ? "UNAUTHENTICATED" : code.name()).put("message", message));
    }
}
