package org.parley.client.crypto;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;
import org.signal.libsignal.protocol.state.PreKeyBundle;

/**
 * A user's prekey bundle as the key directory answers it (docs/protocol.md, "Key directory"): one entry per device,
 * each with its signed prekey, a Kyber prekey (one-time, or the last-resort one when none is left) and a one-time EC
 * prekey or {@code null} when none is left. Signatures are not checked here: {@code SessionBuilder.process} checks
 * both against the identity key, and refuses the bundle if either fails.
 */
public record KeyBundle(String userId, List<Device> devices) {
    /**
     * One device's bundle; {@code primary} as the directory says (null if it does not say), {@code grant} the device's
     * published grant (null if none).
     */
    public record Device(DeviceAddress address, PreKeyBundle preKeyBundle, Boolean primary, DeviceGrant grant) {
        public Device(DeviceAddress address, PreKeyBundle preKeyBundle) {
            this(address, preKeyBundle, null, null);
        }

        /**
         * Why this device is not authorised by its user's identity, or null if it is: the primary needs no grant; any
         * other device (or one the directory does not call primary) needs a grant by the bundle's identity key over
         * exactly this user, device and registration id (docs/e2e.md "Device grants").
         */
        public String unauthorised() {
            if (Boolean.TRUE.equals(primary)) {
                return null;
            }
            if (grant == null) {
                return "device " + address + " is not the primary and publishes no grant of its user's identity";
            }
            try {
                return grant.verifies(address.userId(), address.deviceId(), preKeyBundle.getRegistrationId(),
                        preKeyBundle.getIdentityKey()) ? null : "the grant of device " + address
                        + " does not verify with its identity key over this user, device and registration id";
            } catch (RuntimeException e) {
                return "the grant of device " + address + " cannot be checked: " + e.getMessage();
            }
        }
    }

    public KeyBundle {
        devices = List.copyOf(devices);
    }

    /** Parses the directory's answer; a missing field or a malformed key is an {@link IllegalArgumentException}. */
    private static DeviceGrant grantOf(JsonObject d, DeviceAddress address) {
        try {
            return DeviceGrant.fromJson(d.getJsonObject("deviceGrant"));
        } catch (IllegalArgumentException | ClassCastException e) {
            return null; // malformed: as if there were none (the device is refused unless it is the primary)
        }
    }

    public static KeyBundle fromJson(JsonObject json) {
        String userId = text(json, "userId");
        JsonArray devices = json.getJsonArray("devices");
        if (devices == null) {
            throw new IllegalArgumentException("bundle without devices");
        }
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            JsonObject d = devices.getJsonObject(i);
            DeviceAddress address = new DeviceAddress(userId, text(d, "deviceId"));
            try {
                JsonObject signed = object(d, "signedPreKey");
                JsonObject kyber = object(d, "kyberPreKey");
                JsonObject oneTime = d.getJsonObject("oneTimePreKey");
                int oneTimeId = oneTime == null ? PreKeyBundle.NULL_PRE_KEY_ID : integer(oneTime, "keyId");
                ECPublicKey oneTimeKey = oneTime == null ? null : new ECPublicKey(bytes(oneTime, "publicKey"));
                out.add(new Device(address, new PreKeyBundle(integer(d, "registrationId"),
                        DeviceAddress.SIGNAL_DEVICE_ID, oneTimeId, oneTimeKey,
                        integer(signed, "keyId"), new ECPublicKey(bytes(signed, "publicKey")),
                        bytes(signed, "signature"),
                        new IdentityKey(bytes(d, "identityKey")),
                        integer(kyber, "keyId"), new KEMPublicKey(bytes(kyber, "publicKey")),
                        bytes(kyber, "signature")), d.getBoolean("primary"), grantOf(d, address)));
            } catch (InvalidKeyException e) {
                throw new IllegalArgumentException("malformed key in the bundle of " + address + ": "
                        + e.getMessage(), e);
            }
        }
        return new KeyBundle(userId, out);
    }

    private static String text(JsonObject o, String field) {
        Object v = o.getValue(field);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException("bundle field " + field + " missing or not a string");
        }
        return s;
    }

    private static int integer(JsonObject o, String field) {
        if (!(o.getValue(field) instanceof Number n) || n.longValue() != n.doubleValue()
                || n.longValue() < 0 || n.longValue() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bundle field " + field + " missing or not a key id");
        }
        return n.intValue();
    }

    private static JsonObject object(JsonObject o, String field) {
        if (!(o.getValue(field) instanceof JsonObject j)) {
            throw new IllegalArgumentException("bundle field " + field + " missing");
        }
        return j;
    }

    private static byte[] bytes(JsonObject o, String field) {
        try {
            return Base64.getDecoder().decode(text(o, field));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bundle field " + field + " is not base64", e);
        }
    }
}
