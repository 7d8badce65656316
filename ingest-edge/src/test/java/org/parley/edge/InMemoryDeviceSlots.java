package org.parley.edge;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.devices.DeviceSlotStore;
import org.parley.projections.DeviceSlots;

/** Unit-test device slots: the same claim semantics as the CQL lightweight transaction. */
class InMemoryDeviceSlots implements DeviceSlotStore {
    final Map<String, Map<Integer, DeviceSlots.Slot>> byUser = new ConcurrentHashMap<>();

    @Override
    public Future<Boolean> claim(String userId, int slot, String deviceId, Instant registeredAt) {
        return Future.succeededFuture(byUser.computeIfAbsent(userId, k -> new ConcurrentHashMap<>())
                .putIfAbsent(slot, new DeviceSlots.Slot(slot, deviceId, registeredAt)) == null);
    }

    @Override
    public Future<Void> release(String userId, int slot, String deviceId) {
        byUser.getOrDefault(userId, Map.of()).computeIfPresent(slot, (k, s) -> s.deviceId().equals(deviceId) ? null : s);
        return Future.succeededFuture();
    }

    @Override
    public Future<List<DeviceSlots.Slot>> slots(String userId) {
        return Future.succeededFuture(List.copyOf(byUser.getOrDefault(userId, Map.of()).values()));
    }
}
