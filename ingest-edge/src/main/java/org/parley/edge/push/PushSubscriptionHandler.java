package org.parley.edge.push;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.http.RouteModule;
import org.parley.edge.protocol.ErrorCode;
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
public final class PushSubscriptionHandler implements RouteModule {
    public static final String PATH = "/v1/push-subscription";
    private static final String SUBSCRIPTION = "parley.push-subscription";
    private static final Logger LOG = LoggerFactory.getLogger(PushSubscriptionHandler.class);

    private final Vertx vertx;
    private final PushSubscriptions store;
    private final PushEndpointPolicy endpoints;

    public PushSubscriptionHandler(Vertx vertx, PushSubscriptions store, PushEndpointPolicy endpoints) {
        this.vertx = vertx;
        this.store = store;
        this.endpoints = endpoints;
    }

    /** The subscription is checked before the token: an unusable one is refused without a look-up. */
    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.put(PATH).handler(BodyHandler.create().setBodyLimit(4096)).handler(this::check).handler(auth)
                .handler(this::put);
        router.delete(PATH).handler(auth).handler(this::delete);
    }

    private void check(RoutingContext ctx) {
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
            HttpErrors.send(ctx, 400, ErrorCode.MISSING_FIELD, "body must be {\"endpoint\":...,\"keys\":{\"p256dh\":...,\"auth\":...}}");
            return;
        }
        String invalid = validate(endpoint, p256dh, auth);
        if (invalid != null) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, invalid);
            return;
        }
        ctx.put(SUBSCRIPTION, new String[] {endpoint, p256dh, auth});
        ctx.next();
    }

    private void put(RoutingContext ctx) {
        String[] s = ctx.get(SUBSCRIPTION);
        DeviceDirectory.Device device = BearerAuthentication.device(ctx);
        answer(ctx, store.save(new PushSubscriptions.Subscription(device.deviceId(), device.userId(), "webpush", s[0],
                s[1], s[2])));
    }

    private void delete(RoutingContext ctx) {
        answer(ctx, store.delete(BearerAuthentication.device(ctx).deviceId()));
    }

    private void answer(RoutingContext ctx, CompletionStage<Void> stored) {
        Future.fromCompletionStage(stored, vertx.getOrCreateContext()).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("push subscription not stored: {}", ar.cause().toString());
                HttpErrors.send(ctx, 503, ErrorCode.UNAVAILABLE, "not stored; retry");
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
}
