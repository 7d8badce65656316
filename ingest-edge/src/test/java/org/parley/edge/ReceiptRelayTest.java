package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.readmodel.RecentMarks;
import org.parley.edge.receipts.ReceiptRelay;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

/** One-to-one marks reach the sender's connected devices as they are sequenced, not through the inbox (ADR 0014). */
@ExtendWith(VertxExtension.class)
class ReceiptRelayTest {
    private static final Instant AT = Instant.parse("2026-12-07T08:00:00Z");
    private EdgeHarness edge;
    private final RecentMarks recent = new RecentMarks(60_000, System::currentTimeMillis);
    private ReceiptRelay relay;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
        relay = new ReceiptRelay(edge.devices, recent);
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static Receipt receipt(String conversation, ReceiptStatus status, long seq, String by, String to) {
        return Receipt.newBuilder().setConversationId(conversation).setSeq(seq).setStatus(status).setByUserId(by)
                .setByDeviceId(by + "-phone").setToUserId(to).setAt(AT.plusSeconds(seq)).build();
    }

    @Test
    void theOtherMembersMarksReachEveryConnectedDeviceOfTheSenderWithoutAnInboxSeq() throws Exception {
        JsonObject alicePhone = edge.register("alice");
        JsonObject aliceLaptop = edge.link(alicePhone);
        try (TestClient phone = edge.connect(alicePhone);
             TestClient laptop = edge.connect(aliceLaptop);
             TestClient bob = edge.connect(edge.register("bob"))) {
            await().until(() -> edge.devices.ofUser("alice").size() == 2);
            relay.onReceipt(receipt("dm:alice:bob", ReceiptStatus.DELIVERED, 3, "bob", "alice"));
            relay.onReceipt(receipt("dm:alice:bob", ReceiptStatus.READ, 3, "bob", "alice"));
            for (TestClient c : List.of(phone, laptop)) {
                JsonObject delivered = c.next("receipt");
                assertThat(delivered.getString("status")).isEqualTo("delivered");
                assertThat(delivered.getLong("seq")).isEqualTo(3L);
                assertThat(delivered.getString("byUserId")).isEqualTo("bob");
                assertThat(delivered.getString("byDeviceId")).isEqualTo("bob-phone");
                assertThat(delivered.getLong("at")).isEqualTo(AT.plusSeconds(3).toEpochMilli());
                assertThat(delivered.containsKey("inboxSeq")).as("nothing to acknowledge").isFalse();
                assertThat(c.next("receipt").getString("status")).isEqualTo("read");
            }
            bob.send(new JsonObject().put("type", "ping"));
            assertThat(bob.next().getString("type")).as("the member whose mark it is gets nothing").isEqualTo("pong");
        }
    }

    @Test
    void whatStillGoesThroughTheInboxIsNotRelayed() throws Exception {
        try (TestClient alice = edge.connect(edge.register("alice"))) {
            await().until(() -> edge.devices.ofUser("alice").size() == 1);
            relay.onReceipt(receipt("dm:alice:bob", ReceiptStatus.READ, 2, "alice", "alice")); // her own read: a sync
            relay.onReceipt(receipt("g:book-club", ReceiptStatus.DELIVERED, 2, "bob", "alice")); // a group's mark
            Receipt all = receipt("g:book-club", ReceiptStatus.DELIVERED_TO_ALL, 2, "*", "alice");
            relay.onReceipt(all);
            alice.send(new JsonObject().put("type", "ping"));
            assertThat(alice.next().getString("type")).isEqualTo("pong");
            assertThat(recent.size()).as("only one-to-one marks are remembered").isZero();
        }
    }
}
