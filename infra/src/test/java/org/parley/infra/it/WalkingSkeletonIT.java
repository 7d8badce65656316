package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.events.ConversationEvent;
import org.parley.projections.CqlSessionFactory;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireDeserializer;

/**
 * The walking skeleton end to end on the real stack: edge → Kafka → sequencer → fan-out → edge, with the CQL
 * projection on the side, driven by real WebSocket clients. Users are random per test: the stack is shared.
 */
class WalkingSkeletonIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @Test
    void oneMessageTravelsTheWholePipelineAndIsDeliveredReceiptedAndStored() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device a2 = TestUsers.linkedDevice(EDGES.url(), a); // alice's second device
        String conversation = Conversations.direct(a.userId(), b.userId());

        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient alice2 = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a2, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT)) {
            byte[] payload = "ciphertext-1".getBytes();
            alice.send("m1", b.userId(), payload);

            JsonObject sent = alice.awaitFrame(f -> is(f, "sent", "m1"), WAIT);
            assertThat(sent.getLong("seq")).isEqualTo(1L);
            assertThat(sent.getString("conversationId")).isEqualTo(conversation);
            assertThat(sent.getBoolean("duplicate")).isFalse();

            JsonObject received = bob.awaitFrame(f -> is(f, "message", "m1"), WAIT);
            assertThat(received.getLong("seq")).isEqualTo(1L);
            assertThat(received.getString("senderUserId")).isEqualTo(a.userId());
            assertThat(received.getString("senderDeviceId")).isEqualTo(a.deviceId());
            assertThat(Base64.getDecoder().decode(received.getString("payload"))).isEqualTo(payload);
            assertThat(received.getLong("inboxSeq")).isEqualTo(1L);

            // The sender's other device gets it too; the sending device does not.
            assertThat(alice2.awaitFrame(f -> is(f, "message", "m1"), WAIT).getLong("seq")).isEqualTo(1L);
            assertThat(alice.frames("message")).isEmpty();

            bob.ack(received.getLong("inboxSeq"));
            JsonObject delivered = alice.awaitFrame(f -> "receipt".equals(f.getString("type")), WAIT);
            assertThat(delivered.getString("status")).isEqualTo("delivered");
            assertThat(delivered.getLong("seq")).isEqualTo(1L);
            assertThat(delivered.getString("byUserId")).isEqualTo(b.userId());
            assertThat(delivered.getString("conversationId")).isEqualTo(conversation);

            // Bob reads the conversation up to seq 1: Alice's devices are told.
            bob.sendText(new JsonObject().put("type", "read").put("conversationId", conversation).put("seq", 1).encode());
            JsonObject read = alice.awaitFrame(f -> "receipt".equals(f.getString("type"))
                    && "read".equals(f.getString("status")), WAIT);
            assertThat(read.getLong("seq")).isEqualTo(1L);
            assertThat(read.getString("byUserId")).isEqualTo(b.userId());
            // Bob's marks are state (ADR 0014): relayed as sequenced, nothing to ack, and kept in member_receipts.
            assertThat(delivered.containsKey("inboxSeq")).isFalse();
            assertThat(read.containsKey("inboxSeq")).isFalse();
            JsonObject info = alice2.messageInfo(conversation, 1, WAIT);
            assertThat(info.getJsonArray("members").getJsonObject(0).getMap()).as(info.encode())
                    .containsEntry("userId", b.userId()).containsEntry("delivered", true).containsEntry("read", true);

            // The event is in the CQL projection.
            try (CqlSession cql = CqlSessionFactory.open(EDGES.stack().settings(), true)) {
                await().atMost(WAIT).untilAsserted(() -> assertThat(cql.execute(
                        "SELECT sender_user_id, client_message_id FROM messages WHERE conversation_id = ? AND bucket = 0",
                        conversation).all()).singleElement().satisfies(row -> {
                            assertThat(row.getString("client_message_id")).isEqualTo("m1");
                            assertThat(row.getString("sender_user_id")).isEqualTo(a.userId());
                        }));
                // A device that was offline reads the marks from here (through messageInfo).
                await().atMost(WAIT).untilAsserted(() -> assertThat(cql.execute("SELECT mark, seq FROM member_receipts"
                        + " WHERE conversation_id = ? AND user_id = ? AND bucket = 0", conversation, b.userId()).all())
                        .extracting(row -> row.getString("mark") + row.getLong("seq")).containsExactlyInAnyOrder("d1", "r1"));
            }
        }
    }

    @Test
    void aRetriedSendGetsTheOriginalSeqAndCreatesNoSecondEvent() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        String conversation = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT)) {
            alice.send("m1", b.userId(), new byte[] {1});
            assertThat(alice.awaitFrame(f -> is(f, "sent", "m1"), WAIT).getLong("seq")).isEqualTo(1L);
            alice.send("m1", b.userId(), new byte[] {1}); // the client did not see "sent" in time and retries
            JsonObject retried = alice.awaitFrame(f -> is(f, "sent", "m1") && f.getBoolean("duplicate"), WAIT);
            assertThat(retried.getLong("seq")).isEqualTo(1L);
            alice.send("m2", b.userId(), new byte[] {2});
            assertThat(alice.awaitFrame(f -> is(f, "sent", "m2"), WAIT).getLong("seq")).isEqualTo(2L);

            // Bob sees m2 after m1, and m1 only once.
            bob.awaitFrame(f -> is(f, "message", "m2"), WAIT);
            assertThat(bob.frames("message")).extracting(f -> f.getString("clientMessageId"))
                    .containsExactly("m1", "m2");
            assertThat(bob.frames("message")).extracting(f -> f.getLong("inboxSeq")).containsExactly(1L, 2L);
        }
        // And the log itself holds exactly one event per client message id.
        assertThat(eventsInLog(conversation)).extracting(e -> e.getClientMessageId() + "#" + e.getSeq())
                .containsExactly("m1#1", "m2#2");
    }

    @Test
    void aDeviceThatConnectsLaterPagesTheHistoryThroughTheEdge() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        String conversation = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT)) {
            for (int i = 1; i <= 3; i++) {
                String id = "h" + i;
                alice.send(id, b.userId(), ("text " + i).getBytes());
                alice.awaitFrame(f -> is(f, "sent", id), WAIT);
            }
        }
        // Bob was offline throughout: his inbox holds the messages, and history pages them newest first.
        try (ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT)) {
            // Whatever the fan-out had not processed when Bob's session opened comes live right after "synced":
            // all of it, in order, once.
            bob.awaitFrame(f -> is(f, "message", "h3"), WAIT);
            assertThat(bob.frames("message")).extracting(f -> f.getLong("seq")).containsExactly(1L, 2L, 3L);
            assertThat(bob.frames("message")).extracting(f -> f.getLong("inboxSeq")).containsExactly(1L, 2L, 3L);
            AtomicInteger request = new AtomicInteger();
            await().atMost(WAIT).untilAsserted(() -> {
                String id = "r" + request.incrementAndGet();
                bob.history(id, conversation, null, 2);
                JsonObject page = bob.awaitFrame(f -> "history".equals(f.getString("type"))
                        && id.equals(f.getString("requestId")), WAIT);
                JsonArray events = page.getJsonArray("events");
                assertThat(events).hasSize(2);
                assertThat(events.getJsonObject(0).getLong("seq")).isEqualTo(3L);
                assertThat(events.getJsonObject(1).getLong("seq")).isEqualTo(2L);
                assertThat(page.getBoolean("hasMore")).isTrue();
            });
            bob.history("older", conversation, 2L, 10);
            JsonObject older = bob.awaitFrame(f -> "older".equals(f.getString("requestId")), WAIT);
            assertThat(older.getJsonArray("events")).hasSize(1);
            assertThat(Base64.getDecoder().decode(older.getJsonArray("events").getJsonObject(0).getString("payload")))
                    .isEqualTo("text 1".getBytes());
            assertThat(older.getBoolean("hasMore")).isFalse();
        }
    }

    @Test
    void theEdgeRefusesAConnectionWithoutAToken() throws Exception {
        WebSocketClient client = EDGES.vertx().createWebSocketClient();
        try {
            URI base = URI.create(EDGES.url());
            assertThatThrownBy(() -> client.connect(new WebSocketConnectOptions().setHost(base.getHost())
                            .setPort(base.getPort()).setURI("/v1/ws"))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(UpgradeRejectedException.class,
                            e -> assertThat(e.getStatus()).isEqualTo(401));
            assertThatThrownBy(() -> client.connect(new WebSocketConnectOptions().setHost(base.getHost())
                            .setPort(base.getPort()).setURI("/v1/ws?token=nobody.secret"))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(UpgradeRejectedException.class,
                            e -> assertThat(e.getStatus()).isEqualTo(401));
        } finally {
            client.close();
        }
    }

    private static List<ConversationEvent> eventsInLog(String conversation) {
        TopicCatalog topics = TopicCatalog.from(EDGES.stack().settings());
        AvroWireDeserializer<ConversationEvent> events = new AvroWireDeserializer<>(
                new SchemaRegistryClient(EDGES.stack().settings().registryUrl()), ConversationEvent.getClassSchema());
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EDGES.stack().settings().kafkaBootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConversationEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.conversationEvents().name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (conversation.equals(r.key())) {
                        out.add(events.deserialize(r.topic(), r.value()));
                    }
                }
            }
        }
        return out;
    }
}
