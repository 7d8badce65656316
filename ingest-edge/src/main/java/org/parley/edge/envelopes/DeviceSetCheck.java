package org.parley.edge.envelopes;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the devices a {@code send} has envelopes for with the devices it must have them for (Signal's "409
 * mismatched devices"): every current device of the recipient, and every current device of the sender except the
 * sending one. Pure: the sets come from {@link DeviceSets}.
 */
public final class DeviceSetCheck {
    private DeviceSetCheck() {
    }

    /**
     * What differs. {@code missing}: per user id, devices without an envelope; {@code extra}: envelopes for devices
     * that are not (or no longer) current devices of either user, or for the sending device itself.
     */
    public record Mismatch(Map<String, List<String>> missing, List<String> extra) {
        public Mismatch {
            missing = Map.copyOf(missing);
            extra = List.copyOf(extra);
        }
    }

    /** Null when the envelopes name exactly the devices expected. */
    public static Mismatch compare(String senderUserId, String sendingDeviceId, Set<String> senderDevices,
                                   String recipientUserId, Set<String> recipientDevices,
                                   Collection<String> envelopeDevices) {
        Map<String, Set<String>> expected = new TreeMap<>();
        Set<String> own = new TreeSet<>(senderDevices);
        own.remove(sendingDeviceId);
        expected.put(senderUserId, own);
        if (!recipientUserId.equals(senderUserId)) {
            expected.put(recipientUserId, new TreeSet<>(recipientDevices));
        }
        Set<String> given = new LinkedHashSet<>(envelopeDevices);
        Map<String, List<String>> missing = new TreeMap<>();
        Set<String> known = new TreeSet<>();
        expected.forEach((user, devices) -> {
            known.addAll(devices);
            List<String> absent = devices.stream().filter(d -> !given.contains(d)).sorted().toList();
            if (!absent.isEmpty()) {
                missing.put(user, absent);
            }
        });
        List<String> extra = given.stream().filter(d -> !known.contains(d)).sorted().toList();
        return missing.isEmpty() && extra.isEmpty() ? null : new Mismatch(missing, extra);
    }
}
