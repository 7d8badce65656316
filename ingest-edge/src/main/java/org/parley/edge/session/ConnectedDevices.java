package org.parley.edge.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.events.DeviceDelivery;

/** The devices connected to this edge, one connection per device: a newer connection replaces an older one. */
public class ConnectedDevices {
    private final Map<String, DeviceConnection> byDevice = new ConcurrentHashMap<>();

    /** Registers the connection and returns the one it replaces, if any. */
    public DeviceConnection register(DeviceConnection connection) {
        return byDevice.put(connection.deviceId(), connection);
    }

    public void unregister(DeviceConnection connection) {
        byDevice.remove(connection.deviceId(), connection);
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
