package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;

/**
 * Gap-free reconnect (invariant 4) under failures: an edge killed with SIGKILL while messages flow to a device on it,
 * the device resuming on the other edge from its last acknowledged inbox seq; and a reconnect while the projection
 * writer is down (the backlog waits in Kafka). No gap, no duplicate, in order. Also: a crashed edge's users go
 * offline after the heartbeat timeout (nobody writes their session close).
 */
class ReconnectIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int MESSAGES = 30;

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    private static Vertx vertx;
    private static String edge0;
    private static String edge1;

    @BeforeAll
    static void startSecondEdge() {
        up();
        vertx = Vertx.vertx();
        edge0 = STACK.edgeHttpUrl(0).toString();
        edge1 = STACK.edgeHttpUrl(1).toString();
    }

    @AfterAll
    static void stopSecondEdge() {
        if (vertx != null) {
            vertx.close();
        }
        STACK.downSecondEdge();
    }

    private static void up() {
        STACK.upWithSecondEdge();
    }

    @Test
    void aDeviceWhoseEdgeIsKilledResumesOnTheOtherEdgeWithoutGapOrDuplicate() throws Exception {
        ParleyClient.Device a = ParleyClient.register(edge0, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(edge0, user("bob"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(edge0, user("dave"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(edge0, user("carol"), CodeOutbox::latest);
        List<String> ids = IntStream.rangeClosed(1, MESSAGES).mapToObj(i -> "m" + i).toList();
        try (ParleyClient alice = ParleyClient.connect(vertx, edge0, a, null, WAIT);
             ParleyClient carol = ParleyClient.connect(vertx, edge0, c, null, WAIT)) {
            ParleyClient bob = ParleyClient.connect(vertx, edge1, b, null, WAIT);
            ParleyClient dave = ParleyClient.connect(vertx, edge1, d, null, WAIT);
            bob.onFrame(f -> {
                if ("message".equals(f.getString("type"))) {
                    bob.ack(f.getLong("inboxSeq"));
                }
            });
            carol.presence("subscribe", d.userId());
            carol.awaitFrame(f -> isPresence(f, d.userId(), "online"), WAIT);

            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                for (String id : ids) {
                    alice.send(id, b.userId(), id.getBytes());
                    try {
                        alice.awaitFrame(f -> is(f, "sent", id), WAIT);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            bob.awaitFrame(f -> is(f, "message", "m5"), WAIT);
            Kills.sigkill(STACK, "edge-1", WAIT); // SIGKILL: no close, no session end written
            await().atMost(WAIT).until(bob::isClosed);
            List<JsonObject> before = bob.frames("message");
            long acked = before.get(before.size() - 1).getLong("inboxSeq");

            sending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            try (ParleyClient again = ParleyClient.connect(vertx, edge0, b, acked, WAIT)) {
                again.awaitFrame(f -> is(f, "message", "m" + MESSAGES), WAIT);
                List<JsonObject> after = again.frames("message");
                List<String> all = new ArrayList<>();
                before.forEach(f -> all.add(f.getString("clientMessageId")));
                after.forEach(f -> all.add(f.getString("clientMessageId")));
                assertThat(all).as("every message once, in order").containsExactlyElementsOf(ids);
                assertThat(after).extracting(f -> f.getLong("inboxSeq"))
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, after.size()).mapToObj(i -> acked + i).toList());
            }
            // Dave's edge died without writing his session's end: the heartbeat timeout ends it.
            JsonObject offline = carol.awaitFrame(f -> isPresence(f, d.userId(), "offline"), WAIT);
            assertThat(offline.getLong("lastSeenAt")).isPositive();
            dave.close();
        } finally {
            up(); // edge-1 back for the other tests
        }
    }

    @Test
    void aDeviceReconnectingWhileTheProjectionLagsGetsEverythingInOrder() throws Exception {
        ParleyClient.Device a = ParleyClient.register(edge0, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(edge0, user("bob"), CodeOutbox::latest);
        long acked;
        try (ParleyClient alice = ParleyClient.connect(vertx, edge0, a, null, WAIT)) {
            try (ParleyClient bob = ParleyClient.connect(vertx, edge1, b, null, WAIT)) {
                alice.send("m0", b.userId(), new byte[] {0});
                acked = bob.awaitFrame(f -> is(f, "message", "m0"), WAIT).getLong("inboxSeq");
                bob.ack(acked);
                alice.awaitFrame(f -> "receipt".equals(f.getString("type")), WAIT);
            }
            LocalStackExtension.Result down = STACK.parley("down", "projections");
            assertThat(down.exitCode()).as(down.output()).isZero();
            try {
                for (int i = 1; i <= 5; i++) {
                    String id = "m" + i;
                    alice.send(id, b.userId(), new byte[] {(byte) i});
                    alice.awaitFrame(f -> is(f, "sent", id), WAIT);
                }
                // Bob comes back while the inbox rows are not projected; the projection restarts meanwhile.
                CompletableFuture<LocalStackExtension.Result> restart =
                        CompletableFuture.supplyAsync(() -> STACK.parley("up", "projections"));
                // A session that cannot sync in edge.sync-timeout-ms is closed with 1013: the client reconnects, for
                // as long as the projection takes to come back (minutes on a loaded machine).
                ParleyClient[] bob = new ParleyClient[1];
                await().atMost(Duration.ofMinutes(6)).ignoreExceptions().until(() -> {
                    bob[0] = ParleyClient.connect(vertx, edge0, b, acked, WAIT);
                    return true;
                });
                assertThat(restart.get(6, TimeUnit.MINUTES).exitCode()).isZero();
                try (ParleyClient back = bob[0]) {
                    alice.send("m6", b.userId(), new byte[] {6});
                    back.awaitFrame(f -> is(f, "message", "m6"), WAIT);
                    assertThat(back.frames("message")).extracting(f -> f.getString("clientMessageId"))
                            .containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
                    assertThat(back.frames("message")).extracting(f -> f.getLong("inboxSeq"))
                            .containsExactly(acked + 1, acked + 2, acked + 3, acked + 4, acked + 5, acked + 6);
                }
            } finally {
                STACK.parley("up", "projections");
            }
        }
    }

    private static boolean isPresence(JsonObject f, String userId, String state) {
        return "presence".equals(f.getString("type")) && userId.equals(f.getString("userId"))
                && state.equals(f.getString("state"));
    }
}
