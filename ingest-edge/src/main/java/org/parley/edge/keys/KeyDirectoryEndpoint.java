package org.parley.edge.keys;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.parley.config.Settings;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.devices.DeviceSlotStore;
import org.parley.edge.http.Failures;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.http.RouteModule;
import org.parley.edge.limits.EdgeGuards;
import org.parley.edge.limits.FrameLimits;
import org.parley.edge.log.KeyLog;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FieldBounds;
import org.parley.edge.session.DeviceConnection;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.KeyFactKind;
import org.parley.events.OneTimePublicPreKey;
import org.parley.events.SignedPublicPreKey;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceSlots;
import org.parley.projections.keys.KeyDirectory;
import org.parley.schemas.Conversations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end key directory over HTTP (docs/protocol.md, "Keys"):
 * {@code PUT /v1/keys} publishes the caller's device's keys ({@link PreKeyUpload}), {@code GET /v1/keys} tells it its
 * stock, {@code GET /v1/keys/{userId}[?deviceId=]} hands out one bundle per current device of the user, each with a
 * one-time prekey claimed at most once (or none: the last resort). Every change is a {@link KeyDirectoryFact} in the
 * log first (answered once Kafka acked it), then written to CQL by this edge (read-your-writes) and by the projection
 * writer (the same rows). Fetches count against limits.user.keys / limits.address.keys.
 */
public final class KeyDirectoryEndpoint implements RouteModule {
    private static final Logger LOG = LoggerFactory.getLogger(KeyDirectoryEndpoint.class);
    private static final Base64.Encoder B64 = Base64.getEncoder();

    private final Vertx vertx;
    private final KeyDirectory directory;
    private final DeviceSlotStore slots;
    private final KeyLog log;
    private final PreKeyUpload.Limits limits;
    private final int lowThreshold;
    private final EdgeGuards guards;

    public KeyDirectoryEndpoint(Vertx vertx, KeyDirectory directory, DeviceSlotStore slots, KeyLog log,
            PreKeyUpload.Limits limits, int lowThreshold, EdgeGuards guards) {
        this.vertx = vertx;
        this.guards = guards;
        this.directory = directory;
        this.slots = slots;
        this.log = log;
        this.limits = limits;
        this.lowThreshold = lowThreshold;
    }

    public static PreKeyUpload.Limits limits(Settings s) {
        int perRequest = s.getInt("keys.max-one-time-prekeys-per-request");
        int perDevice = s.getInt("keys.max-one-time-prekeys");
        if (perRequest < 1 || perDevice < perRequest) {
            throw new IllegalStateException("settings 'keys.max-one-time-prekeys-per-request' must be >= 1 and"
                    + " 'keys.max-one-time-prekeys' at least as large");
        }
        return new PreKeyUpload.Limits(perRequest, perDevice);
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        // A full upload: 100 one-time keys (~60 bytes of JSON each) and a Kyber key (~2.1 KB in base64).
        router.put("/v1/keys").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(auth).handler(this::upload);
        router.get("/v1/keys").handler(auth).handler(this::status);
        router.get("/v1/keys/:userId").handler(auth).handler(this::fetch);
    }

    /** A device just connected: tell it at once if its stock is low (it may have been offline while it ran low). */
    public void onConnected(DeviceConnection connection) {
        directory.device(connection.userId(), connection.deviceId()).thenCompose(keys -> keys.isEmpty()
                ? java.util.concurrent.CompletableFuture.completedFuture(-1)
                : directory.count(connection.deviceId())).whenComplete((n, err) -> {
                    if (err != null) {
                        LOG.debug("key stock of {} not checked: {}", connection.deviceId(), err.toString());
                    } else if (n >= 0 && n < lowThreshold) {
                        connection.push(KeysLowNotifier.frame(n));
                    }
                });
    }

