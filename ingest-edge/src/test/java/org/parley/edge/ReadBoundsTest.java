package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.limits.EdgeLimits;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.projections.UserConversations;

/**
 * The edge's reads are bounded per connection and per edge: a user with many chats asking for its chat list again
 * and again must not exhaust the CQL driver's pool (which then fails every read of every user as unavailable).
 */
@ExtendWith(VertxExtension.class)
class ReadBoundsTest {
    private static final int CONVERSATIONS = 300;
    /** Like the CQL driver: more requests at once than its connections take fail at once. */
    private static final int POOL = 100;

    private EdgeHarness edge;

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    /** Reads complete a moment later, on the event loop, like CQL's; past {@link #POOL} in flight they fail. */
    private static final class Pool extends ForwardingReadModel {
        final Vertx vertx;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        Pool(Vertx vertx, org.parley.edge.readmodel.EdgeReadModel delegate) {
            super(delegate);
            this.vertx = vertx;
        }

        @Override
        <T> Future<T> call(String method, Supplier<Future<T>> read) {
            int now = inFlight.incrementAndGet();
            if (now > POOL) {
                inFlight.decrementAndGet();
                return Future.failedFuture("no connection available: " + POOL + " requests in flight (pool busy)");
            }
            most.accumulateAndGet(now, Math::max);
            Promise<T> later = Promise.promise();
            Future<T> result = read.get();
            vertx.setTimer(1, t -> {
                inFlight.decrementAndGet();
                result.onComplete(later);
            });
            return later.future();
        }
    }

    @Test
    void tenChatListsOfAUserWithManyChatsAreAllAnsweredWithoutExhaustingThePool(Vertx vertx) throws Exception {
        Pool[] pool = new Pool[1];
        edge = new EdgeHarness(vertx, EdgeHarness.config(),
                EdgeLimits.with(Map.of("edge.cql-max-in-flight", "64")), System::currentTimeMillis,
                reads -> pool[0] = new Pool(vertx, reads));
        JsonObject alice = edge.register("alice");
        for (int i = 0; i < CONVERSATIONS; i++) {
            String conversation = "dm:alice:u" + String.format("%03d", i);
            edge.readModel.memberships.put("alice/" + conversation,
                    new UserConversations.Membership("alice", conversation, 1, null, 0, 0));
            edge.readModel.history.put(conversation, List.of(ConversationEvent.newBuilder()
                    .setEventId(conversation + "/1").setConversationId(conversation).setSeq(1)
                    .setType(EventType.MESSAGE).setSenderUserId("u" + i).setSenderDeviceId("d" + i)
                    .setClientMessageId("m" + i).setMemberUserIds(List.of("alice", "u" + i))
                    .setSentAt(Instant.ofEpochMilli(1_000 + i)).setPayload(ByteBuffer.allocate(1)).build()));
        }
        try (TestClient c = edge.connect(alice)) {
            for (int i = 0; i < 10; i++) {
                c.send(new JsonObject().put("type", "chats").put("requestId", "c" + i));
            }
            Set<String> answered = new HashSet<>();
            List<JsonObject> errors = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                JsonObject f = c.next();
                if ("chats".equals(f.getString("type"))) {
                    assertThat(f.getJsonArray("chats")).hasSize(CONVERSATIONS);
                    answered.add(f.getString("requestId"));
                } else {
                    errors.add(f);
                }
            }
            assertThat(errors).as("no read failed for want of a CQL connection").isEmpty();
            assertThat(answered).hasSize(10);
            assertThat(pool[0].most.get()).isLessThanOrEqualTo(64);
        }
    }

    @Test
    void pastTheConnectionsQueueAReadIsRefusedAsBusyAndTheConnectionGoesOn(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config(),
                EdgeLimits.with(Map.of("edge.connection-cql-max-in-flight", "1", "edge.connection-cql-max-queued", "1")),
                System::currentTimeMillis, reads -> new Pool(vertx, reads));
        JsonObject alice = edge.register("alice");
        try (TestClient c = edge.connect(alice)) {
            for (int i = 0; i < 3; i++) {
                c.send(new JsonObject().put("type", "history").put("requestId", "h" + i)
                        .put("conversationId", "dm:alice:bob"));
            }
            List<JsonObject> answers = List.of(c.next(), c.next(), c.next());
            assertThat(answers).filteredOn(f -> "error".equals(f.getString("type"))).singleElement().satisfies(e -> {
                assertThat(e.getString("code")).isEqualTo("BUSY");
                assertThat(e.getString("ref")).isEqualTo("h2");
                assertThat(e.getString("message")).contains("edge.connection-cql-max-queued");
            });
            c.send(new JsonObject().put("type", "history").put("requestId", "h3").put("conversationId", "dm:alice:bob"));
            assertThat(c.next("history").getString("requestId")).isEqualTo("h3");
        }
    }
}
