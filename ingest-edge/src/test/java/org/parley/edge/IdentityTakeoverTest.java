package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.projections.UserConversations;

/**
 * Account takeover by user-id recycling: once a user unlinked its primary, anyone could register the same user id
 * with {@code POST /v1/devices {"userId"}} and read its direct messages, inherit its chats and groups. Now a user id
 * is bound to a proven identifier, and a re-registration of the rightful owner starts with no history.
 */
@ExtendWith(VertxExtension.class)
class IdentityTakeoverTest {
    private static final String DM = "dm:alice:bob";
    private static final String GROUP = "g:book-club";
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static String error(HttpResponse<String> res) {
        return new JsonObject(res.body()).getString("error");
    }

    /** Alice and Bob talked, and Alice is in a group, long before what the tests do. */
    private void pastLife() {
        edge.readModel.history.put(DM, new ArrayList<>(List.of(event(DM, 1, "alice", 1_000), event(DM, 2, "bob", 2_000))));
        edge.readModel.history.put(GROUP, new ArrayList<>(List.of(event(GROUP, 1, "carol", 1_500))));
        edge.readModel.memberships.put("alice/" + DM, new UserConversations.Membership("alice", DM, 1, null, 0, 0));
        edge.readModel.memberships.put("alice/" + GROUP, new UserConversations.Membership("alice", GROUP, 1, null, 0, 0));
        edge.readModel.memberships.put("alice/g:left", new UserConversations.Membership("alice", "g:left", 1, 3L, 0, 0));
    }

