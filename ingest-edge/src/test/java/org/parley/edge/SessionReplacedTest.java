package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;

/**
 * One live connection per device across edges: when the fan-out sees a newer session of a device, it routes a
 * SESSION_REPLACED notice naming the old session to the old session's edge, which closes that connection with 4001.
 */
@ExtendWith(VertxExtension.class)
class SessionReplacedTest {
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private String sessionOf(JsonObject device) {
        await().until(() -> edge.log.sessions.stream().anyMatch(s -> s.getDeviceId().equals(device.getString("deviceId"))));
        return edge.log.sessions.stream().filter(s -> s.getDeviceId().equals(device.getString("deviceId")))
                .reduce((a, b) -> b).orElseThrow().getSessionId();
    }

    private static DeviceDelivery replaced(JsonObject device, String sessionId) {
        return DeviceDelivery.newBuilder().setDeviceId(device.getString("deviceId")).setUserId(device.getString("userId"))
                .setInboxSeq(0).setKind(DeliveryKind.SESSION_REPLACED).setSessionId(sessionId).setEdgeId(1).build();
    }

    @Test
    void aConnectionWhoseSessionWasReplacedElsewhereIsClosedWith4001() throws Exception {
        JsonObject bob = edge.register("bob");
        TestClient c = edge.connect(bob);
        edge.devices.deliver(replaced(bob, sessionOf(bob)));
        await().until(() -> c.closed);
        assertThat(c.ws.closeStatusCode()).isEqualTo((short) 4001);
        await().until(() -> edge.devices.find(bob.getString("deviceId")).isEmpty());
        c.close();
    }

    @Test
    void aNoticeForAnotherSessionOfTheDeviceLeavesTheConnectionOpen() throws Exception {
        JsonObject bob = edge.register("bob");
        try (TestClient c = edge.connect(bob)) {
            edge.devices.deliver(replaced(bob, "an-older-session"));
            c.send(new JsonObject().put("type", "ping"));
            c.next("pong");
            assertThat(c.closed).isFalse();
            assertThat(edge.devices.find(bob.getString("deviceId"))).isPresent();
        }
    }
}
