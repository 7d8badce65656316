package org.parley.edge.devices;

import org.parley.edge.session.ConnectedDevices;
import org.parley.events.DeviceRecord;

/**
 * Closes this edge's connection of a device unlinked through any edge: every edge tails the {@code devices} topic,
 * and a revoked record ends the device's session here at once (close code 4003).
 */
public class RevocationWatcher {
    private final ConnectedDevices connected;

    public RevocationWatcher(ConnectedDevices connected) {
        this.connected = connected;
    }

    /** Called from the devices tail's thread. */
    public void onRecord(DeviceRecord record) {
        if (record.getRevoked()) {
            connected.find(record.getDeviceId())
                    .ifPresent(c -> c.close(DeviceRegistration.UNLINKED, "device unlinked"));
        }
    }
}
