package org.parley.edge.session;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.events.DeviceDelivery;

/** The devices connected to this edge, one connection per device: a newer connection replaces an older one. */
public class ConnectedDevices {
    private final Map<String, DeviceConnection> byDevice = new ConcurrentHashMap<>();
    /** Signals (typing, presence) address users: their connected devices here, without a scan. */
    private final Map<String, Set<DeviceConnection>> byUser = new ConcurrentHashMap<>();

    /** Registers the connection and returns the one it replaces, if any. */
    public DeviceConnection register(DeviceConnection connection) {
        DeviceConnection replaced = byDevice.put(connection.deviceId(), connection);
        byUser.compute(connection.userId(), (u, set) -> {
            Set<DeviceConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (replaced != null) {
                s.remove(replaced);
            }
            s.add(connection);
            return s;
        });
        return replaced;
    }

    public void unregister(DeviceConnection connection) {
        byDevice.remove(connection.deviceId(), connection);
        byUser.computeIfPresent(connection.userId(), (u, set) -> {
            set.remove(connection);
            return set.isEmpty() ? null : set;
        });
    }

    public Optional<DeviceConnection> find(String deviceId) {
        return Optional.ofNullable(byDevice.get(deviceId));
    }

    /** The user's devices connected to this edge. */
    public List<DeviceConnection> ofUser(String userId) {
        Set<DeviceConnection> set = byUser.get(userId);
        return set == null ? List.of() : List.copyOf(set);
    }

    /** Hands a routed delivery to the device's connection (on its context); deliveries for gone sessions are dropped: they wait in the inbox. */
    public void deliver(DeviceDelivery delivery) {
        DeviceConnection c = byDevice.get(delivery.getDeviceId());
        if (c != null) {
            c.deliver(delivery);
        }
    }

    public int size() {
        return byDevice.size();
    }
}
