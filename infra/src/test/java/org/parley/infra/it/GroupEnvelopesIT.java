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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceKeys;
import org.parley.schemas.CodeOutbox;

/**
 * Groups end to end with Sender Keys through the real stack (docs/adr/0012): alice (two devices), bob and carol; every
 * group message is one Sender Key ciphertext for all, and the sender's distribution message travels pairwise,
 * attached to the first message each member device receives under that key. carol is removed: the senders rotate,
 * carol receives nothing after, and the next ciphertext, taken from another member's frame, does not open with her
 * keys. dave, added later, receives the current distribution with his first message and decrypts from then on.
 */
class GroupEnvelopesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @TempDir
    static Path stores;

    private final List<Phone> phones = new ArrayList<>();

    record Phone(ParleyClient client, SecureMessenger messenger) {
        String userId() {
            return client.device().userId();
        }

        String deviceId() {
            return client.device().deviceId();
        }
    }

    private Phone device(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        SecureDevices.Connected c = SecureDevices.connect(EDGES.vertx(), EDGES.url(), stores, d, keys, WAIT);
        Phone p = new Phone(c.client(), c.messenger());
        phones.add(p);
        return p;
    }

    private static JsonObject frame(Phone p, String clientMessageId) throws Exception {
        return p.client().awaitFrame(f -> is(f, "message", clientMessageId), WAIT);
    }

    /** The message this device received, opened with its own keys: the text. */
    private static String read(Phone p, String clientMessageId) throws Exception {
        return SecureDevices.read(p.client(), p.messenger(), clientMessageId, WAIT);
    }

    private static JsonObject sent(JsonObject answer) {
        assertThat(answer.getString("type")).as("%s", answer).isEqualTo("sent");
        return answer;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until the group's member list (the projection the edge checks envelopes against) is {@code members}. */
    private static void membersAre(Phone p, String group, String... members) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject g = p.client().request(new JsonObject().put("type", "group").put("requestId", "g-" + System.nanoTime())
                    .put("conversationId", group), WAIT);
            assertThat(g.getJsonArray("members", new JsonArray()).stream().map(m -> ((JsonObject) m).getString("userId")))
                    .as("%s", g).containsExactlyInAnyOrder(members);
        });
    }

    @Test
    void membersDecryptOneCiphertextAndARemovedMemberCannotDecryptWhatFollows() throws Exception {
        ParleyClient.Device a1 = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device a2 = TestUsers.linkedDevice(EDGES.url(), a1);
        ParleyClient.Device b1 = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c1 = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d1 = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);
        DeviceKeys aliceKeys = DeviceKeys.generate(10, 0);
        Phone alice = device(a1, aliceKeys);
        Phone aliceLaptop = device(a2, DeviceKeys.generate(aliceKeys.identity(), 10, 0));
        Phone bob = device(b1, DeviceKeys.generate(10, 0));
        Phone carol = device(c1, DeviceKeys.generate(10, 0));
        try {
            JsonObject created = sent(alice.client().actRetrying(new JsonObject().put("type", "createGroup")
                    .put("clientMessageId", "create").put("name", "Secret club")
                    .put("members", new JsonArray().add(b1.userId()).add(c1.userId())), WAIT, 5));
            String g = created.getString("conversationId");
            membersAre(alice, g, a1.userId(), b1.userId(), c1.userId());
            List<String> members = List.of(a1.userId(), b1.userId(), c1.userId());

            // 1. alice's first message: one Sender Key ciphertext for all, her distribution pairwise to each device.
            sent(alice.messenger().sendToGroup(g, members, "g-1", text("hello group"), WAIT));
            UUID first = alice.messenger().groupDistributionId(g);
            assertThat(alice.messenger().groupKeyHolders(g)).containsExactlyInAnyOrder(a1.userId() + "/" + a2.deviceId(),
                    b1.userId() + "/" + b1.deviceId(), c1.userId() + "/" + c1.deviceId());
            Set<String> payloads = new HashSet<>();
            Set<String> envelopes = new HashSet<>();
            for (Phone p : List.of(aliceLaptop, bob, carol)) {
                assertThat(read(p, "g-1")).isEqualTo("hello group");
                JsonObject f = frame(p, "g-1");
                assertThat(f.containsKey("encrypted")).isFalse();
                assertThat(f.containsKey("envelopes")).isFalse();
                payloads.add(f.getString("payload"));
                envelopes.add(f.getJsonObject("envelope").getString("body"));
            }
            assertThat(payloads).as("one ciphertext for the whole group").hasSize(1);
            assertThat(envelopes).as("one distribution envelope per device").hasSize(3);
            for (Phone p : List.of(aliceLaptop, bob, carol)) {
                String raw = frame(p, "g-1").encode();
                String own = frame(p, "g-1").getJsonObject("envelope").getString("body");
                envelopes.stream().filter(e -> !e.equals(own))
                        .forEach(other -> assertThat(raw).as("%s sees another device's envelope", p.deviceId()).doesNotContain(other));
            }
            byte[] payload1 = Base64.getDecoder().decode(payloads.iterator().next());
            System.out.printf("group envelope sizes: Sender Key payload of 11 bytes of text: %d bytes decoded; distribution"
                    + " envelope (prekey): %s bytes decoded%n", payload1.length,
                    envelopes.stream().map(e -> String.valueOf(Base64.getDecoder().decode(e).length)).sorted().toList());

            // 2. The next message: everyone holds the key, so no envelopes at all.
            sent(alice.messenger().sendToGroup(g, members, "g-2", text("second"), WAIT));
            for (Phone p : List.of(aliceLaptop, bob, carol)) {
                assertThat(read(p, "g-2")).isEqualTo("second");
                assertThat(frame(p, "g-2").containsKey("envelope")).isFalse();
            }
            System.out.printf("group envelope sizes: Sender Key payload of 6 bytes of text: %d bytes decoded, no envelope%n",
                    Base64.getDecoder().decode(frame(bob, "g-2").getString("payload")).length);

            // 3. bob writes: his own sender key, distributed to alice's two devices and carol.
            sent(bob.messenger().sendToGroup(g, members, "g-3", text("bob here"), WAIT));
            for (Phone p : List.of(alice, aliceLaptop, carol)) {
                assertThat(read(p, "g-3")).isEqualTo("bob here");
                assertThat(frame(p, "g-3").getJsonObject("envelope")).isNotNull();
            }

            // 4. carol is removed. alice's next message rotates: a new key, given to her laptop and bob only.
            sent(alice.client().actRetrying(new JsonObject().put("type", "removeMember").put("clientMessageId", "rm-carol")
                    .put("conversationId", g).put("userId", c1.userId()), WAIT, 5));
            List<String> remaining = List.of(a1.userId(), b1.userId());
            sent(alice.messenger().sendToGroup(g, remaining, "g-4", text("carol is gone"), WAIT));
            assertThat(alice.messenger().groupDistributionId(g)).isNotEqualTo(first);
            assertThat(alice.messenger().groupKeyHolders(g)).containsExactlyInAnyOrder(
                    a1.userId() + "/" + a2.deviceId(), b1.userId() + "/" + b1.deviceId());
            assertThat(read(bob, "g-4")).isEqualTo("carol is gone");
            assertThat(read(aliceLaptop, "g-4")).isEqualTo("carol is gone");
            assertThat(frame(bob, "g-4").getJsonObject("envelope")).as("the new key reaches bob").isNotNull();
            // carol holds alice's old key; the new ciphertext, taken from bob's frame, does not open with it.
            JsonObject stolen = frame(bob, "g-4").copy();
            stolen.remove("envelope");
            SecureMessenger.Opened carolTries = carol.messenger().open(stolen);
            assertThat(carolTries).isInstanceOf(SecureMessenger.Opened.Content.class);
            assertThat(((SecureMessenger.Opened.Content) carolTries).decrypted()).isInstanceOf(Decrypted.NoSession.class);

            // bob rotates too on his next message (carol held his key).
            sent(bob.messenger().sendToGroup(g, remaining, "g-5", text("bob rotated"), WAIT));
            assertThat(read(alice, "g-5")).isEqualTo("bob rotated");
            assertThat(read(aliceLaptop, "g-5")).isEqualTo("bob rotated");
            JsonObject stolenFromBob = frame(alice, "g-5").copy();
            stolenFromBob.remove("envelope");
            assertThat(((SecureMessenger.Opened.Content) carol.messenger().open(stolenFromBob)).decrypted())
                    .isInstanceOf(Decrypted.NoSession.class);

            // 5. dave joins: alice's next message gives him (and only him) her current key.
            Phone dave = device(d1, DeviceKeys.generate(10, 0));
            sent(alice.client().actRetrying(new JsonObject().put("type", "addMembers").put("clientMessageId", "add-dave")
                    .put("conversationId", g).put("userIds", new JsonArray().add(d1.userId())), WAIT, 5));
            membersAre(alice, g, a1.userId(), b1.userId(), d1.userId());
            List<String> withDave = List.of(a1.userId(), b1.userId(), d1.userId());
            sent(alice.messenger().sendToGroup(g, withDave, "g-6", text("welcome dave"), WAIT));
            assertThat(read(dave, "g-6")).isEqualTo("welcome dave");
            assertThat(frame(dave, "g-6").getJsonObject("envelope")).isNotNull();
            assertThat(read(bob, "g-6")).isEqualTo("welcome dave");
            assertThat(frame(bob, "g-6").containsKey("envelope")).as("bob holds the key already").isFalse();
            sent(bob.messenger().sendToGroup(g, withDave, "g-7", text("hi dave"), WAIT));
            assertThat(read(dave, "g-7")).isEqualTo("hi dave");
            assertThat(read(alice, "g-7")).isEqualTo("hi dave");

            // carol received nothing after her removal: everyone else has g-4 .. g-7 by now.
            assertThat(carol.client().frames("message").stream().map(f -> f.getString("clientMessageId")))
                    .contains("g-1", "g-2", "g-3").doesNotContain("g-4", "g-5", "g-6", "g-7");
        } finally {
            for (Phone p : phones) {
                p.client().close();
            }
        }
    }
}
