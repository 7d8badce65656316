package org.parley.edge.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.session.PendingActions;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;

class EdgeMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EdgeMetrics metrics = new EdgeMetrics(registry);

    private double count(String name, String tag, String value) {
        return registry.get(name).tag("role", "edge").tag(tag, value).counter().count();
    }

    @Test
    void outboundFramesAreCountedByTheirTopLevelType() {
        metrics.frameOut(ServerFrames.sent("m1", "dm:a:b", 3, false));
        metrics.frameOut(ServerFrames.pong());
        metrics.frameOut(ServerFrames.synced(4));
        // a delivered message ends with its type; the envelope's nested "type" is not the frame's
        metrics.frameOut("{\"conversationId\":\"dm:a:b\",\"seq\":1,\"encrypted\":true,\"envelope\":{\"type\":\"prekey\","
                + "\"body\":\"AA==\"},\"type\":\"message\",\"inboxSeq\":12}");
        // anything else is found by a scan of the top level, past strings and nested objects
        metrics.frameOut("{\"a\":\"\\\"type\\\":\\\"pong\",\"b\":{\"type\":\"sent\"},\"c\":[{\"type\":\"x\"}],"
                + "\"type\":\"receipt\"}");
        metrics.frameOut("{\"type\":\"brandNew\"}");
        metrics.frameOut("not json");
        assertThat(count("parley.edge.frames.out", "type", "sent")).isEqualTo(1);
        assertThat(count("parley.edge.frames.out", "type", "pong")).isEqualTo(1);
        assertThat(count("parley.edge.frames.out", "type", "synced")).isEqualTo(1);
        assertThat(count("parley.edge.frames.out", "type", "message")).isEqualTo(1);
        assertThat(count("parley.edge.frames.out", "type", "receipt")).isEqualTo(1);
        assertThat(count("parley.edge.frames.out", "type", "other")).isEqualTo(2);
    }

    @Test
    void errorFramesAreCountedByCode() {
        metrics.frameOut(ServerFrames.error(ErrorCode.RATE_LIMITED, "slow down", null));
        metrics.frameOut(ServerFrames.error(ErrorCode.RATE_LIMITED, "slow down", "r1"));
        metrics.frameOut(ServerFrames.error(ErrorCode.NOT_A_MEMBER, "no", "m1"));
        metrics.frameOut(ServerFrames.notMemberDevices("m2", java.util.List.of("d1")));
        metrics.frameOut("{\"type\":\"error\",\"code\":\"FROM_THE_FUTURE\"}");
        assertThat(count("parley.edge.frames.out", "type", "error")).isEqualTo(5);
        assertThat(count("parley.edge.errors", "code", "RATE_LIMITED")).isEqualTo(2);
        assertThat(count("parley.edge.errors", "code", "NOT_A_MEMBER")).isEqualTo(1);
        assertThat(count("parley.edge.errors", "code", "MISMATCHED_DEVICES")).isEqualTo(1);
        assertThat(count("parley.edge.errors", "code", "OTHER")).isEqualTo(1);
    }

    @Test
    void inboundFramesAreCountedByTypeAndActionsByTheirActionType() {
        metrics.frameIn(new ClientFrame.Ack(3));
        metrics.frameIn(new ClientFrame.Ack(4));
        metrics.frameIn(new ClientFrame.Ping());
        metrics.frameIn(new ClientFrame.Act(ActionType.EDIT_MESSAGE, "m", "dm:a:b", 1L, null, new byte[0], null, null,
                null));
        metrics.frameInvalid();
        metrics.frameRefused();
        assertThat(count("parley.edge.frames.in", "type", "ack")).isEqualTo(2);
        assertThat(count("parley.edge.frames.in", "type", "ping")).isEqualTo(1);
        assertThat(count("parley.edge.frames.in", "type", "editMessage")).isEqualTo(1);
        assertThat(count("parley.edge.frames.in", "type", "invalid")).isEqualTo(1);
        assertThat(count("parley.edge.frames.in", "type", "refused")).isEqualTo(1);
    }

    @Test
    void noMeterIsMadePerFrame() {
        metrics.frameIn(new ClientFrame.Ack(0)); // a frame class's counter is made at its first frame
        int before = registry.getMeters().size();
        for (int i = 0; i < 100; i++) {
            metrics.frameIn(new ClientFrame.Ack(i));
            metrics.frameOut(ServerFrames.sent("m" + i, "dm:a" + i + ":b", i, false));
            metrics.frameOut(ServerFrames.error(ErrorCode.INVALID_ACK, "x" + i, "r" + i));
        }
        assertThat(registry.getMeters()).hasSize(before);
    }

    @Test
    void actionLatencyIsTimedFromAppendToResultOrTimeout() {
        Vertx vertx = Vertx.vertx();
        try {
            PendingActions pending = new PendingActions(metrics);
            var context = vertx.getOrCreateContext();
            var done = pending.await(context, "a1", 10_000);
            pending.complete(ActionResult.newBuilder().setActionId("a1").setDeviceId("d").setConversationId("dm:a:b")
                    .setOutcome(ActionOutcome.ACCEPTED).setSeq(1L).build());
            await().until(done::succeeded);
            pending.await(context, "a2", 10_000);
            pending.complete(ActionResult.newBuilder().setActionId("a2").setDeviceId("d").setConversationId("dm:a:b")
                    .setOutcome(ActionOutcome.REJECTED).setErrorCode("NOT_A_MEMBER").build());
            var late = pending.await(context, "a3", 1);
            await().until(late::failed);
            // a result for an action this edge does not await (another edge's) is not timed
            pending.complete(ActionResult.newBuilder().setActionId("zz").setDeviceId("d").setConversationId("dm:a:b")
                    .setOutcome(ActionOutcome.ACCEPTED).build());
            var accepted = registry.get("parley.edge.action.latency").tag("outcome", "accepted").timer();
            assertThat(accepted.count()).isEqualTo(1);
            assertThat(accepted.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.get("parley.edge.action.latency").tag("outcome", "rejected").timer().count()).isEqualTo(1);
            assertThat(registry.get("parley.edge.action.latency").tag("outcome", "timeout").timer().count()).isEqualTo(1);
        } finally {
            vertx.close();
        }
    }

    @Test
    void gaugesReadTheLiveCounts() {
        int[] connections = {3};
        metrics.gauges(() -> connections[0], () -> 5);
        assertThat(registry.get("parley.edge.connections").gauge().value()).isEqualTo(3);
        connections[0] = 7;
        assertThat(registry.get("parley.edge.connections").gauge().value()).isEqualTo(7);
        assertThat(registry.get("parley.edge.pending.actions").gauge().value()).isEqualTo(5);
    }

    @Test
    void actionTypeNamesAreLowerCamel() {
        assertThat(EdgeMetrics.lowerCamel("EDIT_MESSAGE")).isEqualTo("editMessage");
        assertThat(EdgeMetrics.lowerCamel("REACT")).isEqualTo("react");
    }
}