    private static ConversationEvent event(String conversation, long seq, String sender, long at) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(EventType.MESSAGE).setSenderUserId(sender).setSenderDeviceId("dev-" + sender)
                .setClientMessageId("m" + seq).setMemberUserIds(List.of()).setSentAt(Instant.ofEpochMilli(at))
                .setPayload(ByteBuffer.wrap(new byte[] {(byte) seq})).build();
    }

    private static JsonArray history(TestClient c, String conversation) throws InterruptedException {
        c.send("{\"type\":\"history\",\"requestId\":\"h-" + conversation + "\",\"conversationId\":\"" + conversation + "\"}");
        return c.next("history").getJsonArray("events");
    }

    @Test
    void aFreedUserIdCannotBeRegisteredByAnyoneElse() throws Exception {
        pastLife();
        JsonObject alice = edge.register("alice");
        assertThat(edge.http("DELETE", "/v1/devices/" + alice.getString("deviceId"), alice.getString("token"), null)
                .statusCode()).isEqualTo(204);

        // The old way in: a bare user id. Refused, nothing registered.
        HttpResponse<String> bare = edge.http("POST", "/v1/devices", null, "{\"userId\":\"alice\"}");
        assertThat(bare.statusCode()).as(bare.body()).isEqualTo(400);
        assertThat(error(bare)).isEqualTo("MISSING_FIELD");
        // Mallory proves her own address but asks for alice's user id: it belongs to alice's address for good.
        String mallory = "mallory@evil.test";
        assertThat(TestIdentity.requestCode(edge.port, mallory).statusCode()).isEqualTo(202);
        HttpResponse<String> claim = TestIdentity.verify(edge.port, mallory, edge.identity.sender.latest.get(mallory), "alice");
        assertThat(claim.statusCode()).as(claim.body()).isEqualTo(409);
        assertThat(error(claim)).isEqualTo("USER_ID_TAKEN");
        // A guessed code for alice's own address does not work either.
        assertThat(TestIdentity.requestCode(edge.port, TestIdentity.mail("alice")).statusCode()).isEqualTo(202);
        String right = edge.identity.sender.latest.get(TestIdentity.mail("alice"));
        String wrong = right.equals("000000") ? "111111" : "000000";
        HttpResponse<String> guess = TestIdentity.verify(edge.port, TestIdentity.mail("alice"), wrong, null);
        assertThat(guess.statusCode()).isEqualTo(403);
        assertThat(error(guess)).isEqualTo("CODE_INVALID");
        assertThat(edge.log.devices).hasSize(2); // alice's primary and its revocation: nobody else got a device
        assertThat(edge.slots.byUser.getOrDefault("alice", java.util.Map.of())).isEmpty();

        // Mallory's failed claim left her address free for a user id of her own.
        assertThat(TestIdentity.verify(edge.port, mallory, edge.identity.sender.latest.get(mallory), "mallory")
                .statusCode()).isEqualTo(201);
    }

    @Test
    void linkingAndUnlinkingACompanionIsAnnouncedInEveryConversationTheUserIsAMemberOf() throws Exception {
        pastLife();
        JsonObject phone = edge.register("alice");
        JsonObject laptop = edge.link(phone);
        assertThat(edge.log.actions).filteredOn(a -> a.getType() == ActionType.ANNOUNCE_DEVICE_LINKED)
                .allSatisfy(a -> {
                    assertThat(a.getSenderUserId()).isEqualTo("alice");
                    assertThat(a.getSenderDeviceId()).isEqualTo(laptop.getString("deviceId"));
                    assertThat(a.getClientMessageId()).isEqualTo("device-linked:" + laptop.getString("deviceId"));
                    assertThat(a.getPayload().remaining()).isZero();
                })
                // the one-to-one chat and the group (whose senders must give the laptop their keys), not the one she left
                .extracting(a -> a.getConversationId()).containsExactlyInAnyOrder(DM, GROUP);
        assertThat(edge.http("DELETE", "/v1/devices/" + laptop.getString("deviceId"), phone.getString("token"), null)
                .statusCode()).isEqualTo(204);
        assertThat(edge.log.actions).filteredOn(a -> a.getType() == ActionType.ANNOUNCE_DEVICE_UNLINKED)
                .allSatisfy(a -> assertThat(a.getSenderDeviceId()).isEqualTo(laptop.getString("deviceId")))
                .extracting(a -> a.getConversationId()).containsExactlyInAnyOrder(DM, GROUP);
    }

    @Test
    void aReRegisteredUserStartsWithNoHistoryAndItsConversationsLearnIt() throws Exception {
        pastLife();
        JsonObject lost = edge.register("alice");
        JsonObject laptop = edge.link(lost);
        try (TestClient old = edge.connect(lost)) {
            assertThat(history(old, DM)).hasSize(2); // before: alice reads her chat with bob

            // A new phone: alice proves her address again (no user id needed: it is bound to it).
            assertThat(TestIdentity.requestCode(edge.port, TestIdentity.mail("alice")).statusCode()).isEqualTo(202);
            HttpResponse<String> res = TestIdentity.verify(edge.port, TestIdentity.mail("alice"),
                    edge.identity.sender.latest.get(TestIdentity.mail("alice")), null);
            assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
            JsonObject phone = new JsonObject(res.body());
            assertThat(phone.getString("userId")).isEqualTo("alice");
            assertThat(phone.getBoolean("primary")).isTrue();
            assertThat(phone.getBoolean("reRegistered")).isTrue();

            // The lost phone and what it linked are gone.
            await().until(() -> old.closed);
            assertThat(old.ws.closeStatusCode()).isEqualTo((short) 4003);
            for (JsonObject gone : List.of(lost, laptop)) {
                assertThat(edge.readModel.devices.get(gone.getString("deviceId")).revoked()).isTrue();
                assertThatThrownBy(() -> TestClient.connect(edge.vertx, edge.port, "/v1/ws?token=" + gone.getString("token")))
                        .isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
            }

            // Each conversation alice is still in gets an identity change from her new phone; the one she left does not.
            assertThat(edge.log.actions).filteredOn(a -> a.getType() == ActionType.ANNOUNCE_IDENTITY)
                    .extracting(ClientAction::getConversationId).containsExactlyInAnyOrder(DM, GROUP);
            assertThat(edge.log.actions).filteredOn(a -> a.getType() == ActionType.ANNOUNCE_IDENTITY).allSatisfy(a -> {
                assertThat(a.getSenderUserId()).isEqualTo("alice");
                assertThat(a.getSenderDeviceId()).isEqualTo(phone.getString("deviceId"));
                assertThat(a.getEdgeId()).isEqualTo(1);
            });

            // What happened after the re-registration is hers; nothing from before is.
            long after = Instant.now().plusSeconds(1).toEpochMilli();
            edge.readModel.history.get(DM).add(event(DM, 3, "bob", after));
            for (JsonObject device : List.of(phone, edge.link(phone))) {
                try (TestClient c = edge.connect(device)) {
                    assertThat(history(c, DM)).extracting(e -> ((JsonObject) e).getLong("seq")).containsExactly(3L);
                    assertThat(history(c, GROUP)).isEmpty();
                    c.send("{\"type\":\"chats\",\"requestId\":\"c1\"}");
                    JsonArray chats = c.next("chats").getJsonArray("chats");
                    JsonObject dm = chats.stream().map(o -> (JsonObject) o)
                            .filter(o -> o.getString("conversationId").equals(DM)).findFirst().orElseThrow();
                    assertThat(dm.getLong("lastSeq")).isEqualTo(3L);
                    assertThat(dm.getInteger("unread")).isEqualTo(1); // bob's message 2 from before is not counted
                    JsonObject group = chats.stream().map(o -> (JsonObject) o)
                            .filter(o -> o.getString("conversationId").equals(GROUP)).findFirst().orElseThrow();
                    assertThat(group.getValue("lastSeq")).isNull(); // carol's message from before is not shown
                    assertThat(group.getInteger("unread")).isZero();
                }
            }
        }
    }

    @Test
    void aUserIdFromBeforeIdentitiesWereBoundIsNobodysToClaim() throws Exception {
        edge.identity.identities.legacyUsers.add("olduser");
        String mail = "someone@parley.test";
        assertThat(TestIdentity.requestCode(edge.port, mail).statusCode()).isEqualTo(202);
        HttpResponse<String> res = TestIdentity.verify(edge.port, mail, edge.identity.sender.latest.get(mail), "olduser");
        assertThat(res.statusCode()).isEqualTo(409);
        assertThat(error(res)).isEqualTo("USER_ID_TAKEN");
    }
}
