package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;

/**
 * A device's group sending state survives a restart (docs/e2e.md, "Groups"): the sender goes on under the same sender
 * key without distributing it again, and a restarted member goes on decrypting.
 */
class GroupSendStateTest {
    private static final String GROUP = "g:family-group";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final KeyDirectoryStub directory = new KeyDirectoryStub();
    private final List<JsonObject> sends = new CopyOnWriteArrayList<>();
    private Vertx vertx;
    private String base;

    /** A stand-in edge: the key directory's two reads, and a WebSocket that answers each send with {@code sent}. */
    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        AtomicLong seq = new AtomicLong();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            String path = req.path();
            if (path.equals("/v1/keys")) {
                req.response().end(new JsonObject().put("signedPreKeyId", 1).encode()); // published already
            } else if (path.startsWith("/v1/keys/")) {
                req.response().end(directory.bundle(path.substring("/v1/keys/".length())).encode());
            } else {
                req.response().setStatusCode(404).end();
            }
        }).webSocketHandler(ws -> {
            ws.writeTextMessage(new JsonObject().put("type", "synced").put("inboxSeq", 0).encode());
            ws.textMessageHandler(text -> {
                JsonObject frame = new JsonObject(text);
                sends.add(frame);
                ws.writeTextMessage(new JsonObject().put("type", "sent").put("clientMessageId",
                        frame.getString("clientMessageId")).put("conversationId", GROUP)
                        .put("seq", seq.incrementAndGet()).put("duplicate", false).encode());
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private SecureMessenger messenger(TestDevice device) throws Exception {
        ParleyClient client = ParleyClient.connect(vertx, base, new ParleyClient.Device(device.address.userId(),
                device.address.deviceId(), "token"), null, WAIT);
        return new SecureMessenger(base, client, device.store, null);
    }

    /** What {@code member} makes of a sent group frame: its own distribution envelope first, then the payload. */
    private static String open(TestDevice member, TestDevice sender, JsonObject frame) throws Exception {
        for (Object o : frame.getJsonArray("envelopes", new JsonArray())) {
            JsonObject e = (JsonObject) o;
            if (e.getString("deviceId").equals(member.address.deviceId())) {
                Envelope env = new Envelope("prekey".equals(e.getString("type")) ? Envelope.PREKEY : Envelope.SIGNAL,
                        Base64.getDecoder().decode(e.getString("body")));
                Decrypted d = member.pairwise.decrypt(sender.address, env);
                member.group.acceptDistribution(sender.address, ((Decrypted.Plaintext) d).content());
            }
        }
        Decrypted d = member.group.decrypt(sender.address, Envelope.decode(Base64.getDecoder().decode(
                frame.getString("payload"))));
        assertThat(d).isInstanceOf(Decrypted.Plaintext.class);
        return TestDevice.text(d);
    }

    @Test
    void aRestartedSenderGoesOnUnderTheSameKeyAndARestartedMemberGoesOnDecrypting() throws Exception {
        TestDevice alice = TestDevice.register(dir, directory, "alice");
        TestDevice bob = TestDevice.register(dir, directory, "bob");

        SecureMessenger before = messenger(alice);
        before.sendToGroup(GROUP, List.of("bob"), "m1", "first".getBytes(StandardCharsets.UTF_8), WAIT);
        UUID key = before.groupDistributionId(GROUP);
        assertThat(sends.get(0).getJsonArray("envelopes")).hasSize(1);
        assertThat(open(bob, alice, sends.get(0))).isEqualTo("first");

        // Both restart: new store objects read from their files, a new messenger.
        TestDevice aliceAgain = alice.restarted();
        TestDevice bobAgain = bob.restarted();
        SecureMessenger after = messenger(aliceAgain);
        assertThat(after.groupDistributionId(GROUP)).isEqualTo(key);
        assertThat(after.groupKeyHolders(GROUP)).containsExactly("bob/" + bob.address.deviceId());
        after.sendToGroup(GROUP, List.of("bob"), "m2", "after the restart".getBytes(StandardCharsets.UTF_8), WAIT);
        // The same key, held by bob already: no distribution envelope, and bob's restarted store opens it.
        assertThat(sends.get(1).getValue("envelopes")).isNull();
        assertThat(open(bobAgain, aliceAgain, sends.get(1))).isEqualTo("after the restart");

        // A rotation is kept too: a restart after it goes on under the new key.
        after.rotateGroupKey(GROUP);
        after.sendToGroup(GROUP, List.of("bob"), "m3", "rotated".getBytes(StandardCharsets.UTF_8), WAIT);
        UUID rotated = after.groupDistributionId(GROUP);
        assertThat(rotated).isNotEqualTo(key);
        assertThat(open(bobAgain, aliceAgain, sends.get(2))).isEqualTo("rotated");
        assertThat(messenger(aliceAgain.restarted()).groupDistributionId(GROUP)).isEqualTo(rotated);
    }

    /** The event a member's device-list change is in the group (docs/protocol.md): no content, the device as sender. */
    private static JsonObject deviceEvent(String kind, TestDevice device, long seq) {
        return new JsonObject().put("type", "message").put("kind", kind).put("conversationId", GROUP).put("seq", seq)
                .put("senderUserId", device.address.userId()).put("senderDeviceId", device.address.deviceId());
    }

    @Test
    void aMembersLinkedDeviceGetsTheSenderKeyOnTheNextSendAndAnUnlinkedOneMakesANewKey() throws Exception {
        TestDevice alice = TestDevice.register(dir, directory, "alice");
        TestDevice phone = TestDevice.register(dir, directory, "bob");
        SecureMessenger sender = messenger(alice);
        sender.sendToGroup(GROUP, List.of("bob"), "m1", "first".getBytes(StandardCharsets.UTF_8), WAIT);
        UUID key = sender.groupDistributionId(GROUP);
        assertThat(open(phone, alice, sends.get(0))).isEqualTo("first");

        // bob links a laptop. Until alice learns it, her sends give it nothing (it could not decrypt them).
        TestDevice laptop = TestDevice.link(dir, directory, phone);
        sender.sendToGroup(GROUP, List.of("bob"), "m2", "second".getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(sends.get(1).getValue("envelopes")).isNull();

        // The group's device_linked event: the next send carries the key to the laptop only, under the same key.
        assertThat(sender.open(deviceEvent("device_linked", laptop, 3)))
                .isEqualTo(new SecureMessenger.Opened.DeviceListChanged("bob", laptop.address.deviceId(), true));
        sender.sendToGroup(GROUP, List.of("bob"), "m3", "third".getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(sends.get(2).getJsonArray("envelopes")).extracting(e -> ((JsonObject) e).getString("deviceId"))
                .containsExactly(laptop.address.deviceId());
        assertThat(open(laptop, alice, sends.get(2))).isEqualTo("third");
        assertThat(open(phone, alice, sends.get(2))).isEqualTo("third");
        assertThat(sender.groupDistributionId(GROUP)).isEqualTo(key);

        // bob unlinks it: alice's next send is under a new key, given to the phone only.
        directory.remove(laptop.address);
        sender.open(deviceEvent("device_unlinked", laptop, 5));
        sender.sendToGroup(GROUP, List.of("bob"), "m4", "fourth".getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(sender.groupDistributionId(GROUP)).isNotEqualTo(key);
        assertThat(sends.get(3).getJsonArray("envelopes")).extracting(e -> ((JsonObject) e).getString("deviceId"))
                .containsExactly(phone.address.deviceId());
        assertThat(open(phone, alice, sends.get(3))).isEqualTo("fourth");
        Decrypted old = laptop.group.decrypt(alice.address, Envelope.decode(Base64.getDecoder().decode(
                sends.get(3).getString("payload"))));
        assertThat(old).isInstanceOf(Decrypted.NoSession.class);
    }

    @Test
    void aCompanionWithoutAGrantOfItsUsersIdentityIsRefusedAndNothingIsSent() throws Exception {
        TestDevice alice = TestDevice.register(dir, directory, "alice");
        TestDevice phone = TestDevice.register(dir, directory, "bob");
        // A device with bob's identity keys but no grant (e.g. one the server made from copied keys).
        DeviceAddress phantom = new DeviceAddress("bob", UUID.randomUUID().toString());
        directory.upload(phantom, DeviceKeys.generate(phone.keys.identity(), 3, 1).upload());
        SecureMessenger sender = messenger(alice);
        assertThatThrownBy(() -> sender.sendToGroup(GROUP, List.of("bob"), "m1", "hi".getBytes(StandardCharsets.UTF_8),
                WAIT)).isInstanceOfSatisfying(org.parley.client.UnauthorisedDeviceException.class, e -> {
                    assertThat(e.userId()).isEqualTo("bob");
                    assertThat(e.deviceId()).isEqualTo(phantom.deviceId());
                    assertThat(e.getMessage()).contains("publishes no grant");
                });
        assertThat(sends).isEmpty();
        assertThat(sender.knownDevices("bob")).isEmpty();
    }

    @Test
    void theStateRoundTripsAndAnUnknownVersionIsRefused() throws Exception {
        GroupSendState s = GroupSendState.fresh(Set.of("alice", "bob")).withHolders(List.of("bob/d1", "bob/d2"));
        assertThat(GroupSendState.decode(s.encode())).isEqualTo(s);
        byte[] other = s.encode();
        other[0] = 2;
        assertThatThrownBy(() -> GroupSendState.decode(other)).isInstanceOf(IOException.class);
    }
}
