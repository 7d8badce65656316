package org.parley.client;

import java.io.IOException;

/**
 * A bundle of a device its user's identity did not authorise (not the primary, and no grant that verifies: docs/e2e.md
 * "Device grants"): nothing was sent to any device of that user. Show the user that a device of the peer could not be
 * verified; the peer's primary can unlink it. The SDK fetches the peer's bundles again on the next send.
 */
public final class UnauthorisedDeviceException extends IOException {
    private final String userId;
    private final String deviceId;

    public UnauthorisedDeviceException(String userId, String deviceId, String reason) {
        super(reason);
        this.userId = userId;
        this.deviceId = deviceId;
    }

    public String userId() {
        return userId;
    }

    public String deviceId() {
        return deviceId;
    }
}
