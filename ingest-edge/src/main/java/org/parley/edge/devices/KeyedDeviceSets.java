package org.parley.edge.devices;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.parley.edge.envelopes.DeviceSets;
import org.parley.projections.DeviceSlots;
import org.parley.projections.keys.KeyDirectory;

/**
 * {@link DeviceSets} from the device slots (written by the edge at link and unlink) and the key directory (written by
 * the edge at upload, removed at unlink): the same rule as the bundle fetch, so a sender that fetched bundles has
 * exactly the set this check expects. Both tables are written before the edge answers the link or upload, so the set
 * lags a device's linking only by what another edge's request is doing at that moment.
 */
public final class KeyedDeviceSets implements DeviceSets {
    private final Vertx vertx;
    private final DeviceSlotStore slots;
    private final KeyDirectory directory;

    public KeyedDeviceSets(Vertx vertx, DeviceSlotStore slots, KeyDirectory directory) {
        this.vertx = vertx;
        this.slots = slots;
        this.directory = directory;
    }

    @Override
    public Future<Set<String>> current(String userId) {
        Future<List<DeviceSlots.Slot>> linked = slots.slots(userId);
        Future<List<KeyDirectory.DeviceKeys>> published = Future.fromCompletionStage(directory.ofUser(userId), vertx.getOrCreateContext());
        return Future.all(linked, published).map(v -> {
            Set<String> now = linked.result().stream().map(DeviceSlots.Slot::deviceId).collect(Collectors.toSet());
            return published.result().stream().filter(k -> k.complete() && now.contains(k.deviceId()))
                    .map(KeyDirectory.DeviceKeys::deviceId).collect(Collectors.toUnmodifiableSet());
        });
    }
}
