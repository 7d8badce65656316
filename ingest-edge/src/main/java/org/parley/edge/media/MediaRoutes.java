package org.parley.edge.media;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.http.RouteModule;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.MediaKeys;
import org.parley.edge.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media bucket through the edge: {@code POST /v1/media} (an object up to edge.max-media-bytes) and
 * {@code GET /v1/media/<key>}, both with a bearer token. (Large objects go presigned: {@code /v1/uploads}.)
 */
public final class MediaRoutes implements RouteModule {
    private static final Logger LOG = LoggerFactory.getLogger(MediaRoutes.class);

    private final MediaStore media;
    private final MediaPolicy policy;
    private final MediaAccess access;
    private final int maxMediaBytes;

    public MediaRoutes(MediaStore media, MediaPolicy policy, MediaAccess access, int maxMediaBytes) {
        this.media = media;
        this.policy = policy;
        this.access = access;
        this.maxMediaBytes = maxMediaBytes;
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.post("/v1/media").handler(BodyHandler.create().setBodyLimit(maxMediaBytes)).handler(auth)
                .handler(this::upload);
        router.get("/v1/media/*").handler(auth).handler(this::download);
    }

    /**
     * Stores an object (a group icon, an attachment) in the media bucket under a fresh key and returns the key, which
     * frames then reference (e.g. a group's iconKey). Any authenticated device may upload; content stays opaque. The
     * declared type is kept only if it is a safe one (media.safe-content-types), else the object is opaque bytes.
     */
    private void upload(RoutingContext ctx) {
        String type = policy.safeContentType(ctx.request().getHeader("Content-Type"));
        String key = MediaKeys.newKey(BearerAuthentication.device(ctx).userId());
        media.put(key, ctx.body().buffer(), type).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("media upload failed: {}", ar.cause().toString());
                HttpErrors.send(ctx, 503, ErrorCode.UNAVAILABLE, "media not stored; retry");
            } else {
                ctx.response().setStatusCode(201);
                ctx.json(new JsonObject().put("key", key).put("bytes", ctx.body().length()));
            }
        });
    }

    /**
     * Serves an object to its uploader and to users a conversation showed it to within their reach
     * ({@link MediaAccess}); optional {@code ?conversationId=} (and {@code &seq=}) name where it was shown. Always as
     * a download of a safe type: never rendered inline, never sniffed.
     */
    private void download(RoutingContext ctx) {
        String userId = BearerAuthentication.device(ctx).userId();
        String key = ctx.request().path().substring("/v1/".length());
        if (MediaKeys.owner(key).isEmpty()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "not a media key: expected media/<userId>/<uuid> as"
                    + " POST /v1/media returned it");
            return;
        }
        String conversationId = ctx.request().getParam("conversationId");
        String seqParam = ctx.request().getParam("seq");
        if (conversationId != null && !org.parley.schemas.Conversations.isValid(conversationId)) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "conversationId must be dm:<userA>:<userB> or g:<id>");
            return;
        }
        Long seq;
        try {
            seq = seqParam == null ? null : Long.parseLong(seqParam);
        } catch (NumberFormatException e) {
            seq = -1L;
        }
        if (seq != null && (seq < 1 || conversationId == null)) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "seq must be a positive integer, given with conversationId");
            return;
        }
        access.check(userId, key, conversationId, seq)
                .compose(v -> media.get(key))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        if (ar.cause() instanceof ProtocolException p && p.code() == ErrorCode.NOT_A_MEMBER) {
                            HttpErrors.send(ctx, 403, p.code(), p.getMessage());
                        } else {
                            ctx.response().putHeader("Retry-After", "1");
                            HttpErrors.send(ctx, 503, ErrorCode.UNAVAILABLE, ar.cause() instanceof ProtocolException p
                                    ? p.getMessage() : "media store or read model unavailable; retry");
                        }
                    } else if (ar.result().isEmpty()) {
                        HttpErrors.send(ctx, 404, ErrorCode.TARGET_UNKNOWN, "no media " + key);
                    } else {
                        MediaStore.Media m = ar.result().get();
                        ctx.response()
                                .putHeader("Content-Type", policy.safeContentType(m.contentType()))
                                .putHeader("X-Content-Type-Options", "nosniff")
                                .putHeader("Content-Disposition", "attachment")
                                .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
                                .putHeader("Cache-Control", "private, no-store")
                                .end(m.bytes());
                    }
                });
    }
}
