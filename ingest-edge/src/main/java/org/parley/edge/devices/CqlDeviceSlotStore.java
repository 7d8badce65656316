package org.parley.edge.devices;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import org.parley.projections.DeviceSlots;

/** {@link DeviceSlotStore} on the CQL {@code device_slots} table. */
public class CqlDeviceSlotStore implements DeviceSlotStore {
    private final Vertx vertx;
    private final DeviceSlots slots;

    public CqlDeviceSlotStore(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.slots = new DeviceSlots(session);
    }

    @Override
    public Future<Boolean> claim(String userId, int slot, String deviceId, Instant registeredAt) {
        return Future.fromCompletionStage(slots.claim(userId, slot, deviceId, registeredAt), vertx.getOrCreateContext());
    }

    @Override
    public Future<Void> release(String userId, int slot, String deviceId) {
        return Future.fromCompletionStage(slots.release(userId, slot, deviceId), vertx.getOrCreateContext());
    }

    @Override
    public Future<List<DeviceSlots.Slot>> slots(String userId) {
        return Future.fromCompletionStage(slots.of(userId), vertx.getOrCreateContext());
    }
}
