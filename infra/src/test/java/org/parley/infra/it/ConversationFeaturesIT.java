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
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * Groups, message operations, status and the chat list end to end: real WebSocket clients against the real stack
 * (edge → Kafka → sequencer → Flink fan-out → edge, CQL projection). Each rule's every branch is covered by the
 * sequencer's TopologyTestDriver tests; here each feature is shown to work through the whole pipeline.
 */
class ConversationFeaturesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();
    private final AtomicInteger ids = new AtomicInteger();

    private JsonObject frame(String type) {
        return EDGES.frame(type);
    }

    private static JsonObject message(String conversationId, String text) {
        return new JsonObject().put("type", "send").put("conversationId", conversationId)
                .put("payload", Base64.getEncoder().encodeToString(text.getBytes()));
    }

    private static JsonObject answer(ParleyClient c, JsonObject frame) throws Exception {
        return c.actRetrying(frame, WAIT, 5);
    }

    /** The action must be sequenced: its seq. */
    private static long sent(ParleyClient c, JsonObject frame) throws Exception {
        JsonObject r = answer(c, frame);
        assertThat(r.getString("type")).as("answer to %s: %s", frame, r).isEqualTo("sent");
        return r.getLong("seq");
    }

    /** The action must be refused: its error code. */
    private static String refused(ParleyClient c, JsonObject frame) throws Exception {
        JsonObject r = answer(c, frame);
        assertThat(r.getString("type")).as("answer to %s: %s", frame, r).isEqualTo("error");
        return r.getString("code");
    }

    private static JsonObject event(ParleyClient c, String conversationId, long seq) throws Exception {
        return c.awaitFrame(f -> "message".equals(f.getString("type")) && conversationId.equals(f.getString("conversationId"))
                && f.getLong("seq") == seq, WAIT);
    }

    private static String upload(ParleyClient.Device d, byte[] bytes) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(EDGES.url() + "/v1/media"))
                .header("Authorization", "Bearer " + d.token()).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return new JsonObject(res.body()).getString("key");
    }

    /** The object as a member fetches it, naming the event that showed it (503 while the read model catches up). */
    private static byte[] download(ParleyClient.Device d, String key, String conversationId, long seq) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(EDGES.url() + "/v1/" + key + "?conversationId=" + conversationId
                + "&seq=" + seq)).header("Authorization", "Bearer " + d.token()).build();
        HttpResponse<byte[]> res = await().atMost(WAIT).until(
                () -> HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.ofByteArray()),
                r -> r.statusCode() != 503);
        assertThat(res.statusCode()).isEqualTo(200);
        return res.body();
    }

    @Test
    void aGroupIsCreatedWithAnIconInS3AndMembershipChangesAreOrderedWithMessages() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);
        byte[] icon = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        String iconKey = upload(a, icon);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT);
             ParleyClient dave = ParleyClient.connect(EDGES.vertx(), EDGES.url(), d, null, WAIT)) {
            JsonObject create = frame("createGroup").put("name", "Book club").put("description", "monthly")
                    .put("iconKey", iconKey).put("members", new JsonArray(List.of(b.userId(), c.userId())));
            JsonObject created = answer(alice, create);
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g = created.getString("conversationId");
            assertThat(Conversations.isGroup(g)).isTrue();

            JsonObject bobSees = event(bob, g, 1);
            assertThat(bobSees.getString("kind")).isEqualTo("group_created");
            assertThat(bobSees.getString("systemText")).isEqualTo(a.userId() + " created group 'Book club'");
            assertThat(bobSees.getJsonObject("group").getString("iconKey")).isEqualTo(iconKey);
            assertThat(download(b, iconKey, g, 1)).isEqualTo(icon);

            long hello = sent(alice, message(g, "hello").put("clientMessageId", "hello"));
            assertThat(event(carol, g, hello).getString("senderUserId")).isEqualTo(a.userId());

            // Only admins add; Dave joins at seq m and receives nothing from before it.
            assertThat(refused(bob, frame("addMembers").put("conversationId", g).put("userIds", new JsonArray().add(d.userId()))))
                    .isEqualTo("NOT_AN_ADMIN");
            long added = sent(alice, frame("addMembers").put("conversationId", g).put("userIds", new JsonArray().add(d.userId())));
            JsonObject daveAdded = event(dave, g, added);
            assertThat(daveAdded.getString("systemText")).isEqualTo(a.userId() + " added " + d.userId());
            assertThat(dave.frames("message")).filteredOn(f -> g.equals(f.getString("conversationId")))
                    .extracting(f -> f.getLong("seq")).allMatch(seq -> seq >= added);

            // Carol is removed at seq n: she learns of it, and nothing after it reaches her.
            long removed = sent(alice, frame("removeMember").put("conversationId", g).put("userId", c.userId()));
            assertThat(event(carol, g, removed).getString("kind")).isEqualTo("member_removed");
            long after = sent(bob, message(g, "without carol").put("clientMessageId", "after"));
            long later = sent(dave, message(g, "still without carol").put("clientMessageId", "later"));
            event(dave, g, after);
            event(alice, g, later);
            // Per conversation a device's deliveries are in seq order: had 'after' reached Carol, 'later' would follow.
            event(bob, g, later);
            assertThat(carol.frames("message")).filteredOn(f -> g.equals(f.getString("conversationId")))
                    .extracting(f -> f.getLong("seq")).allMatch(seq -> seq <= removed);
            assertThat(refused(carol, message(g, "let me in").put("clientMessageId", "denied"))).isEqualTo("NOT_A_MEMBER");

            // Admin changes, info edits, leaving.
            sent(alice, frame("promoteAdmin").put("conversationId", g).put("userId", b.userId()));
            assertThat(refused(dave, frame("updateGroup").put("conversationId", g).put("name", "Dave's"))).isEqualTo("NOT_AN_ADMIN");
            long renamed = sent(bob, frame("updateGroup").put("conversationId", g).put("name", "Readers"));
            assertThat(event(dave, g, renamed).getJsonObject("group").getString("name")).isEqualTo("Readers");
            long left = sent(alice, frame("leaveGroup").put("conversationId", g));
            assertThat(event(bob, g, left).getString("kind")).isEqualTo("member_left");

            // The group as the read model has it.
            await().atMost(WAIT).untilAsserted(() -> {
                JsonObject info = bob.request(new JsonObject().put("type", "group").put("requestId", "g" + ids.incrementAndGet())
                        .put("conversationId", g), WAIT);
                assertThat(info.getString("name")).isEqualTo("Readers");
                assertThat(info.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("userId")).toList())
                        .containsExactlyInAnyOrder(b.userId(), d.userId());
            });
            // Dave's history starts where he joined.
            await().atMost(WAIT).untilAsserted(() -> {
                JsonObject page = dave.request(new JsonObject().put("type", "history").put("requestId", "h" + ids.incrementAndGet())
                        .put("conversationId", g).put("limit", 50), WAIT);
                assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
                        .isNotEmpty().allMatch(seq -> seq >= added).contains(left);
            });
        }
    }

    @Test
    void repliesReactionsEditsDeletesAndForwardsReachEveryDevice() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        String dm = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT)) {
            long first = sent(alice, message(dm, "helo").put("clientMessageId", "first"));
            long reply = sent(bob, message(dm, "hi!").put("clientMessageId", "reply").put("replyToSeq", first));
            assertThat(event(alice, dm, reply).getLong("replyToSeq")).isEqualTo(first);
            assertThat(refused(bob, message(dm, "?").put("clientMessageId", "bad-reply").put("replyToSeq", 999)))
                    .isEqualTo("TARGET_UNKNOWN");

            long like = sent(bob, frame("react").put("conversationId", dm).put("targetSeq", first).put("reaction", "👍"));
            assertThat(event(alice, dm, like).getString("reaction")).isEqualTo("👍");
            long love = sent(bob, frame("react").put("conversationId", dm).put("targetSeq", first).put("reaction", "❤️"));
            event(alice, dm, love);

            assertThat(refused(bob, frame("edit").put("conversationId", dm).put("targetSeq", first)
                    .put("payload", Base64.getEncoder().encodeToString("mine".getBytes())))).isEqualTo("NOT_THE_SENDER");
            long edit = sent(alice, frame("edit").put("conversationId", dm).put("targetSeq", first)
                    .put("payload", Base64.getEncoder().encodeToString("hello".getBytes())));
            JsonObject edited = event(bob, dm, edit);
            assertThat(edited.getString("kind")).isEqualTo("message_edited");
            assertThat(edited.getLong("targetSeq")).isEqualTo(first);

            // Forwarding counts hops; past four the message is "forwarded many times". The edge checks the source
            // in the read model, which a delivered event can outrun: wait until Bob can page it.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonObject page = bob.request(new JsonObject().put("type", "history").put("requestId", "h" + ids.incrementAndGet())
                        .put("conversationId", dm).put("limit", 50), WAIT);
                assertThat(page.getJsonArray("events")).as("%s", page).isNotNull();
                assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq"))).contains(reply);
            });
            String toCarol = Conversations.direct(b.userId(), c.userId());
            long fwd = sent(bob, message(toCarol, "hi!").put("clientMessageId", "fwd")
                    .put("forwardOf", new JsonObject().put("conversationId", dm).put("seq", reply)));
            JsonObject forwarded = event(carol, toCarol, fwd);
            assertThat(forwarded.getBoolean("forwarded")).isTrue();
            assertThat(forwarded.getInteger("forwardCount")).isEqualTo(1);
            assertThat(forwarded.getBoolean("forwardedManyTimes")).isFalse();
            assertThat(refused(carol, message(toCarol, "x").put("clientMessageId", "fwd-unseen")
                    .put("forwardOf", new JsonObject().put("conversationId", dm).put("seq", reply)))).isEqualTo("NOT_A_MEMBER");

            // Alice deletes her message for everyone: every device gets the tombstone; history shows it.
            long deleted = sent(alice, frame("delete").put("conversationId", dm).put("targetSeq", first).put("scope", "everyone"));
            assertThat(event(bob, dm, deleted).getString("kind")).isEqualTo("message_deleted");
            // Bob hides his reply for himself only: Alice's devices never get that event.
            long hidden = sent(bob, frame("delete").put("conversationId", dm).put("targetSeq", reply).put("scope", "me"));
            long marker = sent(bob, message(dm, "after the hide").put("clientMessageId", "marker"));
            event(alice, dm, marker); // per conversation in seq order: had Alice got the hide, it came before
            assertThat(alice.frames("message")).noneMatch(f -> dm.equals(f.getString("conversationId")) && f.getLong("seq") == hidden);

            await().atMost(WAIT).untilAsserted(() -> {
                JsonObject page = bob.request(new JsonObject().put("type", "history").put("requestId", "h" + ids.incrementAndGet())
                        .put("conversationId", dm).put("limit", 50), WAIT);
                List<JsonObject> events = page.getJsonArray("events").stream().map(e -> (JsonObject) e).toList();
                JsonObject tomb = events.stream().filter(e -> e.getLong("seq") == first).findFirst().orElseThrow();
                assertThat(tomb.getBoolean("deleted")).isTrue();
                assertThat(tomb.getString("payload")).isEmpty();
                assertThat(tomb.getJsonObject("reactions").getString(b.userId())).isEqualTo("❤️");
                assertThat(events).noneMatch(e -> e.getLong("seq") == reply); // hidden for Bob
                assertThat(events).anyMatch(e -> e.getLong("seq") == marker);
            });
            await().atMost(WAIT).untilAsserted(() -> {
                JsonObject page = alice.request(new JsonObject().put("type", "history").put("requestId", "h" + ids.incrementAndGet())
                        .put("conversationId", dm).put("limit", 50), WAIT);
                assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
                        .contains(reply).doesNotContain(hidden);
            });
            assertThat(refused(bob, frame("react").put("conversationId", dm).put("targetSeq", first).put("reaction", "😮")))
                    .isEqualTo("TARGET_UNKNOWN"); // deleted: out of reach
        }
    }

    /**
     * Group receipts are state (docs/adr/0014): the sender's devices get "delivered to all" once every member acked
     * and "read by all" once every member read, never one receipt per member; each member's marks are on request
     * ({@code messageInfo}), for the sender only.
     */
    @Test
    void groupSendersGetTheAggregatesAndPerMemberStatusOnRequest() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT);
             ParleyClient dave = ParleyClient.connect(EDGES.vertx(), EDGES.url(), d, null, WAIT)) {
            JsonObject created = answer(alice, frame("createGroup").put("name", "Status").put("members",
                    new JsonArray(List.of(b.userId(), c.userId()))));
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g = created.getString("conversationId");
            long m = sent(alice, message(g, "status?").put("clientMessageId", "status"));

            bob.ack(event(bob, g, m).getLong("inboxSeq"));
            // Bob's mark is state: alice can ask for it, and it never arrives as a receipt of its own.
            await().atMost(WAIT).untilAsserted(() -> assertThat(memberMarks(alice.messageInfo(g, m, WAIT)))
                    .containsExactly(b.userId() + " delivered", c.userId() + " -"));
            carol.ack(event(carol, g, m).getLong("inboxSeq"));
            JsonObject all = alice.awaitFrame(f -> "receipt".equals(f.getString("type"))
                    && "delivered_to_all".equals(f.getString("status")), WAIT);
            assertThat(all.getLong("seq")).isEqualTo(m);

            for (ParleyClient member : List.of(bob, carol)) {
                member.sendText(new JsonObject().put("type", "read").put("conversationId", g).put("seq", m).encode());
            }
            assertThat(alice.awaitFrame(f -> "read_by_all".equals(f.getString("status")), WAIT).getLong("seq")).isEqualTo(m);
            await().atMost(WAIT).untilAsserted(() -> {
                JsonObject info = alice.messageInfo(g, m, WAIT);
                assertThat(memberMarks(info)).containsExactly(b.userId() + " delivered read", c.userId() + " delivered read");
                assertThat(info.getJsonArray("members").stream().map(JsonObject.class::cast))
                        .allSatisfy(x -> assertThat(x.getLong("readAt")).isGreaterThanOrEqualTo(x.getLong("deliveredAt")));
            });
            assertThat(alice.frames("receipt")).as("no per-member receipt reaches the sender")
                    .extracting(f -> f.getString("status")).containsOnly("delivered_to_all", "read_by_all");

            // Only the sender asks about its message; a non-member is told precisely.
            JsonObject notMine = bob.messageInfo(g, m, WAIT);
            assertThat(notMine.getString("code")).as(notMine.encode()).isEqualTo("NOT_THE_SENDER");
            JsonObject outsider = dave.messageInfo(g, m, WAIT);
            assertThat(outsider.getString("code")).as(outsider.encode()).isEqualTo("NOT_A_MEMBER");
        }
    }

    /** "user delivered read" per member of a messageInfo answer, in its order ("-": neither). */
    private static List<String> memberMarks(JsonObject info) {
        assertThat(info.getString("type")).as(info.encode()).isEqualTo("messageInfo");
        return info.getJsonArray("members").stream().map(JsonObject.class::cast).map(x -> x.getString("userId")
                + (x.getBoolean("delivered") ? " delivered" : "") + (x.getBoolean("read") ? " read" : "")
                + (x.getBoolean("delivered") || x.getBoolean("read") ? "" : " -")).toList();
    }

    /**
     * One round: alice sends, bob reads it, alice sends again and bob acks. Receipts of one conversation reach a
     * device in order (one partition of {@code receipts}, relayed in log order by the edges: ADR 0014), so once alice
     * holds 'delivered' for the second message, a read receipt for the first would already be there. Returns whether
     * it was.
     */
    private boolean readReceiptReachedSender(ParleyClient reader, ParleyClient sender, String dm, String id) throws Exception {
        long first = sent(sender, message(dm, "first").put("clientMessageId", id + "-a"));
        reader.ack(event(reader, dm, first).getLong("inboxSeq"));
        reader.sendText(new JsonObject().put("type", "read").put("conversationId", dm).put("seq", first).encode());
        long second = sent(sender, message(dm, "second").put("clientMessageId", id + "-b"));
        reader.ack(event(reader, dm, second).getLong("inboxSeq"));
        sender.awaitFrame(f -> "delivered".equals(f.getString("status")) && f.getLong("seq") == second, WAIT);
        return sender.frames("receipt").stream().anyMatch(f -> "read".equals(f.getString("status")) && f.getLong("seq") == first);
    }

    @Test
    void aUserWithReadReceiptsOffNeitherSendsNorSeesThemOneToOne() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        String dm = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT)) {
            assertThat(readReceiptReachedSender(bob, alice, dm, "on")).as("read receipts are on by default").isTrue();
            JsonObject off = bob.request(new JsonObject().put("type", "settings").put("requestId", "off").put("readReceipts", false), WAIT);
            assertThat(off.getBoolean("readReceipts")).isFalse();
            // The sequencer reads settings from a global table that follows 'user-settings' within moments: the
            // change holds from some round on, and then in every later round, both ways.
            int round = 0;
            while (readReceiptReachedSender(bob, alice, dm, "off-" + round)) {
                assertThat(++round).as("rounds until bob's setting applies").isLessThan(20);
            }
            assertThat(readReceiptReachedSender(bob, alice, dm, "still-off")).as("bob does not send them").isFalse();
            assertThat(readReceiptReachedSender(alice, bob, dm, "not-seen")).as("bob does not see them").isFalse();
        }
    }

    @Test
    void theChatListOrdersByLastActivityWithUnreadCountsAndMute() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        String withBob = Conversations.direct(a.userId(), b.userId());
        String withCarol = Conversations.direct(a.userId(), c.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT)) {
            sent(bob, message(withBob, "b1").put("clientMessageId", "b1"));
            sent(bob, message(withBob, "b2").put("clientMessageId", "b2"));
            sent(alice, frame("mute").put("conversationId", withCarol).put("until", "forever"));
            long c1 = sent(carol, message(withCarol, "c1").put("clientMessageId", "c1"));
            // At most one chat list every 3.5 s: a user may ask limits.user.chats (20 a minute) before RATE_LIMITED.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(3500)).untilAsserted(() -> {
                JsonObject chats = alice.request(new JsonObject().put("type", "chats").put("requestId", "c" + ids.incrementAndGet()), WAIT);
                List<JsonObject> list = chats.getJsonArray("chats").stream().map(x -> (JsonObject) x).toList();
                assertThat(list).extracting(x -> x.getString("conversationId")).containsExactly(withCarol, withBob);
                assertThat(list.get(0).getBoolean("muted")).isTrue();
                assertThat(list.get(0).getInteger("unread")).isEqualTo(1);
                assertThat(list.get(0).getLong("lastSeq")).isEqualTo(c1);
                assertThat(list.get(1).getInteger("unread")).isEqualTo(2);
                assertThat(list.get(1).getString("lastSenderUserId")).isEqualTo(b.userId());
            });
            alice.sendText(new JsonObject().put("type", "read").put("conversationId", withBob).put("seq", 2).encode());
            // At most one chat list every 3.5 s: a user may ask limits.user.chats (20 a minute) before RATE_LIMITED.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(3500)).untilAsserted(() -> {
                JsonObject chats = alice.request(new JsonObject().put("type", "chats").put("requestId", "c" + ids.incrementAndGet()), WAIT);
                JsonObject bobChat = chats.getJsonArray("chats").stream().map(x -> (JsonObject) x)
                        .filter(x -> withBob.equals(x.getString("conversationId"))).findFirst().orElseThrow();
                assertThat(bobChat.getInteger("unread")).isZero();
            });
        }
    }

    @Test
    void tooManyActionsFromOneDeviceAreRateLimitedWithoutLosingTheConnection() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        String dm = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT)) {
            for (int i = 0; i < 200; i++) {
                alice.sendText(message(dm, "spam").put("clientMessageId", "spam-" + i).encode());
            }
            JsonObject limited = alice.awaitFrame(f -> "RATE_LIMITED".equals(f.getString("code")), WAIT);
            assertThat(limited.getString("ref")).startsWith("spam-");
            alice.sendText(new JsonObject().put("type", "ping").encode());
            alice.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
            assertThat(alice.isClosed()).isFalse();
        }
    }
}
