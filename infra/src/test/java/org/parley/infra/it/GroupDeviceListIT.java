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
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.DeviceKeys;
import org.parley.schemas.CodeOutbox;

/**
 * Device-list changes in a group through the real stack (docs/e2e.md, "Device-list changes"): bob links a laptop while
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
}