    private void upload(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "the body must be a JSON object");
            return;
        }
        JsonObject request = body;
        BearerAuthentication.device(ctx, device -> {
            Future<Optional<KeyDirectory.DeviceKeys>> published = on(directory.device(device.userId(), device.deviceId()));
            Future<Integer> stocked = on(directory.count(device.deviceId()));
            Future.all(published, stocked).compose(v -> {
                PreKeyUpload.Checked checked;
                KeyDirectory.Grant grant;
                try {
                    checked = PreKeyUpload.check(request, published.result(), stocked.result(), limits);
                    grant = PreKeyUpload.grant(request, device.userId(), device.deviceId(), checked, published.result());
                } catch (PreKeyUpload.Refused r) {
                    HttpErrors.send(ctx, r.status(), r.code(), r.getMessage());
                    return Future.succeededFuture();
                }
                KeyDirectoryFact fact = uploaded(device, checked, grant);
                return log.append(fact).compose(x -> on(directory.write(fact)))
                        .compose(x -> on(directory.count(device.deviceId())))
                        .onSuccess(n -> ctx.json(new JsonObject().put("oneTimePreKeys", n))).mapEmpty();
            }).onFailure(err -> Failures.http(ctx, err, "keys not stored", "nothing changed, retry"));
        });
    }

    private void status(RoutingContext ctx) {
        BearerAuthentication.device(ctx, device -> {
            Future<Optional<KeyDirectory.DeviceKeys>> published = on(directory.device(device.userId(), device.deviceId()));
            Future<Integer> stocked = on(directory.count(device.deviceId()));
            Future.all(published, stocked).onComplete(ar -> {
                if (ar.failed()) {
                    Failures.http(ctx, ar.cause(), "keys not read", "retry");
                    return;
                }
                Optional<KeyDirectory.DeviceKeys> keys = published.result();
                ctx.json(new JsonObject().put("oneTimePreKeys", stocked.result())
                        .put("signedPreKeyId", keys.map(KeyDirectory.DeviceKeys::signedPreKey).map(KeyDirectory.SignedKey::keyId).orElse(null))
                        .put("kyberLastResortId", keys.map(KeyDirectory.DeviceKeys::kyberPreKey).map(KeyDirectory.SignedKey::keyId).orElse(null)));
            });
        });
    }

    private void fetch(RoutingContext ctx) {
        String userId = ctx.pathParam("userId");
        String only = ctx.request().getParam("deviceId");
        if (userId == null || !Conversations.USER_ID.matcher(userId).matches()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "userId must be a user id (1-64 of"
                    + " [A-Za-z0-9_.-], starting with a letter or digit)");
            return;
        }
        if (only != null && !FieldBounds.isDeviceId(only)) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "deviceId must be a device id as registration"
                    + " returned it (a lower-case UUID)");
            return;
        }
        BearerAuthentication.device(ctx, caller -> {
            FrameLimits.Refusal refused = guards.keyFetch(caller.userId(), ctx.request());
            if (refused != null) {
                ctx.response().setStatusCode(429).putHeader("Retry-After",
                        String.valueOf(Math.max(1, (refused.retryAfterMs() + 999) / 1000)));
                ctx.json(new JsonObject().put("error", ErrorCode.RATE_LIMITED.name())
                        .put("message", "more than " + refused.rate().describe() + " key bundle fetches ("
                                + refused.setting() + "); retry later").put("retryAfterMs", refused.retryAfterMs()));
                return;
            }
            Future<List<DeviceSlots.Slot>> current = slots.slots(userId);
            Future<List<KeyDirectory.DeviceKeys>> published = on(directory.ofUser(userId));
            Future.all(current, published).compose(v -> {
                // Only devices linked now: an unlinked device's keys are removed, and never served meanwhile.
                Set<String> linked = current.result().stream().map(DeviceSlots.Slot::deviceId).collect(Collectors.toSet());
                Set<String> primary = current.result().stream().filter(DeviceSlots.Slot::primary)
                        .map(DeviceSlots.Slot::deviceId).collect(Collectors.toSet());
                List<KeyDirectory.DeviceKeys> devices = published.result().stream()
                        .filter(d -> linked.contains(d.deviceId()) && d.complete())
                        .filter(d -> only == null || only.equals(d.deviceId())).toList();
                List<Future<JsonObject>> bundles = new ArrayList<>();
                for (KeyDirectory.DeviceKeys d : devices) {
                    bundles.add(bundle(d).map(b -> withGrant(b, d, primary.contains(d.deviceId()))));
                }
                return Future.all(bundles).map(all -> {
                    JsonArray out = new JsonArray();
                    bundles.forEach(b -> out.add(b.result()));
                    return out;
                });
            }).onComplete(ar -> {
                if (ar.failed()) {
                    Failures.http(ctx, ar.cause(), "no key handed out", "retry");
                } else if (ar.result().isEmpty()) {
                    HttpErrors.send(ctx, 404, ErrorCode.NO_KEYS, only == null
                            ? "no device of " + userId + " has published keys"
                            : "device " + only + " of " + userId + " is not linked or has published no keys");
                } else {
                    ctx.json(new JsonObject().put("userId", userId).put("devices", ar.result()));
                }
            });
        });
    }

    /** One device's bundle: a one-time prekey claimed (and the claim in the log) or none left. */
    private Future<JsonObject> bundle(KeyDirectory.DeviceKeys d) {
        Instant at = Instant.now();
        return on(directory.claim(d.deviceId(), at)).compose(claimed -> {
            if (claimed.isEmpty()) {
                return Future.succeededFuture(Optional.<KeyDirectory.OneTimeKey>empty());
            }
            KeyDirectory.OneTimeKey key = claimed.get();
            // The claim is a fact of the log before the key leaves the server: a replay never hands it out again.
            return on(directory.count(d.deviceId())).compose(left -> {
                KeyDirectoryFact fact = KeyDirectoryFact.newBuilder().setKind(KeyFactKind.PREKEY_CLAIMED)
                        .setUserId(d.userId()).setDeviceId(d.deviceId()).setAt(at)
                        .setClaimedKeyId(key.keyId()).setClaimedPublicKey(java.nio.ByteBuffer.wrap(key.publicKey()))
                        .setRemainingOneTimePreKeys(left).build();
                return log.append(fact).compose(v -> on(directory.write(fact)));
            }).map(v -> claimed);
        }).map(claimed -> new JsonObject()
                .put("deviceId", d.deviceId())
                .put("registrationId", d.registrationId())
                .put("identityKey", B64.encodeToString(d.identityKey()))
                .put("signedPreKey", signed(d.signedPreKey()))
                .put("kyberPreKey", signed(d.kyberPreKey()))
                .put("oneTimePreKey", claimed.map(k -> new JsonObject().put("keyId", k.keyId())
                        .put("publicKey", B64.encodeToString(k.publicKey()))).orElse(null)));
    }

    /** The bundle's {@code primary} flag and {@code deviceGrant} (null if the device published none). */
    private static JsonObject withGrant(JsonObject bundle, KeyDirectory.DeviceKeys d, boolean primary) {
        return bundle.put("primary", primary).put("deviceGrant", d.grant() == null ? null : new JsonObject()
                .put("linkKey", B64.encodeToString(d.grant().linkKey()))
                .put("signature", B64.encodeToString(d.grant().signature())));
    }

    private static JsonObject signed(KeyDirectory.SignedKey k) {
        return new JsonObject().put("keyId", k.keyId()).put("publicKey", B64.encodeToString(k.publicKey()))
                .put("signature", B64.encodeToString(k.signature()));
    }

    private static KeyDirectoryFact uploaded(DeviceDirectory.Device device, PreKeyUpload.Checked c,
            KeyDirectory.Grant grant) {
        List<OneTimePublicPreKey> oneTime = c.oneTimePreKeys().stream().map(k -> OneTimePublicPreKey.newBuilder()
                .setKeyId(k.keyId()).setPublicKey(java.nio.ByteBuffer.wrap(k.publicKey())).build()).toList();
        return KeyDirectoryFact.newBuilder().setKind(KeyFactKind.KEYS_UPLOADED).setUserId(device.userId())
                .setDeviceId(device.deviceId()).setAt(Instant.now())
                .setRegistrationId(c.registrationId())
                .setIdentityKey(c.identityKey() == null ? null : java.nio.ByteBuffer.wrap(c.identityKey()))
                .setSignedPreKey(signedFact(c.signedPreKey())).setKyberLastResort(signedFact(c.kyberLastResort()))
                .setOneTimePreKeys(oneTime)
                .setDeviceGrant(grant == null ? null : org.parley.events.DeviceGrant.newBuilder()
                        .setLinkKey(java.nio.ByteBuffer.wrap(grant.linkKey()))
                        .setSignature(java.nio.ByteBuffer.wrap(grant.signature())).build()).build();
    }

    private static SignedPublicPreKey signedFact(KeyDirectory.SignedKey k) {
        return k == null ? null : SignedPublicPreKey.newBuilder().setKeyId(k.keyId())
                .setPublicKey(java.nio.ByteBuffer.wrap(k.publicKey()))
                .setSignature(java.nio.ByteBuffer.wrap(k.signature())).build();
    }

    /** Removes a device's keys (unlink, re-registration): the fact first, then the rows. */
    public Future<Void> remove(String userId, String deviceId) {
        KeyDirectoryFact fact = KeyDirectoryFact.newBuilder().setKind(KeyFactKind.KEYS_REMOVED).setUserId(userId)
                .setDeviceId(deviceId).setAt(Instant.now()).build();
        return log.append(fact).compose(v -> on(directory.write(fact)));
    }

    private <T> Future<T> on(java.util.concurrent.CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
    }
}
