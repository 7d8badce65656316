package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsEndpoint;
import org.parley.events.ActionType;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.projections.GroupDepartures;
import org.parley.projections.GroupDirectory;
import org.parley.projections.UserConversations;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;

/**
 * Who may fetch a media object (its uploader, and members of a conversation that showed it within their reach), how
 * it is served (a safe content type, never rendered inline), which icon keys a group may name, and what a former
 * member still sees of a group. Real sockets; the read model and media bucket in memory.
 */
@ExtendWith(VertxExtension.class)
class MediaAndGroupAccessTest {
    private static final String G = "g:book-club";

    private final RecordingActionLog log = new RecordingActionLog();
    private final InMemoryReadModel readModel = new InMemoryReadModel();
    private final InMemoryMediaStore media = new InMemoryMediaStore();
    private final TestIdentity identity = new TestIdentity(readModel, log, 1);
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;
    private int port;
    private String deployment;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        this.vertx = vertx;
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        ConnectedDevices devices = new ConnectedDevices();
        EdgeConfig config = EdgeConfig.builder().edgeId(2).maxPayloadBytes(1024).maxFrameBytes(64 * 1024)
                .historyPageMax(100).syncTimeoutMs(60_000).resultTimeoutMs(5_000).rateLimitPerSecond(20)
                .rateLimitBurst(20).maxMediaBytes(4096).build();
        EdgeRoutes routes = EdgeRoutes.builder(config, TestEdges.guards(vertx)).log(log).readModel(readModel)
                .pending(new PendingActions()).devices(devices).inboxDecoder(b -> reader.deserialize("deliveries", b))
                .media(media, org.parley.edge.media.MediaPolicy.defaults())
                .extensions(new EdgeExtensions(new DeviceRegistration(log, readModel, new InMemoryDeviceSlots(), devices, 4, identity.registration),
                        new SettingsEndpoint(new InMemoryUserState()), SessionExtension.NONE))
                .build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes);
        deployment = edge.id();
        port = edge.port();
    }

    @AfterEach
    void undeploy() throws Exception {
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---- helpers ----

    private JsonObject register(String userId) throws Exception {
        return identity.register(port, userId);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private String upload(JsonObject device, String contentType, byte[] bytes) throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri("/v1/media"))
                .header("Authorization", "Bearer " + device.getString("token")).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return new JsonObject(res.body()).getString("key");
    }

    private HttpResponse<byte[]> fetch(JsonObject device, String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/v1/" + pathAndQuery))
                .header("Authorization", "Bearer " + device.getString("token")).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String error(HttpResponse<byte[]> res) {
        return new JsonObject(Buffer.buffer(res.body())).getString("error");
    }

    private void member(String userId, String conversationId, long sinceSeq, Long leftSeq) {
        readModel.memberships.put(userId + "/" + conversationId,
                new UserConversations.Membership(userId, conversationId, sinceSeq, leftSeq, 0, 0));
    }

    private TestClient connect(JsonObject device) throws Exception {
        TestClient c = TestClient.connect(vertx, port, "/v1/ws?token=" + device.getString("token"));
        c.next("ready");
        return c;
    }

    private static ConversationEvent message(String conversation, long seq) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(EventType.MESSAGE).setSenderUserId("alice").setSenderDeviceId("dev-alice")
                .setClientMessageId("m" + seq).setMemberUserIds(List.of()).setSentAt(Instant.ofEpochMilli(seq))
                .setPayload(ByteBuffer.allocate(0)).build();
    }

    // ---- who may fetch ----

    @Test
    void mediaIsServedOnlyToItsUploaderAndToMembersWhoseReachHoldsAReference() throws Exception {
        JsonObject alice = register("alice");
        JsonObject bob = register("bob");
        JsonObject carol = register("carol");
        JsonObject dave = register("dave");
        String icon = upload(alice, "image/png", new byte[] {1, 2, 3});

        assertThat(fetch(alice, icon).statusCode()).isEqualTo(200);
        // Bob shares no conversation with Alice: a valid token is not enough.
        HttpResponse<byte[]> stranger = fetch(bob, icon);
        assertThat(stranger.statusCode()).isEqualTo(403);
        assertThat(error(stranger)).isEqualTo("NOT_A_MEMBER");

        // The group showed the icon at its creation (seq 1); Carol is a member since then.
        readModel.reference(icon, G, 1);
        member("alice", G, 1, null);
        member("carol", G, 1, null);
        assertThat(fetch(carol, icon).body()).containsExactly(1, 2, 3);
        // Dave joined at 5 (no history sharing): seq 1 is out of his reach ...
        member("dave", G, 5, null);
        assertThat(fetch(dave, icon).statusCode()).isEqualTo(403);
        // ... but the members-added event that let him in showed him the current icon.
        readModel.reference(icon, G, 5);
        assertThat(fetch(dave, icon).statusCode()).isEqualTo(200);
        // Bob is still a stranger to it.
        assertThat(fetch(bob, icon).statusCode()).isEqualTo(403);
    }

    @Test
    void aRemovedMemberKeepsWhatWasShownWhileAMemberAndNothingShownAfter() throws Exception {
        JsonObject alice = register("alice");
        JsonObject carol = register("carol");
        String before = upload(alice, "image/png", new byte[] {1});
        String after = upload(alice, "image/png", new byte[] {2});
        member("alice", G, 1, null);
        member("carol", G, 1, 6L); // removed at seq 6
        readModel.reference(before, G, 1);
        readModel.reference(after, G, 8); // the icon changed after Carol's removal

        assertThat(fetch(carol, before).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> refused = fetch(carol, after);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(error(refused)).isEqualTo("NOT_A_MEMBER");
        assertThat(fetch(carol, after + "?conversationId=" + G).statusCode()).isEqualTo(403);
    }

    @Test
    void theConversationAndSeqOfTheReferenceMakeALaggingReadModelAnswerRetry() throws Exception {
        JsonObject alice = register("alice");
        JsonObject carol = register("carol");
        JsonObject erin = register("erin");
        String icon = upload(alice, "image/png", new byte[] {7});
        readModel.heads.put(G, 3L); // the projection has not reached seq 9, which showed Carol the icon

        HttpResponse<byte[]> early = fetch(carol, icon + "?conversationId=" + G + "&seq=9");
        assertThat(early.statusCode()).isEqualTo(503);
        assertThat(error(early)).isEqualTo("UNAVAILABLE");
        assertThat(early.headers().firstValue("Retry-After")).isPresent();
        // Without the hint the edge cannot tell "not yet" from "never".
        assertThat(fetch(carol, icon).statusCode()).isEqualTo(403);

        member("carol", G, 9, null);
        readModel.reference(icon, G, 9);
        readModel.heads.put(G, 9L);
        assertThat(fetch(carol, icon + "?conversationId=" + G + "&seq=9").statusCode()).isEqualTo(200);
        assertThat(fetch(carol, icon + "?conversationId=" + G).statusCode()).isEqualTo(200);
        // Erin is no member: the hint opens nothing, whatever seq it names.
        assertThat(fetch(erin, icon + "?conversationId=" + G + "&seq=9").statusCode()).isEqualTo(403);
        // Another conversation of Carol's that never showed the key.
        member("carol", "g:other-group", 1, null);
        assertThat(fetch(carol, icon + "?conversationId=g:other-group").statusCode()).isEqualTo(403);
    }

    @Test
    void malformedKeysAndHintsAreRefusedPrecisely() throws Exception {
        JsonObject alice = register("alice");
        String icon = upload(alice, "image/png", new byte[] {7});
        for (String bad : List.of("media/alice", "media/alice/../bob/x", "media/al:ce/" + UUID.randomUUID(), "media/alice/" + UUID.randomUUID() + "/x")) {
            HttpResponse<byte[]> res = fetch(alice, bad);
            assertThat(res.statusCode()).as(bad).isEqualTo(400);
            assertThat(error(res)).isEqualTo("INVALID_FIELD");
        }
        assertThat(fetch(alice, icon + "?conversationId=nope").statusCode()).isEqualTo(400);
        assertThat(fetch(alice, icon + "?conversationId=" + G + "&seq=-1").statusCode()).isEqualTo(400);
        // Allowed, but no such object.
        HttpResponse<byte[]> missing = fetch(alice, "media/alice/" + UUID.randomUUID());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(error(missing)).isEqualTo("TARGET_UNKNOWN");
    }

    // ---- how it is served ----

    @Test
    void mediaIsServedAsAnAttachmentWithASafeContentTypeOnly() throws Exception {
        JsonObject alice = register("alice");
        String page = upload(alice, "text/html", "<script>alert(1)</script>".getBytes());
        String svg = upload(alice, "image/svg+xml", "<svg onload='alert(1)'/>".getBytes());
        String png = upload(alice, "image/PNG; charset=binary", new byte[] {(byte) 0x89, 'P', 'N', 'G'});

        for (String key : List.of(page, svg)) {
            HttpResponse<byte[]> res = fetch(alice, key);
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Content-Type")).contains("application/octet-stream");
            assertThat(res.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(res.headers().firstValue("Content-Disposition")).contains("attachment");
            // Stored as such too, so a future presigned URL (S3 serves the stored type) is just as safe.
            assertThat(media.objects.get(key).contentType()).isEqualTo("application/octet-stream");
        }
        HttpResponse<byte[]> image = fetch(alice, png);
        assertThat(image.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(image.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(image.headers().firstValue("Content-Disposition")).contains("attachment");

        // An object stored before uploads were checked is still served safely.
        String legacy = "media/alice/" + UUID.randomUUID();
        media.put(legacy, Buffer.buffer("<html>"), "text/html");
        assertThat(fetch(alice, legacy).headers().firstValue("Content-Type")).contains("application/octet-stream");
    }

    // ---- which icon a group may name ----

    @Test
    void aGroupIconMustBeAnObjectTheSenderUploaded() throws Exception {
        JsonObject alice = register("alice");
        JsonObject bob = register("bob");
        String bobs = upload(bob, "image/png", new byte[] {1});
        String alices = upload(alice, "image/png", new byte[] {2});
        String[][] refused = {
            {bobs, "you uploaded"},
            {"media/alice/" + UUID.randomUUID(), "no uploaded object"},
            {"https://evil.example/x.png", "you uploaded"},
        };
        try (TestClient c = connect(alice)) {
            int n = 0;
            for (String[] tc : refused) {
                String id = "cg-" + n++;
                c.send(new JsonObject().put("type", "createGroup").put("clientMessageId", id).put("name", "Books")
                        .put("members", new JsonArray().add("bob")).put("iconKey", tc[0]));
                JsonObject err = c.next("error");
                assertThat(err.getString("code")).as(tc[0]).isEqualTo("INVALID_FIELD");
                assertThat(err.getString("ref")).isEqualTo(id);
                assertThat(err.getString("message")).contains("iconKey").contains(tc[1]);
                c.send(new JsonObject().put("type", "updateGroup").put("clientMessageId", "ug-" + n)
                        .put("conversationId", G).put("iconKey", tc[0]));
                assertThat(c.next("error").getString("code")).isEqualTo("INVALID_FIELD");
            }
            assertThat(log.actions).isEmpty();

            c.send(new JsonObject().put("type", "createGroup").put("clientMessageId", "ok-1").put("name", "Books")
                    .put("members", new JsonArray().add("bob")).put("iconKey", alices));
            c.send(new JsonObject().put("type", "updateGroup").put("clientMessageId", "ok-2")
                    .put("conversationId", G).put("name", "No icon change"));
            await().until(() -> log.actions.size() == 2);
            assertThat(log.actions.get(0).getType()).isEqualTo(ActionType.CREATE_GROUP);
            assertThat(log.actions.get(0).getGroupInfo().getIconKey()).isEqualTo(alices);
            assertThat(log.actions.get(1).getType()).isEqualTo(ActionType.UPDATE_GROUP_INFO);
        }
    }

    // ---- which attachment object a message may name ----

    @Test
    void anAttachmentObjectMustBeTheSendersOwnUploadOrShownToItInTheMessageItForwards() throws Exception {
        JsonObject alice = register("alice");
        JsonObject bob = register("bob");
        register("carol");
        String bobs = upload(bob, "application/octet-stream", new byte[] {1});
        String alices = upload(alice, "application/octet-stream", new byte[] {2});
        String shownToAlice = upload(bob, "application/octet-stream", new byte[] {3});
        String dm = "dm:alice:bob";
        readModel.history.put(dm, List.of(message(dm, 1), message(dm, 2)));
        readModel.reference(shownToAlice, dm, 2);
        Object[][] refused = {
            {bobs, null, "object you uploaded"},
            {"media/alice/" + UUID.randomUUID(), null, "no uploaded object"},
            {bobs, 1L, "was not shown to you"}, // forwarding a message that did not carry it
            {"icon.png", null, "media/<userId>/<uuid>"},
        };
        try (TestClient c = connect(alice)) {
            int n = 0;
            for (Object[] tc : refused) {
                String id = "att-" + n++;
                JsonObject send = new JsonObject().put("type", "send").put("clientMessageId", id).put("to", "carol")
                        .put("payload", "AQ==").put("mediaType", "image/jpeg").put("mediaObjectId", tc[0]);
                if (tc[1] != null) {
                    send.put("forwardOf", new JsonObject().put("conversationId", dm).put("seq", tc[1]));
                }
                c.send(send);
                JsonObject err = c.next("error");
                assertThat(err.getString("code")).as((String) tc[0]).isEqualTo("INVALID_FIELD");
                assertThat(err.getString("ref")).isEqualTo(id);
                assertThat(err.getString("message")).contains("mediaObjectId").contains((String) tc[2]);
            }
            assertThat(log.actions).isEmpty();

            // Its own completed upload; and bob's object, forwarded from the message that showed it to alice.
            c.send(new JsonObject().put("type", "send").put("clientMessageId", "own").put("to", "carol")
                    .put("payload", "AQ==").put("mediaType", "image/jpeg").put("mediaObjectId", alices));
            c.send(new JsonObject().put("type", "send").put("clientMessageId", "fwd").put("to", "carol")
                    .put("payload", "AQ==").put("mediaObjectId", shownToAlice)
                    .put("forwardOf", new JsonObject().put("conversationId", dm).put("seq", 2)));
            await().until(() -> log.actions.size() == 2);
            assertThat(log.actions).extracting(a -> a.getMediaObjectId()).containsExactlyInAnyOrder(alices, shownToAlice);
            assertThat(log.actions).filteredOn(a -> a.getClientMessageId().equals("fwd")).singleElement()
                    .satisfies(a -> assertThat(a.getForwardCount()).isEqualTo(1));
        }
    }

    // ---- what a former member sees of a group ----

    private void groupNow() {
        readModel.groups.put(G, new GroupDirectory.Group(G, "Plans without Carol", "secret", "media/alice/new-icon",
                "alice", true, true));
        readModel.members.put(G, List.of(new GroupDirectory.Member("alice", true, 1),
                new GroupDirectory.Member("bob", false, 1), new GroupDirectory.Member("frank", false, 9)));
    }

    @Test
    void aFormerMemberSeesTheGroupAsItWasWhenItLeftAndNothingNewer() throws Exception {
        JsonObject carol = register("carol");
        groupNow();
        member("carol", G, 1, 6L);
        readModel.departures.put("carol/" + G, new GroupDepartures.Departure("carol", G, 6,
                new GroupDirectory.Group(G, "Book club", "monthly", "media/alice/old-icon", "alice", true, false),
                List.of("alice"), List.of("alice", "bob")));
        member("bob", G, 1, null);
        JsonObject bob = register("bob");
        try (TestClient c = connect(carol)) {
            c.send("{\"type\":\"group\",\"requestId\":\"r1\",\"conversationId\":\"" + G + "\"}");
            JsonObject info = c.next("group");
            assertThat(info.getString("name")).isEqualTo("Book club");
            assertThat(info.getString("description")).isEqualTo("monthly");
            assertThat(info.getString("iconKey")).isEqualTo("media/alice/old-icon");
            assertThat(info.getBoolean("historySharing")).isFalse();
            assertThat(info.getBoolean("member")).isFalse();
            assertThat(info.getLong("leftSeq")).isEqualTo(6L);
            assertThat(info.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("userId")).toList())
                    .containsExactly("alice", "bob");
            assertThat(info.getJsonArray("members").getJsonObject(0).getBoolean("admin")).isTrue();
            assertThat(info.encode()).doesNotContain("frank").doesNotContain("Plans without Carol");

            c.send("{\"type\":\"chats\",\"requestId\":\"r2\"}");
            JsonObject chats = c.next("chats");
            assertThat(chats.getJsonArray("chats").getJsonObject(0).getString("name")).isEqualTo("Book club");
        }
        // A member sees the group as it is now.
        try (TestClient c = connect(bob)) {
            c.send("{\"type\":\"group\",\"requestId\":\"r3\",\"conversationId\":\"" + G + "\"}");
            JsonObject info = c.next("group");
            assertThat(info.getString("name")).isEqualTo("Plans without Carol");
            assertThat(info.getBoolean("member")).isTrue();
        }
    }

    @Test
    void aFormerMemberWithoutItsDepartureRowIsRefusedRatherThanShownTheGroupNow() throws Exception {
        JsonObject carol = register("carol");
        groupNow();
        member("carol", G, 1, 6L);
        try (TestClient c = connect(carol)) {
            c.send("{\"type\":\"group\",\"requestId\":\"r1\",\"conversationId\":\"" + G + "\"}");
            JsonObject err = c.next("error");
            assertThat(err.getString("code")).isEqualTo("NOT_A_MEMBER");
            assertThat(err.getString("ref")).isEqualTo("r1");
            c.send("{\"type\":\"chats\",\"requestId\":\"r2\"}");
            assertThat(c.next("chats").getJsonArray("chats").getJsonObject(0).containsKey("name")).isFalse();
        }
    }

    @Test
    void historySharingTurnedOnAfterAMemberLeftOpensNothingToIt() throws Exception {
        JsonObject carol = register("carol");
        groupNow(); // history sharing is on now
        member("carol", G, 3, 6L);
        readModel.departures.put("carol/" + G, new GroupDepartures.Departure("carol", G, 6,
                new GroupDirectory.Group(G, "Book club", null, null, "alice", true, false), List.of("alice"),
                List.of("alice", "bob")));
        readModel.history.put(G, List.of(message(G, 1), message(G, 2), message(G, 3), message(G, 4),
                message(G, 6), message(G, 7)));
        try (TestClient c = connect(carol)) {
            c.send("{\"type\":\"history\",\"requestId\":\"h1\",\"conversationId\":\"" + G + "\",\"limit\":10}");
            JsonObject page = c.next("history");
            assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
                    .containsExactly(6L, 4L, 3L);
        }
    }
}
