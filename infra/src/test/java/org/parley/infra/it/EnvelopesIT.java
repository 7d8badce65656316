package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceKeys;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * Per-device envelopes through the real stack (docs/adr/0011): alice (two devices) sends to bob (two devices) with the
 * SDK; bob's devices and alice's other device each decrypt the text, and each receives only its own envelope; a device
 * bob links after alice fetched the bundles makes the next send MISMATCHED_DEVICES, which the SDK answers by fetching
 * its bundle and sending again; history gives each device only its envelope.
 */
class EnvelopesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @TempDir
    static Path stores;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** A connected device with its encrypted store and messenger. */
    record Phone(ParleyClient client, SecureMessenger messenger, DeviceKeys keys) {
        String deviceId() {
            return client.device().deviceId();
        }
    }

    private Phone device(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        SecureDevices.Connected c = SecureDevices.connect(EDGES.vertx(), EDGES.url(), stores, d, keys, WAIT);
        return new Phone(c.client(), c.messenger(), keys);
    }

    /** The message frame a device received for this client message id, decrypted to text. */
    private static String read(Phone p, String clientMessageId) throws Exception {
        return SecureDevices.read(p.client(), p.messenger(), clientMessageId, WAIT);
    }

    /** The envelope body (base64) a device's delivery carried. */
    private static String body(Phone p, String clientMessageId) throws Exception {
        return p.client().awaitFrame(f -> is(f, "message", clientMessageId), WAIT).getJsonObject("envelope")
                .getString("body");
    }

    @Test
    void eachDeviceDecryptsItsOwnEnvelopeAndALateDeviceIsAddedByTheRetry() throws Exception {
        ParleyClient.Device a1 = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device a2 = TestUsers.linkedDevice(EDGES.url(), a1);
        ParleyClient.Device b1 = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device b2 = TestUsers.linkedDevice(EDGES.url(), b1);
        DeviceKeys aliceKeys = DeviceKeys.generate(10, 0);
        DeviceKeys bobKeys = DeviceKeys.generate(10, 0);
        // Every device of a user has the user's identity key (docs/e2e.md); prekeys are the device's own.
        Phone alice = device(a1, aliceKeys);
        Phone aliceLaptop = device(a2, DeviceKeys.generate(aliceKeys.identity(), 10, 0));
        Phone bob = device(b1, bobKeys);
        Phone bobLaptop = device(b2, DeviceKeys.generate(bobKeys.identity(), 10, 0));
        List<JsonObject> aliceFrames = new CopyOnWriteArrayList<>();
        alice.client().onFrame(aliceFrames::add);
        String conversation = Conversations.direct(a1.userId(), b1.userId());
        try {
            // 1. alice → bob: one envelope per device of bob and for alice's laptop.
            JsonObject sent = alice.messenger().send(b1.userId(), "e2e-1", "hello bob".getBytes(StandardCharsets.UTF_8), WAIT);
            assertThat(sent.getString("type")).as("%s", sent).isEqualTo("sent");
            for (Phone p : List.of(bob, bobLaptop, aliceLaptop)) {
                assertThat(read(p, "e2e-1")).isEqualTo("hello bob");
            }
            // Each raw frame holds its device's envelope and nothing of the others'.
            Map<String, String> bodies = new HashMap<>();
            for (Phone p : List.of(bob, bobLaptop, aliceLaptop)) {
                JsonObject frame = p.client().awaitFrame(f -> is(f, "message", "e2e-1"), WAIT);
                assertThat(frame.getBoolean("encrypted")).isTrue();
                assertThat(frame.containsKey("payload")).isFalse();
                assertThat(frame.containsKey("envelopes")).isFalse();
                assertThat(frame.getJsonObject("envelope").getString("type")).isEqualTo("prekey");
                bodies.put(p.deviceId(), body(p, "e2e-1"));
            }
            assertThat(bodies.values()).doesNotHaveDuplicates();
            for (Phone p : List.of(bob, bobLaptop, aliceLaptop)) {
                String raw = p.client().awaitFrame(f -> is(f, "message", "e2e-1"), WAIT).encode();
                bodies.forEach((device, b) -> assertThat(raw.contains(b)).as("%s sees %s's envelope", p.deviceId(), device)
                        .isEqualTo(device.equals(p.deviceId())));
            }
            System.out.printf("envelope sizes: PreKey message of 9 bytes of text: %d bytes decoded%n",
                    Base64.getDecoder().decode(bodies.get(bob.deviceId())).length);

            // 2. bob answers from his phone: alice's phone decrypts a steady-state Signal message.
            JsonObject reply = bob.messenger().send(a1.userId(), "e2e-reply", "hi alice".getBytes(StandardCharsets.UTF_8), WAIT);
            assertThat(reply.getString("type")).as("%s", reply).isEqualTo("sent");
            assertThat(read(alice, "e2e-reply")).isEqualTo("hi alice");
            assertThat(read(aliceLaptop, "e2e-reply")).isEqualTo("hi alice");
            assertThat(read(bobLaptop, "e2e-reply")).isEqualTo("hi alice");
            JsonObject toAlice = alice.client().awaitFrame(f -> is(f, "message", "e2e-reply"), WAIT);
            assertThat(toAlice.getJsonObject("envelope").getString("type")).isEqualTo("message");
            System.out.printf("envelope sizes: Signal message of 8 bytes of text: %d bytes decoded%n",
                    Base64.getDecoder().decode(toAlice.getJsonObject("envelope").getString("body")).length);

            // 3. bob links a third device after alice fetched his bundles: her next send is refused, then retried.
            ParleyClient.Device b3 = TestUsers.linkedDevice(EDGES.url(), b1);
            Phone bobTablet = device(b3, DeviceKeys.generate(bobKeys.identity(), 10, 0));
            open.add(bobTablet.client());
            JsonObject second = alice.messenger().send(b1.userId(), "e2e-2", "after the link".getBytes(StandardCharsets.UTF_8), WAIT);
            assertThat(second.getString("type")).as("%s", second).isEqualTo("sent");
            JsonObject mismatch = aliceFrames.stream().filter(f -> "error".equals(f.getString("type"))
                    && "e2e-2".equals(f.getString("ref"))).findFirst().orElseThrow();
            assertThat(mismatch.getString("code")).isEqualTo("MISMATCHED_DEVICES");
            assertThat(mismatch.getJsonObject("missingDevices"))
                    .isEqualTo(new JsonObject().put(b1.userId(), new JsonArray().add(b3.deviceId())));
            assertThat(mismatch.getJsonArray("extraDevices")).isEmpty();
            for (Phone p : List.of(bob, bobLaptop, bobTablet, aliceLaptop)) {
                assertThat(read(p, "e2e-2")).isEqualTo("after the link");
            }
            assertThat(alice.messenger().knownDevices(b1.userId()))
                    .containsExactlyInAnyOrder(b1.deviceId(), b2.deviceId(), b3.deviceId());
            // The tablet was linked after the first message: it has no envelope of it.
            JsonObject tabletPage = history(bobTablet, conversation, 3);
            JsonObject first = item(tabletPage, "e2e-1");
            assertThat(first.getBoolean("encrypted")).isTrue();
            assertThat(first.getBoolean("envelopeMissing")).isTrue();
            assertThat(first.containsKey("envelope")).isFalse();
            assertThat(item(tabletPage, "e2e-2").getJsonObject("envelope")).isNotNull();

            // 4. History gives bob's laptop exactly the envelopes it was delivered, and nobody else's.
            JsonObject page = history(bobLaptop, conversation, 3);
            assertThat(item(page, "e2e-1").getJsonObject("envelope").getString("body"))
                    .isEqualTo(bodies.get(bobLaptop.deviceId()));
            assertThat(item(page, "e2e-2").getJsonObject("envelope").getString("body"))
                    .isEqualTo(body(bobLaptop, "e2e-2"));
            assertThat(page.encode()).doesNotContain(bodies.get(bob.deviceId())).doesNotContain(bodies.get(aliceLaptop.deviceId()))
                    .doesNotContain(body(bob, "e2e-2")).doesNotContain(body(bobTablet, "e2e-2"));
            // What history gives is what was delivered: decrypting it again is a duplicate, not garbage.
            assertThat(((SecureMessenger.Opened.Content) bobLaptop.messenger().open(item(page, "e2e-2"))).decrypted())
                    .isInstanceOf(Decrypted.Duplicate.class);
        } finally {
            for (Phone p : List.of(alice, aliceLaptop, bob, bobLaptop)) {
                p.client().close();
            }
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    /** A history page with {@code events} messages (other events aside), once the projection has written them. */
    private static JsonObject history(Phone p, String conversation, int events) {
        JsonObject[] page = new JsonObject[1];
        await().atMost(WAIT).untilAsserted(() -> {
            page[0] = p.client().request(new JsonObject().put("type", "history").put("requestId", "h-" + System.nanoTime())
                    .put("conversationId", conversation).put("limit", 10), WAIT);
            assertThat(page[0].getString("type")).as("%s", page[0]).isEqualTo("history");
            // Messages only: the page also holds the device_linked event of bob's tablet.
            assertThat(page[0].getJsonArray("events").stream().map(JsonObject.class::cast)
                    .filter(e -> "message".equals(e.getString("kind")))).hasSize(events);
        });
        return page[0];
    }

    private static JsonObject item(JsonObject page, String clientMessageId) {
        return page.getJsonArray("events").stream().map(JsonObject.class::cast)
                .filter(e -> clientMessageId.equals(e.getString("clientMessageId"))).findFirst().orElseThrow();
    }
}
