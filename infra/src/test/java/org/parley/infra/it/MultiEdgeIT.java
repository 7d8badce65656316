package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;

/**
 * Two edge instances: devices of one conversation on different edges, routed by the fan-out to the edge holding each
 * device's session; a device that moves to another edge resumes after its cursor, then gets live events.
 */
class MultiEdgeIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.twoEdges();



    @Test
    void devicesOnDifferentEdgesTalkAndReceiptsFindTheirWay() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(0), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(1), user("bob"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(1), b, null, WAIT)) {
            alice.send("m1", b.userId(), "hello".getBytes());
            assertThat(alice.awaitFrame(f -> is(f, "sent", "m1"), WAIT).getLong("seq")).isEqualTo(1L);
            JsonObject atBob = bob.awaitFrame(f -> is(f, "message", "m1"), WAIT);
            bob.ack(atBob.getLong("inboxSeq"));
            JsonObject receipt = alice.awaitFrame(f -> "receipt".equals(f.getString("type")), WAIT);
            assertThat(receipt.getLong("seq")).isEqualTo(1L);
            assertThat(receipt.getString("byDeviceId")).isEqualTo(b.deviceId());

            bob.send("r1", a.userId(), "hi back".getBytes());
            assertThat(bob.awaitFrame(f -> is(f, "sent", "r1"), WAIT).getLong("seq")).isEqualTo(2L);
            assertThat(alice.awaitFrame(f -> is(f, "message", "r1"), WAIT).getLong("seq")).isEqualTo(2L);
        }
    }

    @Test
    void aDeviceMovingToAnotherEdgeResumesWithoutGapOrDuplicate() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(0), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(0), user("bob"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), a, null, WAIT)) {
            long acked;
            try (ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(1), b, null, WAIT)) {
                alice.send("m1", b.userId(), new byte[] {1});
                acked = bob.awaitFrame(f -> is(f, "message", "m1"), WAIT).getLong("inboxSeq");
                bob.ack(acked);
                alice.awaitFrame(f -> "receipt".equals(f.getString("type")), WAIT);
            }
            // Bob is away; Alice keeps writing.
            for (String id : new String[] {"m2", "m3"}) {
                alice.send(id, b.userId(), new byte[] {2});
                alice.awaitFrame(f -> is(f, "sent", id), WAIT);
            }
            // Bob comes back on the other edge from his last acknowledged inbox seq, then gets live events.
            try (ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), b, acked, WAIT)) {
                alice.send("m4", b.userId(), new byte[] {4});
                bob.awaitFrame(f -> is(f, "message", "m4"), WAIT);
                assertThat(bob.frames("message")).extracting(f -> f.getString("clientMessageId"))
                        .containsExactly("m2", "m3", "m4");
                assertThat(bob.frames("message")).extracting(f -> f.getLong("inboxSeq"))
                        .containsExactly(acked + 1, acked + 2, acked + 3);
            }
        }
    }
}
