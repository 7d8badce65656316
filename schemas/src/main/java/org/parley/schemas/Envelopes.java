package org.parley.schemas;

import java.util.List;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;

/**
 * Per-device envelopes (docs/adr/0011, docs/adr/0012): a conversation event carries one libsignal ciphertext per device
 * it was encrypted for; each device's copy carries only its own. One-to-one, the envelopes are the content (the event is
 * {@code encrypted}, its payload empty). In a group, the content is the one Sender Key ciphertext in the payload, and the
 * envelopes carry the sender's key distribution message to the member devices that did not have it yet (the event is
 * not {@code encrypted}: there is nothing to wait for when a device has no envelope).
 */
public final class Envelopes {
    private Envelopes() {
    }

    /**
     * The event as {@code deviceId} may receive it: an encrypted message keeps only that device's envelope (none if it
     * was not encrypted for the device, which it then shows as "waiting for this message"); any other event is
     * returned as it is, without a copy. A group message with envelopes (key distribution) keeps its payload and only
     * that device's envelope, if any.
     */
    public static ConversationEvent forDevice(ConversationEvent event, String deviceId) {
        if (event == null || !isEncrypted(event) && of(event).isEmpty()) {
            return event;
        }
        boolean encrypted = isEncrypted(event);
        DeviceEnvelope own = own(event, deviceId);
        List<DeviceEnvelope> kept = own == null ? List.of() : List.of(own);
        if (of(event).equals(kept) && event.getEncrypted() == encrypted) {
            return event;
        }
        return ConversationEvent.newBuilder(event).setEncrypted(encrypted).setEnvelopes(kept).build();
    }

    /**
     * The event as the devices of {@code userId} may receive it: only the envelopes for that user's devices (an
     * envelope without a user, written before the edge recorded it, is kept); any other event is returned as it is.
     * What keeps a key distribution to a large group from being copied whole into every member's item.
     */
    public static ConversationEvent forUser(ConversationEvent event, String userId) {
        List<DeviceEnvelope> all = of(event);
        if (all.isEmpty()) {
            return event;
        }
        List<DeviceEnvelope> kept = all.stream()
                .filter(e -> e.getUserId() == null || e.getUserId().equals(userId)).toList();
        if (kept.size() == all.size()) {
            return event;
        }
        return ConversationEvent.newBuilder(event).setEncrypted(isEncrypted(event)).setEnvelopes(kept).build();
    }

    /** The event's envelopes (none for a plain event: the field is null then). */
    public static List<DeviceEnvelope> of(ConversationEvent event) {
        return event.getEnvelopes() == null ? List.of() : event.getEnvelopes();
    }

    /**
     * A message whose content is its per-device envelopes (one-to-one, sent with envelopes): flagged by the sequencer,
     * or, for an event built without the flag, envelopes and no payload. A group message with key distribution
     * envelopes is not: its content is the payload.
     */
    public static boolean isEncrypted(ConversationEvent event) {
        return event.getEncrypted() || !of(event).isEmpty() && !hasPayload(event);
    }

    /** A group message that carries key distribution envelopes beside its payload. */
    public static boolean distributesKeys(ConversationEvent event) {
        return !isEncrypted(event) && !of(event).isEmpty();
    }

    private static boolean hasPayload(ConversationEvent event) {
        return event.getPayload() != null && event.getPayload().remaining() > 0;
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
