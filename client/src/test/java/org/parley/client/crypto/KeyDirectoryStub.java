package org.parley.client.crypto;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The key directory as the server will keep it (docs/protocol.md, "Key directory"), in memory: takes uploads, and
 * answers bundles that use up one one-time EC prekey and one one-time Kyber prekey per device, falling back to the
 * last-resort Kyber prekey and to no EC prekey. It speaks the same JSON the SDK parses.
 */
final class KeyDirectoryStub {
    private record Keys(JsonObject upload, Deque<JsonObject> oneTime, Deque<JsonObject> oneTimeKyber) {
    }

    private final Map<String, Map<String, Keys>> users = new LinkedHashMap<>();

    /** A device's upload replaces whatever the device had (a re-registration uploads everything anew). */
    void upload(DeviceAddress device, JsonObject upload) {
        Deque<JsonObject> oneTime = new ArrayDeque<>();
        upload.getJsonArray("oneTimePreKeys").forEach(k -> oneTime.add((JsonObject) k));
        Deque<JsonObject> oneTimeKyber = new ArrayDeque<>();
        upload.getJsonArray("oneTimeKyberPreKeys", new JsonArray()).forEach(k -> oneTimeKyber.add((JsonObject) k));
        users.computeIfAbsent(device.userId(), u -> new LinkedHashMap<>())
                .put(device.deviceId(), new Keys(upload.copy(), oneTime, oneTimeKyber));
    }

    /** Forgets a device (it was unlinked, or its user re-registered). */
    void remove(DeviceAddress device) {
        users.getOrDefault(device.userId(), Map.of()).remove(device.deviceId());
    }

    JsonObject bundle(String userId) {
        JsonArray devices = new JsonArray();
        String primary = users.getOrDefault(userId, Map.of()).keySet().stream().findFirst().orElse(null);
        users.getOrDefault(userId, Map.of()).forEach((deviceId, keys) -> {
            JsonObject kyber = keys.oneTimeKyber().poll();
            devices.add(new JsonObject()
                    .put("deviceId", deviceId)
                    .put("primary", deviceId.equals(primary)) // the first device of the user it took keys from
                    .put("deviceGrant", keys.upload().getJsonObject("deviceGrant"))
                    .put("registrationId", keys.upload().getInteger("registrationId"))
                    .put("identityKey", keys.upload().getString("identityKey"))
                    .put("signedPreKey", keys.upload().getJsonObject("signedPreKey"))
                    .put("kyberPreKey", kyber != null ? kyber : keys.upload().getJsonObject("kyberLastResort"))
                    .put("oneTimePreKey", keys.oneTime().poll()));
        });
        return new JsonObject().put("userId", userId).put("devices", devices);
    }
}
