package org.parley.edge.envelopes;

import org.parley.config.Settings;

/**
 * Bounds of a {@code send} with per-device envelopes (docs/protocol.md): at most {@code maxEnvelopes} envelopes, each
 * body at most {@code maxEnvelopeBytes} decoded. The count must cover every device of the recipient and every other
 * device of the sender: 2 × (1 + devices.max-companions) − 1.
 */
public record EnvelopeLimits(int maxEnvelopes, int maxEnvelopeBytes) {
    public static EnvelopeLimits defaults(int maxPayloadBytes) {
        return new EnvelopeLimits(10, maxPayloadBytes + 4096);
    }

    public static EnvelopeLimits from(Settings s) {
        int maxDevices = 1 + s.getInt("devices.max-companions");
        EnvelopeLimits limits = new EnvelopeLimits(s.getInt("edge.max-envelopes"), s.getInt("edge.max-envelope-bytes"));
        if (limits.maxEnvelopes() < 2 * maxDevices - 1) {
            throw new IllegalStateException("setting 'edge.max-envelopes' (" + limits.maxEnvelopes() + ") must be at"
                    + " least " + (2 * maxDevices - 1) + ": every device of the recipient and every other device of the"
                    + " sender (devices.max-companions = " + (maxDevices - 1) + ")");
        }
        if (limits.maxEnvelopeBytes() < 1) {
            throw new IllegalStateException("setting 'edge.max-envelope-bytes' must be positive");
        }
        return limits;
    }
}
