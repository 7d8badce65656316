package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.limits.EdgeLimits;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.events.TypingSignal;

/**
 * An edge of two verticle instances (edge.verticle-instances=2): one port, connections on two event loops, and the
 * edge's state shared: results, deliveries and signals reach a socket whichever instance holds it, a device has one
 * connection whichever instances its connections land on, and the per-device limits count across instances.
 */
@ExtendWith(VertxExtension.class)
class EdgeInstancesTest {
    private EdgeHarness edge;

    private EdgeHarness twoInstances(Vertx vertx, EdgeLimits limits) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config().toBuilder().verticleInstances(2).build(), limits,
                System::currentTimeMillis, m -> m);
        return edge;
    }

    @AfterEach
    void undeploy() throws Exception {
        if (edge != null) {
            edge.undeploy();
        }
    }

    private Context contextOf(JsonObject device) {
        return edge.devices.find(device.getString("deviceId")).orElseThrow().context();
    }

    /** Connects {@code device} until its connection is on another event loop than {@code other}. */
    private TestClient connectOtherThan(JsonObject device, Context other) throws Exception {
        for (int attempt = 0; attempt < 4; attempt++) {
            TestClient c = edge.connect(device);
            if (contextOf(device) != other) {
                return c;
            }
            c.close();
            await().until(() -> edge.devices.find(device.getString("deviceId")).isEmpty());
        }
        throw new AssertionError("four connections in a row landed on the same verticle instance");
    }

    private String sessionOf(JsonObject device) {
        await().until(() -> edge.log.sessions.stream().anyMatch(s -> s.getDeviceId().equals(device.getString("deviceId"))));
        return edge.log.sessions.stream().filter(s -> s.getDeviceId().equals(device.getString("deviceId")))
                .reduce((a, b) -> b).orElseThrow().getSessionId();
    }

    @Test
    void socketsOnDifferentInstancesGetTheirResultsDeliveriesAndSignals(Vertx vertx) throws Exception {
        twoInstances(vertx, null);
        assertThat(edge.verticles).hasSize(2);
        assertThat(edge.verticles).allMatch(v -> v.actualPort() == edge.port);
        JsonObject alice = edge.register("alice");
        JsonObject bob = edge.register("bob");
        try (TestClient a = edge.connect(alice)) {
            Context onA = contextOf(alice);
            try (TestClient b = connectOtherThan(bob, onA)) {
                // alice's send: appended by her instance, answered when the results tail completes it
                a.send(new JsonObject().put("type", "send").put("clientMessageId", "m1").put("to", "bob")
                        .put("payload", "aGk="));
                await().until(() -> edge.log.actions.size() == 1);
                ClientAction sent = edge.log.actions.get(0);
                edge.pending.complete(ActionResult.newBuilder().setActionId(sent.getActionId())
                        .setDeviceId(sent.getSenderDeviceId()).setClientMessageId("m1")
                        .setConversationId(sent.getConversationId()).setOutcome(ActionOutcome.ACCEPTED).setSeq(1L)
                        .build());
                assertThat(a.next("sent").getLong("seq")).isEqualTo(1);

                // ... and delivered to bob on the other instance, as the edge-deliveries tail does
                String session = sessionOf(bob);
                edge.devices.deliver(DeviceDelivery.newBuilder().setDeviceId(bob.getString("deviceId"))
                        .setUserId("bob").setInboxSeq(0).setKind(DeliveryKind.SYNC_MARKER).setSessionId(session)
                        .setEdgeId(1).setMarkerInboxSeq(0L).build());
                b.next("synced");
                ConversationEvent event = ConversationEvent.newBuilder().setEventId("dm:alice:bob/1")
                        .setConversationId("dm:alice:bob").setSeq(1).setType(EventType.MESSAGE)
                        .setSenderUserId("alice").setSenderDeviceId(alice.getString("deviceId"))
                        .setClientMessageId("m1").setMemberUserIds(List.of("alice", "bob"))
                        .setSentAt(Instant.ofEpochMilli(1000)).setPayload(ByteBuffer.wrap("hi".getBytes())).build();
                edge.devices.deliver(DeviceDelivery.newBuilder().setDeviceId(bob.getString("deviceId"))
                        .setUserId("bob").setInboxSeq(1).setKind(DeliveryKind.EVENT).setSessionId(session)
                        .setEdgeId(1).setEvent(event).build());
                JsonObject message = b.next("message");
                assertThat(message.getString("senderUserId")).isEqualTo("alice");
                assertThat(message.getLong("inboxSeq")).isEqualTo(1);

                // a typing signal of alice's, through the signals tail, to bob
                a.send(new JsonObject().put("type", "typing").put("conversationId", "dm:alice:bob")
                        .put("state", "start"));
                await().until(() -> !edge.signals.typing.isEmpty());
                TypingSignal start = edge.signals.typing.get(0);
                edge.typing.onSignal(start);
                JsonObject typing = b.next("typing");
                assertThat(typing.getString("userId")).isEqualTo("alice");
                assertThat(contextOf(bob)).as("bob's connection is on the other instance").isNotSameAs(onA);
            }
        }
    }

    @Test
    void aNewerConnectionOfTheDeviceOnTheOtherInstanceReplacesTheOlder(Vertx vertx) throws Exception {
        twoInstances(vertx, null);
        JsonObject bob = edge.register("bob");
        TestClient first = edge.connect(bob);
        Context firstOn = contextOf(bob);
        TestClient second = connectOtherThan(bob, firstOn);
        await().until(() -> first.closed);
        assertThat(first.ws.closeStatusCode()).isEqualTo((short) 4001);
        assertThat(contextOf(bob)).isNotSameAs(firstOn);
        assertThat(edge.devices.size()).isEqualTo(1);
        second.send(new JsonObject().put("type", "ping"));
        second.next("pong");
        second.close();
        first.close();
    }

    @Test
    void connectionAttemptsOfADeviceCountAcrossInstances(Vertx vertx) throws Exception {
        twoInstances(vertx, EdgeLimits.with(Map.of("limits.device.connects", "2/1h")));
        JsonObject alice = edge.register("alice");
        TestClient first = edge.connect(alice);
        Context firstOn = contextOf(alice);
        first.close();
        await().until(() -> edge.devices.find(alice.getString("deviceId")).isEmpty());
        TestClient second = edge.connect(alice);
        assertThat(contextOf(alice)).as("connections are spread over the instances in turn").isNotSameAs(firstOn);
        second.close();
        assertThatThrownBy(() -> edge.connect(alice)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(429));
    }
}
