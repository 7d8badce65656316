package org.parley.edge.devices;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.DeviceTokens;
import org.parley.edge.http.Failures;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.identity.IdentityRegistration;
import org.parley.edge.log.ActionLog;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FieldBounds;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.edge.session.ConnectedDevices;
import org.parley.events.DeviceRecord;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's devices over HTTP: the primary is registered with proof of an identifier ({@code POST /v1/registration/code},
 * then {@code POST /v1/devices}: {@link IdentityRegistration}); companions are
 * linked by the primary ({@code POST /v1/devices/link}), at most {@code devices.max-companions}; a device is unlinked
 * by itself or the primary ({@code DELETE /v1/devices/{id}}), which revokes its token at once; unlinking the primary
 * unlinks every device of the user. {@code GET /v1/devices} lists them. Each link and unlink is announced in the
 * user's one-to-one conversations ({@code DEVICE_LINKED}/{@code DEVICE_UNLINKED} events), so peers see every change of
 * the device list.
 */
public class DeviceRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistration.class);
    /** Close code of a connection whose device was unlinked. */
    public static final short UNLINKED = 4003;

    private final ActionLog log;
    private final EdgeReadModel readModel;
    private final DeviceSlotStore slots;
    private final ConnectedDevices connected;
    private final int maxCompanions;
    private final IdentityRegistration identity;
    /** A link id: 128 random bits or more, base64url without padding (the companion chose it). */
    private static final java.util.regex.Pattern LINK_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{22,64}");
    /** The largest sealed provisioning message accepted (base64 in the body); an identity and a token fit in 1 KB. */
    public static final int MAX_PROVISIONING_CHARS = 8192;
    private static final String SEALED = "parley.provisioning";
    private ProvisioningStore provisioning;
    private java.time.Duration provisioningTtl = java.time.Duration.ofMinutes(10);
    private java.time.Clock clock = java.time.Clock.systemUTC();
    private java.util.function.BiFunction<String, String, Future<Void>> keysRemoval = (u, d) -> Future.succeededFuture();

    public DeviceRegistration(ActionLog log, EdgeReadModel readModel, DeviceSlotStore slots, ConnectedDevices connected,
                              int maxCompanions, IdentityRegistration identity) {
        this.identity = identity;
        this.log = log;
        this.readModel = readModel;
        this.slots = slots;
        this.connected = connected;
        this.maxCompanions = maxCompanions;
    }

    /** What removes a revoked device's keys from the key directory (user id, device id); nothing by default. */
    public DeviceRegistration withKeysRemoval(java.util.function.BiFunction<String, String, Future<Void>> removal) {
        this.keysRemoval = removal;
        return this;
    }

    /** The provisioning relay's store, how long an entry may wait for its companion, and the clock that says so. */
    public DeviceRegistration withProvisioning(ProvisioningStore store, java.time.Duration ttl, java.time.Clock clock) {
        this.provisioning = store;
        this.provisioningTtl = ttl;
        this.clock = clock;
        return this;
    }

    /**
     * {@code PUT /v1/devices/provisioning/{linkId} {"message": "<base64>"}} with the primary's bearer token: leaves the
     * sealed provisioning message (encrypted to the companion's ephemeral key; the server cannot read it) for the
     * companion that showed the link code. {@code 204}; one message per link id ({@code 409 PROVISIONING_EXISTS}).
     * This checks the link id and the message, before the token is looked at.
     */
    public void checkProvisioning(RoutingContext ctx) {
        String linkId = ctx.pathParam("linkId");
        if (provisioning == null || linkId == null || !LINK_ID.matcher(linkId).matches()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "linkId is the link code's id: 22 to 64"
                    + " characters of base64url");
            return;
        }
        JsonObject body;
        try {
            body = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        Object raw = body == null ? null : body.getValue("message");
        byte[] message;
        try {
            message = raw instanceof String s && !s.isEmpty() && s.length() <= MAX_PROVISIONING_CHARS
                    ? java.util.Base64.getDecoder().decode(s) : null;
        } catch (IllegalArgumentException e) {
            message = null;
        }
        if (message == null) {
            HttpErrors.send(ctx, 400, raw == null ? ErrorCode.MISSING_FIELD : ErrorCode.INVALID_FIELD,
                    "message is the sealed provisioning message, base64, at most " + MAX_PROVISIONING_CHARS
                            + " characters");
            return;
        }
        ctx.put(SEALED, message);
        ctx.next();
    }

    /** The provisioning message {@link #checkProvisioning} accepted, left for the companion; primary only. */
    public void putProvisioning(RoutingContext ctx) {
        String linkId = ctx.pathParam("linkId");
        byte[] sealed = ctx.get(SEALED);
        asPrimary(ctx, "leaves provisioning messages", device -> provisioning.put(linkId,
                new ProvisioningStore.Entry(device.userId(), sealed, clock.instant().plus(provisioningTtl)))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        unavailable(ctx, ar.cause());
                    } else if (!ar.result()) {
                        HttpErrors.send(ctx, 409, ErrorCode.PROVISIONING_EXISTS, "this link code was used"
                                + " already: the new device shows a new one");
                    } else {
                        ctx.response().setStatusCode(204).end();
                    }
                }));
    }

    /**
     * {@code GET /v1/devices/provisioning/{linkId}}, without a token (the new device has none yet; the link id, 128
     * random bits only it and the primary know, is its one-time credential): the sealed message, once.
     * {@code 404 PROVISIONING_UNKNOWN} before the primary put it (poll), after it was taken, or after it expired.
     */
    public void takeProvisioning(RoutingContext ctx) {
        String linkId = ctx.pathParam("linkId");
        if (provisioning == null || linkId == null || !LINK_ID.matcher(linkId).matches()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "linkId is the link code's id: 22 to 64"
                    + " characters of base64url");
            return;
        }
        provisioning.take(linkId).onComplete(ar -> {
            if (ar.failed()) {
                unavailable(ctx, ar.cause());
            } else if (ar.result().isEmpty() || !clock.instant().isBefore(ar.result().get().expiresAt())) {
                HttpErrors.send(ctx, 404, ErrorCode.PROVISIONING_UNKNOWN, "no provisioning message for this"
                        + " link code (not yet, taken already, or expired)");
            } else {
                ctx.json(new JsonObject().put("userId", ar.result().get().userId())
                        .put("message", java.util.Base64.getEncoder().encodeToString(ar.result().get().message())));
            }
        });
    }

    /** {@code POST /v1/registration/code {"identifier"}}: sends a one-time code to a phone number or e-mail address. */
    public void requestCode(RoutingContext ctx) {
        identity.requestCode(ctx);
    }

    /**
     * {@code POST /v1/devices {"identifier", "code", "userId"?}}: a primary device for the user bound to the proven
     * identifier (a new user on its first proof). Re-registering replaces every device the user had (its lost phone
     * and the companions that phone linked), hides the history from before, and tells its conversations.
     */
    public void registerPrimary(RoutingContext ctx) {
        JsonObject body = IdentityRegistration.body(ctx);
        if (body == null) {
            return;
        }
        identity.prove(ctx, body).onSuccess(proof -> proof.ifPresent(p -> {
            String userId = p.userId();
            String deviceId = UUID.randomUUID().toString();
            Instant now = Instant.now();
            // The bound comes before the device exists: no device of the new owner ever reads what came before.
            Future<Void> ready = p.reRegistration()
                    ? identity.historyFrom(userId, now).compose(v -> revokeAll(userId, DeviceSlots.PRIMARY))
                    : Future.succeededFuture();
            ready.compose(v -> slots.claim(userId, DeviceSlots.PRIMARY, deviceId, now)).onComplete(claimed -> {
                if (claimed.failed()) {
                    unavailable(ctx, claimed.cause());
                } else if (!claimed.result()) {
                    HttpErrors.send(ctx, 409, ErrorCode.PRIMARY_EXISTS, "another registration of " + userId
                            + " took the primary slot at the same moment; request a new code and retry");
                } else {
                    // A companion the old primary linked while this ran goes too.
                    Future<Void> alone = p.reRegistration() ? revokeAll(userId, DeviceSlots.PRIMARY + 1)
                            : Future.succeededFuture();
                    alone.compose(v -> save(userId, DeviceSlots.PRIMARY, deviceId, now)).compose(token -> (p.reRegistration()
                            ? identity.announce(userId, deviceId) : Future.succeededFuture(0)).map(n -> token))
                            .onComplete(ar -> answer(ctx, ar, userId, DeviceSlots.PRIMARY, deviceId,
                                    json -> json.put("reRegistered", p.reRegistration())));
                }
            });
        }));
    }

    /** Every device of the user in slot {@code from} or above goes, the primary last (as when it unlinks itself). */
    private Future<Void> revokeAll(String userId, int from) {
        return slots.slots(userId).compose(all -> {
            Future<Void> done = Future.succeededFuture();
            for (DeviceSlots.Slot s : all.stream().filter(x -> x.slot() >= from).sorted((a, b) -> b.slot() - a.slot()).toList()) {
                done = done.compose(v -> revoke(userId, s));
            }
            return done;
        });
    }

    /** {@code POST /v1/devices/link} with the primary's bearer token: a new companion device of the same user. */
    public void link(RoutingContext ctx) {
        authenticated(ctx).onSuccess(caller -> caller.ifPresent(device -> slots.slots(device.userId()).onComplete(ar -> {
            if (ar.failed()) {
                unavailable(ctx, ar.cause());
                return;
            }
            if (!isPrimary(ar.result(), device.deviceId())) {
                HttpErrors.send(ctx, 403, ErrorCode.NOT_PRIMARY, "only the primary device of "
                        + device.userId() + " may link devices");
                return;
            }
            String deviceId = UUID.randomUUID().toString();
            Instant now = Instant.now();
            claimCompanionSlot(device.userId(), 1, deviceId, now).onComplete(slot -> {
                if (slot.failed()) {
                    unavailable(ctx, slot.cause());
                } else if (slot.result() == 0) {
                    HttpErrors.send(ctx, 409, ErrorCode.DEVICE_LIMIT, device.userId() + " has "
                            + maxCompanions + " linked devices already (devices.max-companions); unlink one first");
                } else {
                    // The user's peers see the new device (DEVICE_LINKED) before anyone can use it.
                    save(device.userId(), slot.result(), deviceId, now).compose(token -> identity
                            .announceDevice(device.userId(), deviceId, true).map(n -> token))
                            .onComplete(saved -> answer(ctx, saved, device.userId(), slot.result(), deviceId,
                                    json -> json));
                }
            });
        })));
    }

    /** {@code DELETE /v1/devices/{deviceId}}, by the device itself or the user's primary: the id, before the token. */
    public void checkUnlink(RoutingContext ctx) {
        if (!FieldBounds.isDeviceId(ctx.pathParam("deviceId"))) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "deviceId must be a device id as registration"
                    + " returned it (a lower-case UUID)");
            return;
        }
        ctx.next();
    }

    /** The device {@link #checkUnlink} accepted goes, if the caller is that device or the user's primary. */
    public void unlink(RoutingContext ctx) {
        String target = ctx.pathParam("deviceId");
        authenticated(ctx).onSuccess(caller -> caller.ifPresent(device -> slots.slots(device.userId()).onComplete(ar -> {
            if (ar.failed()) {
                unavailable(ctx, ar.cause());
                return;
            }
            List<DeviceSlots.Slot> all = ar.result();
            Optional<DeviceSlots.Slot> slot = all.stream().filter(s -> s.deviceId().equals(target)).findFirst();
            if (slot.isEmpty()) {
                HttpErrors.send(ctx, 404, ErrorCode.DEVICE_UNKNOWN, "no linked device " + target + " of "
                        + device.userId());
                return;
            }
            if (!target.equals(device.deviceId()) && !isPrimary(all, device.deviceId())) {
                HttpErrors.send(ctx, 403, ErrorCode.NOT_PRIMARY, "a device may unlink itself; only the"
                        + " primary may unlink others");
                return;
            }
            // Without its primary a user has no trusted device left to link from: all go (WhatsApp does the same).
            List<DeviceSlots.Slot> going = slot.get().primary() ? all : List.of(slot.get());
            Future<Void> done = Future.succeededFuture();
            for (DeviceSlots.Slot s : going.stream().sorted((a, b) -> b.slot() - a.slot()).toList()) {
                done = done.compose(v -> revoke(device.userId(), s))
                        .compose(v -> identity.announceDevice(device.userId(), s.deviceId(), false)).mapEmpty();
            }
            done.onComplete(r -> {
                if (r.failed()) {
                    unavailable(ctx, r.cause());
                } else {
                    ctx.response().setStatusCode(204).end();
                }
            });
        })));
    }

    /** {@code PUT /v1/registration-lock {"pin"}}, primary only: re-registrations must then also present the PIN. */
    public void setRegistrationLock(RoutingContext ctx) {
        asPrimary(ctx, "sets its registration lock", device -> identity.setLock(ctx, device.userId()));
    }

    /** {@code DELETE /v1/registration-lock}, primary only. */
    public void removeRegistrationLock(RoutingContext ctx) {
        asPrimary(ctx, "sets its registration lock", device -> identity.removeLock(ctx, device.userId()));
    }

    private void asPrimary(RoutingContext ctx, String what, java.util.function.Consumer<DeviceDirectory.Device> then) {
        authenticated(ctx).onSuccess(caller -> caller.ifPresent(device -> slots.slots(device.userId()).onComplete(ar -> {
            if (ar.failed()) {
                unavailable(ctx, ar.cause());
            } else if (!isPrimary(ar.result(), device.deviceId())) {
                HttpErrors.send(ctx, 403, ErrorCode.NOT_PRIMARY, "only the primary device of "
                        + device.userId() + " " + what);
            } else {
                then.accept(device);
            }
        })));
    }

    /** {@code GET /v1/devices}: the caller's user's devices. */
    public void list(RoutingContext ctx) {
        authenticated(ctx).onSuccess(caller -> caller.ifPresent(device -> slots.slots(device.userId()).onComplete(ar -> {
            if (ar.failed()) {
                unavailable(ctx, ar.cause());
                return;
            }
            JsonArray items = new JsonArray();
            ar.result().forEach(s -> items.add(new JsonObject().put("deviceId", s.deviceId()).put("primary", s.primary())
                    .put("registeredAt", s.registeredAt() == null ? null : s.registeredAt().toEpochMilli())));
            ctx.json(new JsonObject().put("userId", device.userId()).put("devices", items)
                    .put("maxCompanions", maxCompanions));
        })));
    }

    /** The revoked record goes to the log (edges close its connection, the fan-out drops it), then to CQL (401 from now). */
    private Future<Void> revoke(String userId, DeviceSlots.Slot slot) {
        return readModel.device(slot.deviceId()).compose(found -> {
            DeviceRecord revoked = DeviceRecord.newBuilder().setDeviceId(slot.deviceId()).setUserId(userId)
                    .setTokenHash(found.map(DeviceDirectory.Device::tokenHash).orElse(""))
                    .setRegisteredAt(slot.registeredAt() == null ? Instant.now() : slot.registeredAt())
                    .setRevoked(true).setPrimary(slot.primary()).build();
            return log.register(revoked).compose(v -> readModel.saveDevice(revoked));
        }).compose(v -> keysRemoval.apply(userId, slot.deviceId())) // before the slot goes: never a linked device without keys
                .compose(v -> slots.release(userId, slot.slot(), slot.deviceId())).onSuccess(v -> {
            LOG.info("device {} of {} unlinked", slot.deviceId(), userId);
            connected.find(slot.deviceId()).ifPresent(c -> c.close(UNLINKED, "device unlinked"));
        });
    }

    /** The first free companion slot from {@code slot} on, claimed; 0 if all are taken. */
    private Future<Integer> claimCompanionSlot(String userId, int slot, String deviceId, Instant at) {
        if (slot > maxCompanions) {
            return Future.succeededFuture(0);
        }
        return slots.claim(userId, slot, deviceId, at)
                .compose(won -> won ? Future.succeededFuture(slot) : claimCompanionSlot(userId, slot + 1, deviceId, at));
    }

    /**
     * The log first (the fan-out learns the device from it), then the read model, so the device can connect at once;
     * the new token. Nothing usable is left behind on failure: the slot is freed again.
     */
    private Future<String> save(String userId, int slot, String deviceId, Instant at) {
        String token = DeviceTokens.newToken(deviceId);
        DeviceRecord record = DeviceRecord.newBuilder().setDeviceId(deviceId).setUserId(userId)
                .setTokenHash(DeviceTokens.hash(token)).setRegisteredAt(at).setRevoked(false)
                .setPrimary(slot == DeviceSlots.PRIMARY).build();
        return log.register(record).compose(v -> readModel.saveDevice(record)).map(v -> token).onFailure(err ->
                slots.release(userId, slot, deviceId));
    }

    private void answer(RoutingContext ctx, io.vertx.core.AsyncResult<String> saved, String userId, int slot,
                        String deviceId, java.util.function.UnaryOperator<JsonObject> extra) {
        if (saved.failed()) {
            unavailable(ctx, saved.cause());
        } else {
            ctx.response().setStatusCode(201);
            ctx.json(extra.apply(new JsonObject().put("userId", userId).put("deviceId", deviceId)
                    .put("token", saved.result()).put("primary", slot == DeviceSlots.PRIMARY)));
        }
    }

    /** The caller's device, which the route's {@link BearerAuthentication} checked. */
    private static Future<Optional<DeviceDirectory.Device>> authenticated(RoutingContext ctx) {
        return Future.succeededFuture(Optional.of(BearerAuthentication.device(ctx)));
    }

    private static boolean isPrimary(List<DeviceSlots.Slot> slots, String deviceId) {
        return slots.stream().anyMatch(s -> s.primary() && s.deviceId().equals(deviceId));
    }

    private static void unavailable(RoutingContext ctx, Throwable cause) {
        Failures.http(ctx, cause, "device registry not changed", "nothing changed, retry");
    }
}
