package org.parley.edge.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.parley.projections.DeviceDirectory;

/**
 * The edge's one bearer check, a route handler: the token from {@code Authorization: Bearer <token>} or
 * {@code ?token=<token>} must name a current device ({@link DeviceTokens}); the device is then put in the routing
 * context ({@link #device}) and the next handler runs. Otherwise it answers 401 {@code UNAUTHENTICATED} (no token, or
 * an invalid or revoked one) or, when the token could not be checked, 503/500 ({@link Failures}); nothing else runs.
 *
 * <p>A small own handler rather than Vert.x web's {@code AuthenticationHandler}: that one reports a refusal by failing
 * the context with a bare status, which a failure handler would have to turn back into this protocol's error bodies
 * per route, and its principal is a {@code User} of JSON where the edge's handlers want the typed device record.
 */
public final class BearerAuthentication implements Handler<RoutingContext> {
    private static final String DEVICE = "parley.device";
    static final String MISSING = "missing bearer token: send 'Authorization: Bearer <token>'";

    private final DeviceTokens tokens;
    private final long timeoutMs;
    private final boolean upgrade;

    private BearerAuthentication(DeviceTokens tokens, long timeoutMs, boolean upgrade) {
        this.tokens = tokens;
        this.timeoutMs = timeoutMs;
        this.upgrade = upgrade;
    }

    /** The check of the HTTP routes. */
    public static BearerAuthentication of(DeviceTokens tokens) {
        return new BearerAuthentication(tokens, 0, false);
    }

    /**
     * The check of the WebSocket upgrade: the request is paused while the token is looked up (nothing the client
     * sends meanwhile is lost), and the look-up has {@code timeoutMs} (edge.handshake-timeout-ms).
     */
    public BearerAuthentication forUpgrade(long timeoutMs) {
        return new BearerAuthentication(tokens, timeoutMs, true);
    }

    /** The bearer token of the request, from its Authorization header or its {@code token} parameter; or null. */
    public static String token(HttpServerRequest req) {
        String header = req.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        String q = req.getParam("token");
        return q == null || q.isBlank() ? null : q;
    }

    /** The device this handler authenticated; only in handlers after it. */
    public static DeviceDirectory.Device device(RoutingContext ctx) {
        DeviceDirectory.Device device = ctx.get(DEVICE);
        if (device == null) {
            throw new IllegalStateException("route " + ctx.normalizedPath() + " has no BearerAuthentication in front");
        }
        return device;
    }

    /** Runs {@code then} with the device this handler authenticated; only in handlers after it. */
    public static void device(RoutingContext ctx, Consumer<DeviceDirectory.Device> then) {
        then.accept(device(ctx));
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String token = token(req);
        if (token == null) {
            HttpErrors.send(ctx, 401, null, upgrade ? MISSING + " or ?token=<token>" : MISSING);
            return;
        }
        Future<Optional<DeviceDirectory.Device>> found = tokens.authenticate(token);
        if (upgrade) {
            req.pause();
            found = found.timeout(timeoutMs, TimeUnit.MILLISECONDS);
        }
        found.onComplete(ar -> {
            if (ar.failed() || ar.result().isEmpty()) {
                if (upgrade) {
                    req.resume();
                }
                if (ar.failed()) {
                    Failures.http(ctx, ar.cause(), "token not checked", "retry");
                } else {
                    HttpErrors.send(ctx, 401, null, "invalid or revoked token");
                }
                return;
            }
            ctx.put(DEVICE, ar.result().get());
            ctx.next();
        });
    }
}
