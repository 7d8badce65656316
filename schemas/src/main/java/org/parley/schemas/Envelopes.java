package org.parley.schemas;

import java.util.List;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;

/**
 * Per-device envelopes of end-to-end encrypted one-to-one messages (docs/adr/0011): a conversation event carries one
 * libsignal ciphertext per device it was encrypted for; each device's copy carries only its own.
 */
public final class Envelopes {
    private Envelopes() {
    }

    /**
     * The event as {@code deviceId} may receive it: an encrypted message keeps only that device's envelope (none if it
     * was not encrypted for the device, which it then shows as "waiting for this message"); any other event is
     * returned as it is, without a copy.
     */
    public static ConversationEvent forDevice(ConversationEvent event, String deviceId) {
        if (event == null || !isEncrypted(event)) {
            return event;
        }
        DeviceEnvelope own = own(event, deviceId);
        List<DeviceEnvelope> kept = own == null ? List.of() : List.of(own);
        if (of(event).equals(kept) && event.getEncrypted()) {
            return event;
        }
        return ConversationEvent.newBuilder(event).setEncrypted(true).setEnvelopes(kept).build();
    }

    /** The event's envelopes (none for a plain event: the field is null then). */
    public static List<DeviceEnvelope> of(ConversationEvent event) {
        return event.getEnvelopes() == null ? List.of() : event.getEnvelopes();
    }

    /** An end-to-end encrypted message (sent with envelopes). */
    public static boolean isEncrypted(ConversationEvent event) {
        return event.getEncrypted() || !of(event).isEmpty();
    }

    /** The envelope for {@code deviceId}, or null. */
    public static DeviceEnvelope own(ConversationEvent event, String deviceId) {
        for (DeviceEnvelope e : of(event)) {
            if (e.getDeviceId().equals(deviceId)) {
                return e;
            }
        }
        return null;
    }
}
