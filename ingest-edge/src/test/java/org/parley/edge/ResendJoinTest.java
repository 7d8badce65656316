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
import org.parley.edge.config.EdgeConfig;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;

/**
 * A send answered TIMEOUT stays in flight (edge.result-wait-ms): a resend of its clientMessageId on the connection
 * joins it instead of reaching the sequencer again, and the result, when it comes, still answers. Without this an
 * overloaded sequencer got every timed-out send again and again from the clients' retries and never caught up.
 */
@ExtendWith(VertxExtension.class)
class ResendJoinTest {
    private static final String SEND_M1 = "{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\"}";
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        // A short result timeout (TIMEOUT answers come quickly), a long wait, and no session confirmation needed.
        edge = new EdgeHarness(vertx, EdgeConfig.builder().edgeId(1).historyPageMax(100).syncTimeoutMs(120_000)
                .resultTimeoutMs(300).resultWaitMs(60_000).rateLimitPerSecond(100).rateLimitBurst(100).build());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    @Test
    void aResendOfATimedOutSendJoinsItAndTheLateResultStillAnswers() throws Exception {
        try (TestClient c = edge.connect(edge.register("alice"))) {
            c.send(SEND_M1);
            await().until(() -> edge.log.actions.size() == 1);
            ClientAction first = edge.log.actions.get(0);
            assertThat(c.next("error").getString("code")).isEqualTo("TIMEOUT");

            // The client retries as told, twice; the first is still awaited, so nothing new reaches the sequencer.
            c.send(SEND_M1);
            assertThat(c.next("error").getString("code")).as("the resend is answered too").isEqualTo("TIMEOUT");
            c.send(SEND_M1);
            c.send("{\"type\":\"send\",\"clientMessageId\":\"m2\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            await().until(() -> edge.log.actions.size() == 2);
            assertThat(edge.log.actions.get(1).getClientMessageId()).as("the resends were not appended").isEqualTo("m2");

            edge.pending.complete(ActionResult.newBuilder().setActionId(first.getActionId())
                    .setDeviceId(first.getSenderDeviceId()).setClientMessageId("m1")
                    .setConversationId(first.getConversationId()).setOutcome(ActionOutcome.ACCEPTED).setSeq(3L).build());
            JsonObject sent = nextSent(c, "m1");
            assertThat(sent.getLong("seq")).isEqualTo(3L);

            // Answered: a later resend is appended again (the sequencer answers it as a duplicate).
            c.send(SEND_M1);
            await().until(() -> edge.log.actions.size() == 3);
            assertThat(edge.log.actions.get(2).getClientMessageId()).isEqualTo("m1");
        }
    }

    @Test
    void aSendWhoseResultNeverComesIsForgottenAfterTheWait(Vertx vertx) throws Exception {
        edge.undeploy();
        edge = new EdgeHarness(vertx, EdgeConfig.builder().edgeId(1).historyPageMax(100).syncTimeoutMs(120_000)
                .resultTimeoutMs(200).resultWaitMs(400).rateLimitPerSecond(100).rateLimitBurst(100).build());
        try (TestClient c = edge.connect(edge.register("alice"))) {
            c.send(SEND_M1);
            assertThat(c.next("error").getString("code")).isEqualTo("TIMEOUT");
            await().until(() -> edge.pending.size() == 0);
            // No longer in flight: a resend is appended anew.
            c.send(SEND_M1);
            await().until(() -> edge.log.actions.size() == 2);
            assertThat(edge.log.actions).extracting(ClientAction::getClientMessageId).containsExactly("m1", "m1");
        }
    }

    /** The next {@code sent} frame, which must be for {@code ref}; TIMEOUT answers on the way are skipped. */
    private static JsonObject nextSent(TestClient c, String ref) throws InterruptedException {
        for (JsonObject f = c.next(); ; f = c.next()) {
            if ("sent".equals(f.getString("type"))) {
                assertThat(f.getString("clientMessageId")).isEqualTo(ref);
                return f;
            }
            assertThat(f.getString("code")).as("frame %s", f).isEqualTo("TIMEOUT");
        }
    }
}
