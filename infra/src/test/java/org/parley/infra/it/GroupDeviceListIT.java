package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.DeviceLinking;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.UnauthorisedDeviceException;
import org.parley.client.crypto.DeviceGrant;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.KeyBundle;
import org.parley.client.crypto.Provisioning;
import org.parley.schemas.CodeOutbox;

/**
 * Device grants through the real stack (docs/e2e.md "Device grants") and device-list changes in a group through the real stack (docs/e2e.md, "Device-list changes"): bob links a laptop while
 * in a group with alice; the group carries the {@code device_linked} event, alice's SDK gives the laptop her sender
 * key with her next message, and the laptop decrypts it. An unlink makes her start a new key.
 */
class GroupDeviceListIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @RegisterExtension
    static final SecureDeviceSessions DEVICES = new SecureDeviceSessions(STACK, WAIT);

    private static JsonObject event(ParleyClient c, String conversationId, String kind, String deviceId)
            throws Exception {
        return c.awaitFrame(f -> "message".equals(f.getString("type")) && kind.equals(f.getString("kind"))
                && conversationId.equals(f.getString("conversationId"))
                && deviceId.equals(f.getString("senderDeviceId")), WAIT);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sent(JsonObject answer) {
        assertThat(answer.getString("type")).as("%s", answer).isEqualTo("sent");
    }

    @Test
    void aMembersNewlyLinkedDeviceDecryptsTheNextGroupMessageOfAnotherMember() throws Exception {
        String edge = DEVICES.edge();
        ParleyClient.Device a1 = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        DeviceKeys bobKeys = DeviceKeys.generate(10, 0);
        SecureDevices.Connected alice = DEVICES.connect(a1, DeviceKeys.generate(10, 0));
        SecureDevices.Connected bob = DEVICES.connect(b1, bobKeys);

        JsonObject created = alice.client().actRetrying(new JsonObject().put("type", "createGroup")
                .put("clientMessageId", "create").put("name", "Club")
                .put("members", new JsonArray().add(b1.userId())), WAIT, 5);
        assertThat(created.getString("type")).as("%s", created).isEqualTo("sent");
        String g = created.getString("conversationId");
        List<String> members = List.of(a1.userId(), b1.userId());
        await().atMost(WAIT).untilAsserted(() -> assertThat(alice.client().request(new JsonObject().put("type", "group")
                .put("requestId", "g-" + System.nanoTime()).put("conversationId", g), WAIT)
                .getJsonArray("members", new JsonArray())).hasSize(2));
        sent(alice.messenger().sendToGroup(g, members, "before", text("before the laptop"), WAIT));
        assertThat(SecureDevices.read(bob.client(), bob.messenger(), "before", WAIT)).isEqualTo("before the laptop");

        // bob links a laptop (his identity, its own prekeys). The group carries the change to alice's device.
        ParleyClient.Device b2 = TestUsers.linkedDevice(edge, b1);
        SecureDevices.Connected laptop = DEVICES.connect(b2, DeviceKeys.generate(bobKeys.identity(), 10, 0));
        JsonObject linked = event(alice.client(), g, "device_linked", b2.deviceId());
        assertThat(linked.getString("senderUserId")).isEqualTo(b1.userId());
        assertThat(alice.messenger().open(linked))
                .isEqualTo(new SecureMessenger.Opened.DeviceListChanged(b1.userId(), b2.deviceId(), true));

        // alice's next message carries her key to the laptop, which decrypts it (before: NoSession).
        sent(alice.messenger().sendToGroup(g, members, "after", text("after the laptop"), WAIT));
        assertThat(alice.messenger().groupKeyHolders(g)).contains(b1.userId() + "/" + b2.deviceId());
        assertThat(SecureDevices.read(laptop.client(), laptop.messenger(), "after", WAIT)).isEqualTo("after the laptop");
        assertThat(SecureDevices.read(bob.client(), bob.messenger(), "after", WAIT)).isEqualTo("after the laptop");

        // bob unlinks the laptop: the group is told, and alice's next message is under a new key, the phone's alone.
        var before = alice.messenger().groupDistributionId(g);
        assertThat(ParleyClient.unlink(edge, b1, b2.deviceId())).isEqualTo(204);
        JsonObject unlinked = event(alice.client(), g, "device_unlinked", b2.deviceId());
        alice.messenger().open(unlinked);
        sent(alice.messenger().sendToGroup(g, members, "unlinked", text("without the laptop"), WAIT));
        assertThat(alice.messenger().groupDistributionId(g)).isNotEqualTo(before);
        assertThat(alice.messenger().groupKeyHolders(g)).containsExactly(b1.userId() + "/" + b1.deviceId());
        assertThat(SecureDevices.read(bob.client(), bob.messenger(), "unlinked", WAIT)).isEqualTo("without the laptop");
    }

    private static java.net.http.HttpResponse<String> http(String method, String path, ParleyClient.Device as,
            JsonObject body) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(DEVICES.edge() + path)).header("Authorization", "Bearer " + as.token())
                .header("Content-Type", "application/json")
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bundlesCarryTheDevicesGrantsAndAPeerRefusesADeviceItsUsersIdentityDidNotAuthorise() throws Exception {
        String edge = DEVICES.edge();
        ParleyClient.Device a1 = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        DeviceKeys bobKeys = DeviceKeys.generate(10, 0);
        SecureDevices.Connected alice = DEVICES.connect(a1, DeviceKeys.generate(10, 0));
        DEVICES.connect(b1, bobKeys); // publishes a grant of its own (the primary)

        // bob's laptop through provisioning: it publishes the primary's signature from the sealed grant.
        Provisioning.LinkRequest request = Provisioning.LinkRequest.create();
        DeviceLinking.authorise(edge, b1, bobKeys.identity(), request.linkCode());
        Provisioning.Grant grant = DeviceLinking.await(edge, request, WAIT);
        ParleyClient.Device b2 = new ParleyClient.Device(grant.userId(), grant.deviceId(), grant.token());
        DEVICES.connect(b2, DeviceKeys.generate(grant.identity(), grant.registrationId(), 10, 0)
                .withGrant(grant.deviceGrant()));

        java.net.http.HttpResponse<String> fetched = http("GET", "/v1/keys/" + b1.userId(), a1, null);
        assertThat(fetched.statusCode()).as(fetched.body()).isEqualTo(200);
        JsonObject served = new JsonObject(fetched.body());
        for (KeyBundle.Device d : KeyBundle.fromJson(served).devices()) {
            assertThat(d.grant()).as("%s", d.address()).isNotNull();
            assertThat(d.unauthorised()).as("%s", d.address()).isNull();
            assertThat(d.primary()).isEqualTo(d.address().deviceId().equals(b1.deviceId()));
        }
        JsonObject laptopBundle = served.getJsonArray("devices").stream().map(JsonObject.class::cast)
                .filter(d -> d.getString("deviceId").equals(b2.deviceId())).findFirst().orElseThrow();
        assertThat(DeviceGrant.fromJson(laptopBundle.getJsonObject("deviceGrant")).linkKey())
                .isEqualTo(Provisioning.LinkCode.parse(request.linkCode()).ephemeral());
        sent(alice.messenger().send(b1.userId(), "granted", text("to bob's authorised devices"), WAIT));

        // The server refuses a grant that does not verify ...
        ParleyClient.Device b3 = TestUsers.linkedDevice(edge, b1);
        DeviceKeys phantomKeys = DeviceKeys.generate(bobKeys.identity(), 3, 0);
        JsonObject forged = phantomKeys.upload().put("deviceGrant",
                DeviceGrant.selfSigned(bobKeys.identity(), b1.userId(), b2.deviceId(), phantomKeys.registrationId())
                        .toJson()); // another device's
        java.net.http.HttpResponse<String> refused = http("PUT", "/v1/keys", b3, forged);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("INVALID_SIGNATURE");
        assertThat(new JsonObject(refused.body()).getString("message")).contains("deviceGrant.signature");
        // ... and a peer refuses a device that publishes none (a device with bob's keys that nobody authorised).
        assertThat(http("PUT", "/v1/keys", b3, phantomKeys.upload()).statusCode()).isEqualTo(200);
        // alice's next send learns of it (the device_linked event, or the edge's MISMATCHED_DEVICES answer) and stops.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.messenger().send(b1.userId(), "phantom",
                text("not to a phantom"), WAIT)).isInstanceOfSatisfying(UnauthorisedDeviceException.class, e -> {
                    assertThat(e.userId()).isEqualTo(b1.userId());
                    assertThat(e.deviceId()).isEqualTo(b3.deviceId());
                });
        assertThat(alice.client().frames().stream().filter(f -> "phantom".equals(f.getString("clientMessageId"))))
                .isEmpty();
    }
}
