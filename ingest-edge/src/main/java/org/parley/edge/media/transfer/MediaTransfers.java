package org.parley.edge.media.transfer;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.Failures;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.http.RouteModule;
import org.parley.edge.limits.EdgeGuards;
import org.parley.edge.limits.FrameLimits;
import org.parley.edge.media.MediaAccess;
import org.parley.edge.media.MediaPolicy;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.MediaKeys;
import org.parley.edge.protocol.ProtocolException;
import org.parley.projections.DeviceDirectory;

/**
 * Uploads and downloads straight between clients and S3 (docs/media.md): the edge allocates the object key, checks
 * size, quota, rate and access, and hands out presigned URLs; the bytes never pass through it.
 * <ul>
 *   <li>{@code POST /v1/uploads {"bytes", "kind"?: "media"|"document", "contentType"?, "expiresInSeconds"?}}: 201 with
 *       one presigned PUT ({@code url}) or, above {@code media.part-bytes}, S3 multipart: one presigned PUT per part;</li>
 *   <li>{@code GET /v1/uploads/{uploadId}}: what S3 holds so far and fresh URLs for the rest (resume after a broken
 *       connection);</li>
 *   <li>{@code POST /v1/uploads/{uploadId}/complete}: checks every part (or the object) has its size, joins the
 *       parts; 200 {@code {"key", "bytes"}};</li>
 *   <li>{@code POST /v1/downloads {"key", "conversationId"?, "seq"?, "expiresInSeconds"?}}: the same access rule as
 *       {@code GET /v1/media/<key>} (uploader, or a member who was shown it within reach), then a presigned GET that
 *       answers HTTP Range requests (progressive download).</li>
 * </ul>
 */
public final class MediaTransfers implements RouteModule {
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Vertx vertx;
    private final ObjectTransfers s3;
    private final UploadLedger ledger;
    private final UploadPlan.Limits limits;
    private final MediaPolicy policy;
    private final MediaAccess access;
    private final EdgeGuards guards;

    public MediaTransfers(Vertx vertx, ObjectTransfers s3, UploadLedger ledger, UploadPlan.Limits limits,
                          MediaPolicy policy, MediaAccess access, EdgeGuards guards) {
        this.vertx = vertx;
        this.s3 = s3;
        this.ledger = ledger;
        this.limits = limits;
        this.policy = policy;
        this.access = access;
        this.guards = guards;
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.post("/v1/uploads").handler(BodyHandler.create().setBodyLimit(4096)).handler(auth).handler(this::start);
        router.get("/v1/uploads/:uploadId").handler(auth).handler(this::status);
        router.post("/v1/uploads/:uploadId/complete").handler(BodyHandler.create().setBodyLimit(1024)).handler(auth)
                .handler(this::complete);
        router.post("/v1/downloads").handler(BodyHandler.create().setBodyLimit(4096)).handler(auth).handler(this::download);
    }

