package org.parley.edge.devices;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import org.parley.projections.DeviceSlots;

/** A user's device slots (0 = primary, 1..N = companions); claims are atomic. Futures complete on the caller's context. */
public interface DeviceSlotStore {
    /** True if the device now holds the slot, false if another device holds it. */
    Future<Boolean> claim(String userId, int slot, String deviceId, Instant registeredAt);

    Future<Void> release(String userId, int slot, String deviceId);

    Future<List<DeviceSlots.Slot>> slots(String userId);
}
