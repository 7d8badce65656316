package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.projections.CqlSessionFactory;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * Multi-device through the real stack: a primary links companions, messages reach all of them, a newly linked device
 * pages the history, and unlinking through one edge closes the device's connection on another edge at once, refuses
 * its token and stops the fan-out delivering to it.
 */
class MultiDeviceIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.twoEdges();

    @Test
    void aLinkedDeviceGetsMessagesAndPagesTheHistoryFromBeforeItWasLinked() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(0), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(0), user("bob"), CodeOutbox::latest);
        String conversation = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), a, null, WAIT)) {
            for (String id : new String[] {"old1", "old2"}) {
                alice.send(id, b.userId(), id.getBytes());
                alice.awaitFrame(f -> is(f, "sent", id), WAIT);
            }
        }
        ParleyClient.Device laptop = TestUsers.linkedDevice(EDGES.url(0), b);
        try (ParleyClient bobLaptop = ParleyClient.connect(EDGES.vertx(), EDGES.url(1), laptop, null, WAIT);
             ParleyClient bobPhone = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), b, null, WAIT);
             ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), a, null, WAIT)) {
            await().atMost(WAIT).untilAsserted(() -> {
                bobLaptop.history("h-" + System.nanoTime(), conversation, null, 10);
                JsonObject page = bobLaptop.awaitFrame(f -> "history".equals(f.getString("type")), WAIT);
                // The link itself is in the conversation too: alice was told of bob's new device (seq 3).
                assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("clientMessageId")))
                        .containsExactly("device-linked:" + laptop.deviceId(), "old2", "old1");
            });
            alice.send("new", b.userId(), "new".getBytes());
            assertThat(bobLaptop.awaitFrame(f -> is(f, "message", "new"), WAIT).getLong("seq")).isEqualTo(4L);
            assertThat(bobPhone.awaitFrame(f -> is(f, "message", "new"), WAIT).getLong("seq")).isEqualTo(4L);
        }
    }

    @Test
    void unlinkingThroughOneEdgeClosesTheConnectionOnTheOtherAndStopsDelivery() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(0), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(0), user("bob"), CodeOutbox::latest);
        ParleyClient.Device laptop = TestUsers.linkedDevice(EDGES.url(0), b);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), a, null, WAIT);
             ParleyClient bobPhone = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), b, null, WAIT);
             ParleyClient bobLaptop = ParleyClient.connect(EDGES.vertx(), EDGES.url(1), laptop, null, WAIT)) {
            alice.send("m1", b.userId(), new byte[] {1});
            long laptopSeq = bobLaptop.awaitFrame(f -> is(f, "message", "m1"), WAIT).getLong("inboxSeq");

            assertThat(ParleyClient.unlink(EDGES.url(0), b, laptop.deviceId())).isEqualTo(204);
            await().atMost(WAIT).until(bobLaptop::isClosed);
            assertThat(bobLaptop.closeCode()).isEqualTo((short) 4003);
            assertThatThrownBy(() -> ParleyClient.connect(EDGES.vertx(), EDGES.url(1), laptop, null, WAIT))
                    .hasStackTraceContaining("401");

            alice.send("m2", b.userId(), new byte[] {2});
            // The phone's and the laptop's items for m2 come out of the fan-out together: once the phone's inbox
            // row is projected, a laptop row would be too.
            long phoneSeq = bobPhone.awaitFrame(f -> is(f, "message", "m2"), WAIT).getLong("inboxSeq");
            try (CqlSession cql = CqlSessionFactory.open(EDGES.stack().settings(), true)) {
                await().atMost(WAIT).until(() -> maxInboxSeq(cql, b.deviceId()) >= phoneSeq);
                assertThat(maxInboxSeq(cql, laptop.deviceId())).isEqualTo(laptopSeq);
            }
        }
    }

    @Test
    void thePrimaryLinksAtMostTheConfiguredNumberOfCompanions() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(0), user("alice"), CodeOutbox::latest);
        int companions = EDGES.stack().settings().getInt("devices.max-companions");
        for (int i = 0; i < companions; i++) {
            TestUsers.linkedDevice(i % 2 == 0 ? EDGES.url(0) : EDGES.url(1), a);
        }
        assertThatThrownBy(() -> TestUsers.linkedDevice(EDGES.url(1), a)).hasMessageContaining("409")
                .hasMessageContaining("DEVICE_LIMIT");
        // Proving the identifier again (a new phone) replaces the primary and every companion it linked.
        ParleyClient.Device again = ParleyClient.register(EDGES.url(0), a.userId(), CodeOutbox::latest);
        assertThat(again.userId()).isEqualTo(a.userId());
        assertThat(again.deviceId()).isNotEqualTo(a.deviceId());
        assertThatThrownBy(() -> TestUsers.linkedDevice(EDGES.url(1), a)).hasMessageContaining("401");
    }

    private static long maxInboxSeq(CqlSession cql, String deviceId) {
        var row = cql.execute("SELECT max(inbox_seq) AS m FROM inbox WHERE device_id = ? AND bucket = 0", deviceId).one();
        return row == null || row.isNull("m") ? 0 : row.getLong("m");
    }
}