    private void start(RoutingContext ctx) {
        JsonObject body = json(ctx);
        if (body == null) {
            return;
        }
        BearerAuthentication.device(ctx, device -> {
            FrameLimits.Refusal refused = guards.upload(device.userId(), ctx.request());
            if (refused != null) {
                ctx.response().setStatusCode(429).putHeader("Retry-After",
                        String.valueOf(Math.max(1, (refused.retryAfterMs() + 999) / 1000)));
                ctx.json(new JsonObject().put("error", ErrorCode.RATE_LIMITED.name()).put("message", "more than "
                        + refused.rate().describe() + " uploads (" + refused.setting() + "); retry later")
                        .put("retryAfterMs", refused.retryAfterMs()));
                return;
            }
            UploadPlan plan;
            UploadPlan.Kind kind;
            Integer seconds;
            try {
                kind = UploadPlan.Kind.parse(body.getValue("kind") instanceof String k ? k : body.containsKey("kind") ? "?" : null);
                if (!(body.getValue("bytes") instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                    HttpErrors.send(ctx, 400, ErrorCode.MISSING_FIELD, "bytes (the object's size) is required");
                    return;
                }
                plan = UploadPlan.of(((Number) body.getValue("bytes")).longValue(), kind, limits);
                seconds = expiry(body);
            } catch (IllegalArgumentException e) {
                HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, e.getMessage());
                return;
            } catch (UploadPlan.Refused r) {
                HttpErrors.send(ctx, r.tooLarge() ? 413 : 400,
                        r.tooLarge() ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.INVALID_FIELD, r.getMessage());
                return;
            }
            String contentType = policy.safeContentType(body.getValue("contentType") instanceof String c ? c : null);
            String key = MediaKeys.newKey(device.userId());
            String uploadId = key.substring(key.lastIndexOf('/') + 1);
            ledger.used(device.userId()).compose(used -> {
                if (!plan.fits(used, limits)) {
                    return Future.failedFuture(new ProtocolException(ErrorCode.QUOTA_EXCEEDED, "this upload would take"
                            + " your media past " + limits.quotaBytes() + " bytes (" + used + " held)", null));
                }
                Future<String> s3UploadId = plan.multipart()
                        ? Future.fromCompletionStage(s3.startMultipart(key, contentType), vertx.getOrCreateContext()) : Future.succeededFuture(null);
                return s3UploadId.compose(id -> {
                    UploadLedger.Upload u = new UploadLedger.Upload(device.userId(), uploadId, key, kind, plan.bytes(),
                            plan.partBytes(), id, contentType, false);
                    return ledger.start(u).map(v -> u);
                });
            }).onSuccess(u -> ctx.response().setStatusCode(201).end(describe(u, plan, List.of(), seconds).encode()))
                    .onFailure(err -> refuse(ctx, err, "upload not started"));
        });
    }

    private void status(RoutingContext ctx) {
        withUpload(ctx, (device, u) -> {
            UploadPlan plan = planOf(u);
            Integer seconds = null;
            Future<List<ObjectTransfers.Part>> held = u.s3UploadId() == null || u.completed()
                    ? Future.succeededFuture(List.of()) : Future.fromCompletionStage(s3.parts(u.key(), u.s3UploadId()), vertx.getOrCreateContext());
            held.onSuccess(parts -> ctx.json(describe(u, plan, parts, seconds)))
                    .onFailure(err -> refuse(ctx, err, "upload not read"));
        });
    }

    private void complete(RoutingContext ctx) {
        withUpload(ctx, (device, u) -> {
            UploadPlan plan = planOf(u);
            Future<Void> joined;
            if (u.completed()) {
                joined = Future.succeededFuture();
            } else if (u.s3UploadId() == null) {
                joined = Future.fromCompletionStage(s3.size(u.key()), vertx.getOrCreateContext()).compose(size -> size.isPresent() && size.get() == u.bytes()
                        ? Future.succeededFuture() : Future.failedFuture(incomplete("the object is "
                        + size.map(s -> s + " bytes").orElse("not uploaded yet") + ", not the declared " + u.bytes())));
            } else {
                joined = Future.fromCompletionStage(s3.parts(u.key(), u.s3UploadId()), vertx.getOrCreateContext()).compose(parts -> {
                    Map<Integer, ObjectTransfers.Part> byNumber = new HashMap<>();
                    parts.forEach(p -> byNumber.put(p.number(), p));
                    for (int n = 1; n <= plan.parts(); n++) {
                        ObjectTransfers.Part p = byNumber.get(n);
                        if (p == null || p.size() != plan.partSize(n)) {
                            return Future.failedFuture(incomplete("part " + n + " of " + plan.parts() + " is "
                                    + (p == null ? "missing" : p.size() + " bytes, not " + plan.partSize(n))));
                        }
                    }
                    List<ObjectTransfers.Part> ordered = new java.util.ArrayList<>();
                    for (int n = 1; n <= plan.parts(); n++) {
                        ordered.add(byNumber.get(n));
                    }
                    return Future.fromCompletionStage(s3.completeMultipart(u.key(), u.s3UploadId(), ordered), vertx.getOrCreateContext());
                });
            }
            joined.compose(v -> u.completed() ? Future.succeededFuture() : ledger.completed(u.userId(), u.uploadId()))
                    .onSuccess(v -> ctx.json(new JsonObject().put("key", u.key()).put("bytes", u.bytes())))
                    .onFailure(err -> refuse(ctx, err, "upload not completed"));
        });
    }

