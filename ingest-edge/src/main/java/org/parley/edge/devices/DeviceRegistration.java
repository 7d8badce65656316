package org.parley.edge.devices;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.parley.edge.DeviceTokens;
import org.parley.edge.EdgeVerticle;
import org.parley.edge.Failures;
import org.parley.edge.log.ActionLog;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FieldBounds;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.edge.session.ConnectedDevices;
import org.parley.events.DeviceRecord;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceSlots;
import org.parley.schemas.Conversations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's devices over HTTP: the first registration is the primary ({@code POST /v1/devices}); companions are
 * linked by the primary ({@code POST /v1/devices/link}), at most {@code devices.max-companions}; a device is unlinked
 * by itself or the primary ({@code DELETE /v1/devices/{id}}), which revokes its token at once; unlinking the primary
 * unlinks every device of the user. {@code GET /v1/devices} lists them.
 */
public class DeviceRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistration.class);
    /** Close code of a connection whose device was unlinked. */
    public static final short UNLINKED = 4003;

    private final ActionLog log;
    private final EdgeReadModel readModel;
    private final DeviceSlotStore slots;
    private final DeviceTokens tokens;
    private final ConnectedDevices connected;
    private final int maxCompanions;

    public DeviceRegistration(ActionLog log, EdgeReadModel readModel, DeviceSlotStore slots, ConnectedDevices connected,
                              int maxCompanions) {
        this.log = log;
        this.readModel = readModel;
        this.slots = slots;
        this.tokens = new DeviceTokens(readModel);
        this.connected = connected;
        this.maxCompanions = maxCompanions;
    }

    /** {@code POST /v1/devices {"userId"}}: the user's first device, which becomes the primary. */
    public void registerPrimary(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            EdgeVerticle.httpError(ctx, 400, ErrorCode.BAD_FRAME, "body must be a JSON object like {\"userId\":\"alice\"}");
            return;
        }
        Object user = body == null ? null : body.getValue("userId");
        if (!(user instanceof String userId) || !Conversations.USER_ID.matcher(userId).matches()) {
            EdgeVerticle.httpError(ctx, 400, ErrorCode.INVALID_FIELD, "userId must be 1-64 of [A-Za-z0-9_.-],"
                    + " starting with a letter or digit");
            return;
        }
        String deviceId = UUID.randomUUID().toString();
        Instant now = Instant.now();
        slots.claim(userId, DeviceSlots.PRIMARY, deviceId, now).onComplete(claimed -> {
            if (claimed.failed()) {
                unavailable(ctx, claimed.cause());
            } else if (!claimed.result()) {
                EdgeVerticle.httpError(ctx, 409, ErrorCode.PRIMARY_EXISTS, "user " + userId + " has a primary device"
                        + " already; link this device from it with POST /v1/devices/link (its bearer token)");
            } else {
                store(ctx, userId, DeviceSlots.PRIMARY, deviceId, now);
            }
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
                EdgeVerticle.httpError(ctx, 403, ErrorCode.NOT_PRIMARY, "only the primary device of "
                        + device.userId() + " may link devices");
                return;
            }
            String deviceId = UUID.randomUUID().toString();
            Instant now = Instant.now();
            claimCompanionSlot(device.userId(), 1, deviceId, now).onComplete(slot -> {
                if (slot.failed()) {
                    unavailable(ctx, slot.cause());
                } else if (slot.result() == 0) {
                    EdgeVerticle.httpError(ctx, 409, ErrorCode.DEVICE_LIMIT, device.userId() + " has "
                            + maxCompanions + " linked devices already (devices.max-companions); unlink one first");
                } else {
                    store(ctx, device.userId(), slot.result(), deviceId, now);
                }
            });
        })));
    }

    /** {@code DELETE /v1/devices/{deviceId}}, by the device itself or the user's primary. */
    public void unlink(RoutingContext ctx) {
        String target = ctx.pathParam("deviceId");
        if (!FieldBounds.isDeviceId(target)) {
            EdgeVerticle.httpError(ctx, 400, ErrorCode.INVALID_FIELD, "deviceId must be a device id as registration"
                    + " returned it (a lower-case UUID)");
            return;
        }
        authenticated(ctx).onSuccess(caller -> caller.ifPresent(device -> slots.slots(device.userId()).onComplete(ar -> {
            if (ar.failed()) {
                unavailable(ctx, ar.cause());
                return;
            }
            List<DeviceSlots.Slot> all = ar.result();
            Optional<DeviceSlots.Slot> slot = all.stream().filter(s -> s.deviceId().equals(target)).findFirst();
            if (slot.isEmpty()) {
                EdgeVerticle.httpError(ctx, 404, ErrorCode.DEVICE_UNKNOWN, "no linked device " + target + " of "
                        + device.userId());
                return;
            }
            if (!target.equals(device.deviceId()) && !isPrimary(all, device.deviceId())) {
                EdgeVerticle.httpError(ctx, 403, ErrorCode.NOT_PRIMARY, "a device may unlink itself; only the"
                        + " primary may unlink others");
                return;
            }
            // Without its primary a user has no trusted device left to link from: all go (WhatsApp does the same).
            List<DeviceSlots.Slot> going = slot.get().primary() ? all : List.of(slot.get());
            Future<Void> done = Future.succeededFuture();
            for (DeviceSlots.Slot s : going.stream().sorted((a, b) -> b.slot() - a.slot()).toList()) {
                done = done.compose(v -> revoke(device.userId(), s));
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
        }).compose(v -> slots.release(userId, slot.slot(), slot.deviceId())).onSuccess(v -> {
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

    /** The log first (the fan-out learns the device from it), then the read model, so the device can connect at once. */
    private void store(RoutingContext ctx, String userId, int slot, String deviceId, Instant at) {
        String token = DeviceTokens.newToken(deviceId);
        DeviceRecord record = DeviceRecord.newBuilder().setDeviceId(deviceId).setUserId(userId)
                .setTokenHash(DeviceTokens.hash(token)).setRegisteredAt(at).setRevoked(false)
                .setPrimary(slot == DeviceSlots.PRIMARY).build();
        log.register(record).compose(v -> readModel.saveDevice(record)).onComplete(ar -> {
            if (ar.failed()) {
                slots.release(userId, slot, deviceId); // nothing usable was created: free the slot again
                unavailable(ctx, ar.cause());
            } else {
                ctx.response().setStatusCode(201);
                ctx.json(new JsonObject().put("userId", userId).put("deviceId", deviceId).put("token", token)
                        .put("primary", slot == DeviceSlots.PRIMARY));
            }
        });
    }

    /** The caller's device, or empty after answering 401/503. */
    private Future<Optional<DeviceDirectory.Device>> authenticated(RoutingContext ctx) {
        String token = EdgeVerticle.bearer(ctx.request());
        if (token == null) {
            EdgeVerticle.httpError(ctx, 401, null, "missing bearer token: send 'Authorization: Bearer <token>'");
            return Future.succeededFuture(Optional.empty());
        }
        return tokens.authenticate(token).recover(err -> {
            unavailable(ctx, err);
            return Future.failedFuture(err);
        }).map(found -> {
            if (found.isEmpty()) {
                EdgeVerticle.httpError(ctx, 401, null, "invalid or revoked token");
            }
            return found;
        });
    }

    private static boolean isPrimary(List<DeviceSlots.Slot> slots, String deviceId) {
        return slots.stream().anyMatch(s -> s.primary() && s.deviceId().equals(deviceId));
    }

    private static void unavailable(RoutingContext ctx, Throwable cause) {
        Failures.http(ctx, cause, "device registry not changed", "nothing changed, retry");
    }
}
