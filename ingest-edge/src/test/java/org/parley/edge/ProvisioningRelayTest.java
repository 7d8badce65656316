package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The provisioning relay: the primary leaves a sealed message under a link id, the companion takes it once. */
@ExtendWith(VertxExtension.class)
class ProvisioningRelayTest {
    private static final String LINK = "AAECAwQFBgcICQoLDA0ODw";
    private static final String SEALED = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5});
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private HttpResponse<String> put(String token, String linkId, String message) throws Exception {
        return edge.http("PUT", "/v1/devices/provisioning/" + linkId, token,
                message == null ? "{}" : new JsonObject().put("message", message).encode());
    }

    private HttpResponse<String> take(String linkId) throws Exception {
        return edge.http("GET", "/v1/devices/provisioning/" + linkId, null, null);
    }

    private static String error(HttpResponse<String> res) {
        return new JsonObject(res.body()).getString("error");
    }

    @Test
    void theCompanionTakesThePrimarysMessageOnceAndNobodyTakesItAgain() throws Exception {
        JsonObject primary = edge.register("alice");
        HttpResponse<String> before = take(LINK);
        assertThat(before.statusCode()).isEqualTo(404); // not yet: the companion polls
        assertThat(error(before)).isEqualTo("PROVISIONING_UNKNOWN");

        assertThat(put(primary.getString("token"), LINK, SEALED).statusCode()).isEqualTo(204);
        HttpResponse<String> taken = take(LINK);
        assertThat(taken.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(taken.body()).getString("message")).isEqualTo(SEALED);
        assertThat(new JsonObject(taken.body()).getString("userId")).isEqualTo("alice");

        HttpResponse<String> replay = take(LINK);
        assertThat(replay.statusCode()).isEqualTo(404);
        assertThat(error(replay)).isEqualTo("PROVISIONING_UNKNOWN");
        assertThat(edge.provisioning.entries).isEmpty();
    }

    @Test
    void aLinkIdIsUsedOnceAndOnlyAPrimaryLeavesMessages() throws Exception {
        JsonObject primary = edge.register("alice");
        JsonObject laptop = edge.link(primary);
        HttpResponse<String> byCompanion = put(laptop.getString("token"), LINK, SEALED);
        assertThat(byCompanion.statusCode()).isEqualTo(403);
        assertThat(error(byCompanion)).isEqualTo("NOT_PRIMARY");
        assertThat(put(null, LINK, SEALED).statusCode()).isEqualTo(401);
        assertThat(edge.provisioning.entries).isEmpty();

        assertThat(put(primary.getString("token"), LINK, SEALED).statusCode()).isEqualTo(204);
        HttpResponse<String> second = put(edge.register("mallory").getString("token"), LINK,
                Base64.getEncoder().encodeToString(new byte[] {9}));
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(error(second)).isEqualTo("PROVISIONING_EXISTS");
        assertThat(new JsonObject(take(LINK).body()).getString("message")).isEqualTo(SEALED); // the first one stands
    }

    @Test
    void anExpiredMessageIsNotHandedOut() throws Exception {
        JsonObject primary = edge.register("alice");
        assertThat(put(primary.getString("token"), LINK, SEALED).statusCode()).isEqualTo(204);
        edge.provisioningClock.advance(Duration.ofMinutes(10));
        assertThat(take(LINK).statusCode()).isEqualTo(404);
    }

    @Test
    void badLinkIdsAndMessagesAreRefused() throws Exception {
        String token = edge.register("alice").getString("token");
        assertThat(error(put(token, "short", SEALED))).isEqualTo("INVALID_FIELD");
        assertThat(error(take("has.dots.in.it.and.more.than.22"))).isEqualTo("INVALID_FIELD");
        assertThat(error(put(token, LINK, null))).isEqualTo("MISSING_FIELD");
        assertThat(error(put(token, LINK, "not base64!"))).isEqualTo("INVALID_FIELD");
        assertThat(error(put(token, LINK, "A".repeat(8196)))).isEqualTo("INVALID_FIELD");
        assertThat(edge.provisioning.entries).isEmpty();
    }
}