    private void download(RoutingContext ctx) {
        JsonObject body = json(ctx);
        if (body == null) {
            return;
        }
        BearerAuthentication.device(ctx, device -> {
            String key = body.getValue("key") instanceof String k ? k : null;
            Optional<String> owner = MediaKeys.owner(key);
            if (owner.isEmpty()) {
                HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "key must be media/<userId>/<uuid> as an"
                        + " upload returned it");
                return;
            }
            String conversationId = body.getValue("conversationId") instanceof String c ? c : null;
            Long seq = body.getValue("seq") instanceof Number n ? n.longValue() : null;
            Integer seconds;
            try {
                seconds = expiry(body);
            } catch (IllegalArgumentException e) {
                HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, e.getMessage());
                return;
            }
            if (conversationId != null && !org.parley.schemas.Conversations.isValid(conversationId)
                    || seq != null && (seq < 1 || conversationId == null)) {
                HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "conversationId must be dm:<a>:<b> or g:<id>;"
                        + " seq a positive integer given with it");
                return;
            }
            String uploadId = key.substring(key.lastIndexOf('/') + 1);
            access.check(device.userId(), key, conversationId, seq)
                    .compose(v -> Future.all(Future.fromCompletionStage(s3.size(key), vertx.getOrCreateContext()), ledger.find(owner.get(), uploadId)))
                    .compose(all -> ((Optional<?>) all.resultAt(0)).isPresent() ? Future.succeededFuture(all)
                            : ledger.swept(key).compose(swept -> swept.isEmpty() ? Future.succeededFuture(all)
                            : Future.failedFuture(gone(swept.get()))))
                    .onSuccess(all -> {
                        Optional<Long> size = all.resultAt(0);
                        Optional<UploadLedger.Upload> upload = all.resultAt(1);
                        if (size.isEmpty()) {
                            HttpErrors.send(ctx, 404, ErrorCode.TARGET_UNKNOWN, "no such media object");
                            return;
                        }
                        int s = seconds == null ? limits.presignSeconds() : seconds;
                        String type = upload.map(UploadLedger.Upload::contentType).orElse("application/octet-stream");
                        ctx.json(new JsonObject().put("url", s3.presignGet(key, type, s)).put("bytes", size.get())
                                .put("contentType", type).put("expiresAt", Instant.now().plusSeconds(s).toEpochMilli()));
                    })
                    .onFailure(err -> refuse(ctx, err, "download not prepared"));
        });
    }

    private JsonObject describe(UploadLedger.Upload u, UploadPlan plan, List<ObjectTransfers.Part> held, Integer seconds) {
        int s = seconds == null ? limits.presignSeconds() : seconds;
        JsonObject out = new JsonObject().put("uploadId", u.uploadId()).put("key", u.key()).put("kind", u.kind().wire())
                .put("bytes", u.bytes()).put("contentType", u.contentType()).put("completed", u.completed())
                .put("expiresAt", Instant.now().plusSeconds(s).toEpochMilli());
        if (u.completed()) {
            return out;
        }
        if (!plan.multipart()) {
            return out.put("url", s3.presignPut(u.key(), s));
        }
        Map<Integer, ObjectTransfers.Part> byNumber = new HashMap<>();
        held.forEach(p -> byNumber.put(p.number(), p));
        JsonArray uploaded = new JsonArray();
        JsonArray parts = new JsonArray();
        for (int n = 1; n <= plan.parts(); n++) {
            ObjectTransfers.Part p = byNumber.get(n);
            if (p != null && p.size() == plan.partSize(n)) {
                uploaded.add(new JsonObject().put("partNumber", n).put("size", p.size()));
            } else {
                parts.add(new JsonObject().put("partNumber", n).put("size", plan.partSize(n))
                        .put("url", s3.presignPart(u.key(), u.s3UploadId(), n, s)));
            }
        }
        return out.put("partBytes", plan.partBytes()).put("uploaded", uploaded).put("parts", parts);
    }

    private UploadPlan planOf(UploadLedger.Upload u) {
        long parts = u.s3UploadId() == null ? 1 : (u.bytes() + u.partBytes() - 1) / u.partBytes();
        return new UploadPlan(u.bytes(), u.partBytes(), (int) parts);
    }

    private Integer expiry(JsonObject body) {
        Object v = body.getValue("expiresInSeconds");
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n) || n.longValue() < 1 || n.longValue() > limits.presignSeconds()) {
            throw new IllegalArgumentException("expiresInSeconds must be 1.." + limits.presignSeconds());
        }
        return n.intValue();
    }

    /** The sweeper removed the object: 410 MEDIA_GONE saying when and why (docs/media.md, "Lifecycle"). */
    private static ProtocolException gone(UploadLedger.Swept swept) {
        String why = "orphan".equals(swept.reason()) ? "no message referenced it within media.orphan-upload-ttl-hours"
                : "every message referencing it was deleted for everyone, media.retention-after-last-reference-days"
                        + " before";
        return new ProtocolException(ErrorCode.MEDIA_GONE, "the media object was removed on " + swept.at() + ": " + why,
                null);
    }

    private static ProtocolException incomplete(String message) {
        return new ProtocolException(ErrorCode.UPLOAD_INCOMPLETE, message, null);
    }

    private void withUpload(RoutingContext ctx, java.util.function.BiConsumer<DeviceDirectory.Device, UploadLedger.Upload> then) {
        String uploadId = ctx.pathParam("uploadId");
        if (uploadId == null || !UPLOAD_ID.matcher(uploadId).matches()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "uploadId must be the id POST /v1/uploads returned");
            return;
        }
        BearerAuthentication.device(ctx, device -> ledger.find(device.userId(), uploadId).onComplete(ar -> {
            if (ar.failed()) {
                refuse(ctx, ar.cause(), "upload not read");
            } else if (ar.result().isEmpty()) {
                HttpErrors.send(ctx, 404, ErrorCode.UPLOAD_UNKNOWN, "no upload " + uploadId + " of yours");
            } else {
                then.accept(device, ar.result().get());
            }
        }));
    }

    private static void refuse(RoutingContext ctx, Throwable err, String what) {
        if (err instanceof ProtocolException p) {
            int status = switch (p.code()) {
                case QUOTA_EXCEEDED, PAYLOAD_TOO_LARGE -> 413;
                case UPLOAD_INCOMPLETE -> 409;
                case MEDIA_GONE -> 410;
                case NOT_A_MEMBER -> 403;
                case UPLOAD_UNKNOWN -> 404;
                case UNAVAILABLE -> 503;
                default -> 400;
            };
            HttpErrors.send(ctx, status, p.code(), p.getMessage());
        } else {
            Failures.http(ctx, err, what, "retry");
        }
    }

    private static JsonObject json(RoutingContext ctx) {
        try {
            JsonObject body = ctx.body().asJsonObject();
            if (body == null) {
                throw new IllegalArgumentException();
            }
            return body;
        } catch (RuntimeException e) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "the body must be a JSON object");
            return null;
        }
    }

}
