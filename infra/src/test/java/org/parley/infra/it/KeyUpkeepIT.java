package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.KeyBundle;
import org.parley.client.crypto.PairwiseCipher;
import org.parley.schemas.CodeOutbox;

/**
 * Key upkeep through the real stack (docs/e2e.md, "Key upkeep"): other users' fetches drain bob's one-time prekeys,
 * the edge tells bob ({@code keysLow}), bob's SDK refills by itself, and later fetches hand out the new keys, each at
 * most once; a session built on a refilled key opens on bob's device.
 */
class KeyUpkeepIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @RegisterExtension
    static final SecureDeviceSessions DEVICES = new SecureDeviceSessions(STACK, WAIT);

    @TempDir
    java.nio.file.Path stores;

    private static JsonObject get(String path, ParleyClient.Device as) throws Exception {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(DEVICES.edge() + path))
                .header("Authorization", "Bearer " + as.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as("GET %s: %s", path, res.body()).isEqualTo(200);
        return new JsonObject(res.body());
    }

    @Test
    void aDrainedDeviceIsToldRefillsByItselfAndLaterFetchesHandOutTheNewKeysOnce() throws Exception {
        ParleyClient.Device bob = ParleyClient.register(DEVICES.edge(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device carol = ParleyClient.register(DEVICES.edge(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device dave = ParleyClient.register(DEVICES.edge(), user("dave"), CodeOutbox::latest);
        SecureDevices.Connected bobs = DEVICES.connect(bob, DeviceKeys.generate(12, 0)); // one-time ids 1..12
        assertThat(get("/v1/keys", bob).getInteger("oneTimePreKeys")).isEqualTo(12);

        // carol's fetches drain bob to 9 (below keys.low-threshold, 10): the edge tells bob, and his SDK refills.
        List<Integer> handedOut = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            handedOut.add(oneTimeKeyId(carol, bob));
        }
        JsonObject low = bobs.client().awaitFrame(f -> "keysLow".equals(f.getString("type")), WAIT);
        assertThat(low.getInteger("oneTimePreKeys")).isEqualTo(9);
        await().atMost(WAIT).until(() -> get("/v1/keys", bob).getInteger("oneTimePreKeys") == 100);
        // The directory may show the stock before the upkeep thread has counted its upload.
        await().atMost(WAIT).until(() -> bobs.messenger().keyUpkeep().refills() == 1);
        assertThat(bobs.messenger().keyUpkeep().lastFailure()).isNull();

        // Later fetches (dave's and carol's) hand out the refilled keys (ids from 13), each once.
        for (int i = 0; i < 30; i++) {
            handedOut.add(oneTimeKeyId(i % 2 == 0 ? dave : carol, bob));
        }
        assertThat(handedOut).doesNotHaveDuplicates().doesNotContainNull();
        assertThat(handedOut.stream().filter(id -> id > 12)).hasSizeGreaterThanOrEqualTo(21); // 9 old ones at most

        // A session on a refilled key: dave's device builds it from a fetched bundle with such a key, and bob opens it.
        DeviceKeys daveKeys = DeviceKeys.generate(5, 0);
        DeviceStore daveStore = DeviceStore.create(stores.resolve("dave.store"), DeviceStore.newKey(), daveKeys);
        JsonObject bundle;
        do {
            bundle = bundleOf(dave, bob);
        } while (bundle.getJsonArray("devices").getJsonObject(0).getJsonObject("oneTimePreKey").getInteger("keyId") <= 12);
        KeyBundle.Device d = KeyBundle.fromJson(bundle).devices().get(0);
        assertThat(new PairwiseCipher(daveStore).startSession(d)).isEqualTo(new PairwiseCipher.Started());
        try (ParleyClient daveClient = ParleyClient.connect(DEVICES.vertx(), DEVICES.edge(), dave, null, WAIT)) {
            SecureMessenger daveMessenger = new SecureMessenger(DEVICES.edge(), daveClient, daveStore, daveKeys);
            JsonObject sent = daveMessenger.send(bob.userId(), "refilled-1",
                    "on a refilled key".getBytes(StandardCharsets.UTF_8), WAIT);
            assertThat(sent.getString("type")).as("%s", sent).isEqualTo("sent");
            assertThat(SecureDevices.read(bobs.client(), bobs.messenger(), "refilled-1", WAIT))
                    .isEqualTo("on a refilled key");
        }
    }

    private static JsonObject bundleOf(ParleyClient.Device as, ParleyClient.Device bob) throws Exception {
        return get("/v1/keys/" + bob.userId() + "?deviceId=" + bob.deviceId(), as);
    }

    private static Integer oneTimeKeyId(ParleyClient.Device as, ParleyClient.Device bob) throws Exception {
        JsonObject key = bundleOf(as, bob).getJsonArray("devices").getJsonObject(0).getJsonObject("oneTimePreKey");
        return key == null ? null : key.getInteger("keyId");
    }
}
