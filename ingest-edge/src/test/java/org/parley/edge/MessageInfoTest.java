package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
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
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.projections.GroupDirectory;
import org.parley.projections.MemberReceipts;
import org.parley.projections.UserConversations;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;

/**
 * {@code messageInfo} (docs/adr/0014): a member's delivered/read marks (a group's members', a one-to-one chat's other
 * member's) are state in the read model, served to the message's sender on request, and to no one else. Real sockets; the read model in memory.
 */
@ExtendWith(VertxExtension.class)
class MessageInfoTest {
    private static final String G = "g:book-club";
    private static final Instant T = Instant.parse("2026-12-06T10:00:00Z");

    private final RecordingActionLog log = new RecordingActionLog();
    private final InMemoryReadModel readModel = new InMemoryReadModel();
    private final TestIdentity identity = new TestIdentity(readModel, log, 1);
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
                .media(new InMemoryMediaStore(), org.parley.edge.media.MediaPolicy.defaults())
                .extensions(new EdgeExtensions(new DeviceRegistration(log, readModel, new InMemoryDeviceSlots(), devices, 4, identity.registration),
                        new SettingsEndpoint(new InMemoryUserState()), SessionExtension.NONE))
                .build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes);
        deployment = edge.id();
        port = edge.port();

        // alice, bob, carol from seq 1; dave joined at seq 3, after alice's message 2
        for (String u : List.of("alice", "bob", "carol")) {
            readModel.memberships.put(u + "/" + G, new UserConversations.Membership(u, G, 1, null, 0, 0));
        }
        readModel.memberships.put("dave/" + G, new UserConversations.Membership("dave", G, 3, null, 0, 0));
        readModel.groups.put(G, new GroupDirectory.Group(G, "Books", "", null, "alice", false, false));
        readModel.members.put(G, List.of(new GroupDirectory.Member("alice", true, 1), new GroupDirectory.Member("bob", false, 1),
                new GroupDirectory.Member("carol", false, 1), new GroupDirectory.Member("dave", false, 3)));
        readModel.history.put(G, List.of(event(1, EventType.GROUP_CREATED, "alice"), event(2, EventType.MESSAGE, "alice"),
                event(3, EventType.MEMBERS_ADDED, "alice"), event(4, EventType.MESSAGE, "bob")));
        // bob: delivered up to 2 at T+1, read up to 4 at T+5; carol: delivered up to 4 at T+3 (one cumulative mark)
        readModel.memberMarks.put(G, List.of(
                new MemberReceipts.Entry(G, "bob", MemberReceipts.Mark.DELIVERED, 2, T.plusSeconds(1)),
                new MemberReceipts.Entry(G, "carol", MemberReceipts.Mark.DELIVERED, 4, T.plusSeconds(3)),
                new MemberReceipts.Entry(G, "bob", MemberReceipts.Mark.READ, 4, T.plusSeconds(5))));
    }

    @AfterEach
    void undeploy() throws Exception {
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static ConversationEvent event(long seq, EventType type, String sender) {
        return event(G, seq, type, sender);
    }

    private static ConversationEvent event(String conversation, long seq, EventType type, String sender) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(type)
                .setSenderUserId(sender).setSenderDeviceId("dev-" + sender).setClientMessageId("m" + seq)
                .setMemberUserIds(List.of()).setSentAt(Instant.ofEpochMilli(seq)).setPayload(ByteBuffer.allocate(0))
                .build();
    }

    private TestClient connect(String userId) throws Exception {
        JsonObject device = identity.register(port, userId);
        TestClient c = TestClient.connect(vertx, port, "/v1/ws?token=" + device.getString("token"));
        c.next("ready");
        return c;
    }

    private static String info(String conversation, long seq) {
        return new JsonObject().put("type", "messageInfo").put("requestId", "i" + seq).put("conversationId", conversation)
                .put("seq", seq).encode();
    }

    @Test
    void theSenderGetsEachMembersDeliveredAndReadMarks() throws Exception {
        try (TestClient alice = connect("alice")) {
            alice.send(info(G, 2));
            JsonObject info = alice.next("messageInfo");
            assertThat(info.getString("requestId")).isEqualTo("i2");
            assertThat(info.getLong("seq")).isEqualTo(2);
            // dave joined after message 2: never to receive it, not listed; the sender itself is not listed
            assertThat(info.getJsonArray("members").stream().map(JsonObject.class::cast)
                    .map(m -> m.getString("userId") + " delivered=" + m.getLong("deliveredAt") + " read=" + m.getLong("readAt")))
                    .containsExactly(
                            "bob delivered=" + T.plusSeconds(1).toEpochMilli() + " read=" + T.plusSeconds(5).toEpochMilli(),
                            "carol delivered=" + T.plusSeconds(3).toEpochMilli() + " read=null");
            assertThat(info.getInteger("deliveredTo")).isEqualTo(2);
            assertThat(info.getInteger("readBy")).isEqualTo(1);
        }
    }

    @Test
    void someoneElsesMessageANonMessageAndANonMemberAreRefusedPrecisely() throws Exception {
        try (TestClient alice = connect("alice")) {
            alice.send(info(G, 4));
            JsonObject err = alice.next("error");
            assertThat(err.getString("code")).isEqualTo("NOT_THE_SENDER");
            assertThat(err.getString("ref")).isEqualTo("i4");
            alice.send(info(G, 3));
            assertThat(alice.next("error").getString("code")).isEqualTo("TARGET_UNKNOWN");
            alice.send(info(G, 9));
            assertThat(alice.next("error").getString("code")).isEqualTo("TARGET_UNKNOWN");
        }
        try (TestClient mallory = connect("mallory")) {
            mallory.send(info(G, 2));
            JsonObject err = mallory.next("error");
            assertThat(err.getString("code")).isEqualTo("NOT_A_MEMBER");
            assertThat(err.getString("ref")).isEqualTo("i2");
        }
    }

    @Test
    void aOneToOneMessagesInfoIsTheOtherMembersMarks() throws Exception {
        String dm = "dm:alice:bob";
        readModel.history.put(dm, List.of(event(dm, 1, EventType.MESSAGE, "alice"), event(dm, 2, EventType.MESSAGE, "alice"),
                event(dm, 3, EventType.MESSAGE, "bob")));
        // bob: delivered up to 2 at T+1 (one cumulative mark), read up to 1 at T+2
        readModel.memberMarks.put(dm, List.of(
                new MemberReceipts.Entry(dm, "bob", MemberReceipts.Mark.DELIVERED, 2, T.plusSeconds(1)),
                new MemberReceipts.Entry(dm, "bob", MemberReceipts.Mark.READ, 1, T.plusSeconds(2))));
        try (TestClient alice = connect("alice")) {
            alice.send(info(dm, 1));
            JsonObject first = alice.next("messageInfo");
            assertThat(first.getJsonArray("members").stream().map(JsonObject.class::cast)
                    .map(m -> m.getString("userId") + " delivered=" + m.getLong("deliveredAt") + " read=" + m.getLong("readAt")))
                    .containsExactly("bob delivered=" + T.plusSeconds(1).toEpochMilli() + " read=" + T.plusSeconds(2).toEpochMilli());
            alice.send(info(dm, 2));
            JsonObject second = alice.next("messageInfo");
            assertThat(second.getInteger("deliveredTo")).isEqualTo(1);
            assertThat(second.getInteger("readBy")).isZero();
            alice.send(info(dm, 3));
            assertThat(alice.next("error").getString("code")).as("bob's message").isEqualTo("NOT_THE_SENDER");
        }
        try (TestClient carol = connect("carol")) {
            carol.send(info(dm, 1));
            assertThat(carol.next("error").getString("code")).isEqualTo("NOT_A_MEMBER");
        }
    }

    @Test
    void aMissingSeqIsABadFrame() throws Exception {
        try (TestClient alice = connect("alice")) {
            alice.send(new JsonObject().put("type", "messageInfo").put("requestId", "x").put("conversationId", G).encode());
            JsonObject err = alice.next("error");
            assertThat(err.getString("code")).isEqualTo("MISSING_FIELD");
            assertThat(err.getString("ref")).isEqualTo("x");
        }
    }
}
