package org.parley.client.crypto;

import java.util.Objects;
import org.signal.libsignal.protocol.SignalProtocolAddress;

/**
 * A Parley device as libsignal sees it. Parley device ids are UUIDs, and libsignal's device numbers are small integers
 * (1..127), so the address name carries both the user and the device, and the device number is always 1. User ids
 * never hold a '/' (docs/protocol.md), so the name splits back unambiguously.
 */
public record DeviceAddress(String userId, String deviceId) {
    /** The libsignal device number of every Parley device: the device is in the name. */
    public static final int SIGNAL_DEVICE_ID = 1;

    public DeviceAddress {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        if (userId.isEmpty() || userId.contains("/") || deviceId.isEmpty()) {
            throw new IllegalArgumentException("not a device address: " + userId + "/" + deviceId);
        }
    }

    public SignalProtocolAddress signal() {
        return new SignalProtocolAddress(userId + "/" + deviceId, SIGNAL_DEVICE_ID);
    }

    public static DeviceAddress of(SignalProtocolAddress address) {
        String name = address.getName();
        int slash = name.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a Parley device address: " + name);
        }
        return new DeviceAddress(name.substring(0, slash), name.substring(slash + 1));
    }
}
