package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;

/**
 * One live connection per device across edges: a device that connects to a second edge has its connection on the
 * first closed with 4001 (the fan-out sees the newer session and tells the old session's edge), and the new
 * connection gets the device's messages.
 */
class SessionTakeoverIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.twoEdges();

    @Test
    void aDeviceConnectingToAnotherEdgeHasItsFirstConnectionClosedWith4001() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(0), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(0), user("bob"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(1), a, null, WAIT);
             ParleyClient first = ParleyClient.connect(EDGES.vertx(), EDGES.url(0), b, null, WAIT);
             ParleyClient second = ParleyClient.connect(EDGES.vertx(), EDGES.url(1), b, null, WAIT)) {
            await().atMost(WAIT).until(first::isClosed);
            assertThat(first.closeCode()).isEqualTo((short) 4001);

            alice.send("m1", b.userId(), "hello".getBytes());
            alice.awaitFrame(f -> is(f, "sent", "m1"), WAIT);
            JsonObject atBob = second.awaitFrame(f -> is(f, "message", "m1"), WAIT);
            assertThat(atBob.getLong("seq")).isEqualTo(1L);
            second.sendText(new JsonObject().put("type", "ping").encode());
            second.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
            assertThat(second.isClosed()).isFalse();
        }
    }
}
