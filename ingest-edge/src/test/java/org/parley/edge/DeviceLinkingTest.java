package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.devices.RevocationWatcher;
import org.parley.events.DeviceRecord;

@ExtendWith(VertxExtension.class)
class DeviceLinkingTest {
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private static String error(HttpResponse<String> res) {
        return new JsonObject(res.body()).getString("error");
    }

    @Test
    void theFirstDeviceIsThePrimaryAndARegistrationWithoutProofIsRefused() throws Exception {
        JsonObject primary = edge.register("alice");
        assertThat(primary.getBoolean("primary")).isTrue();
        assertThat(edge.log.devices).singleElement().satisfies(d -> assertThat(d.getPrimary()).isTrue());

        HttpResponse<String> again = edge.http("POST", "/v1/devices", null, "{\"userId\":\"alice\"}");
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(error(again)).isEqualTo("MISSING_FIELD");
        assertThat(new JsonObject(again.body()).getString("message")).contains("identifier");
        assertThat(edge.log.devices).hasSize(1);
    }

    @Test
    void thePrimaryLinksCompanionsUpToTheLimitEachWithItsOwnToken() throws Exception {
        JsonObject primary = edge.register("alice");
        JsonObject laptop = edge.link(primary);
        JsonObject tablet = edge.link(primary);
        assertThat(laptop.getBoolean("primary")).isFalse();
        assertThat(laptop.getString("userId")).isEqualTo("alice");
        assertThat(laptop.getString("token")).isNotEqualTo(tablet.getString("token"));

        HttpResponse<String> third = edge.http("POST", "/v1/devices/link", primary.getString("token"), null);
        assertThat(third.statusCode()).isEqualTo(409);
        assertThat(error(third)).isEqualTo("DEVICE_LIMIT");

        HttpResponse<String> list = edge.http("GET", "/v1/devices", laptop.getString("token"), null);
        assertThat(new JsonObject(list.body()).getJsonArray("devices")).hasSize(3);
        try (TestClient c = edge.connect(tablet)) {
            assertThat(c.closed).isFalse();
        }
    }

    @Test
    void onlyThePrimaryLinksAndAnUnknownTokenLinksNothing() throws Exception {
        JsonObject primary = edge.register("alice");
        JsonObject laptop = edge.link(primary);
        HttpResponse<String> byCompanion = edge.http("POST", "/v1/devices/link", laptop.getString("token"), null);
        assertThat(byCompanion.statusCode()).isEqualTo(403);
        assertThat(error(byCompanion)).isEqualTo("NOT_PRIMARY");
        assertThat(edge.http("POST", "/v1/devices/link", null, null).statusCode()).isEqualTo(401);
        assertThat(edge.http("POST", "/v1/devices/link", "nope.nope", null).statusCode()).isEqualTo(401);
    }

    @Test
    void unlinkingRevokesTheTokenAtOnceClosesTheConnectionAndFreesTheSlot() throws Exception {
        JsonObject primary = edge.register("alice");
        JsonObject laptop = edge.link(primary);
        edge.link(primary);
        try (TestClient c = edge.connect(laptop)) {
            HttpResponse<String> res = edge.http("DELETE", "/v1/devices/" + laptop.getString("deviceId"),
                    primary.getString("token"), null);
            assertThat(res.statusCode()).isEqualTo(204);
            await().until(() -> c.closed);
            assertThat(c.ws.closeStatusCode()).isEqualTo((short) 4003);
        }
        assertThat(edge.log.devices).last().satisfies(d -> {
            assertThat(d.getDeviceId()).isEqualTo(laptop.getString("deviceId"));
            assertThat(d.getRevoked()).isTrue();
        });
        assertThatThrownBy(() -> TestClient.connect(edge.vertx, edge.port, "/v1/ws?token=" + laptop.getString("token")))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        edge.link(primary); // the slot is free again
    }

    @Test
    void aCompanionUnlinksItselfButNotOthers() throws Exception {
        JsonObject primary = edge.register("alice");
        JsonObject laptop = edge.link(primary);
        JsonObject tablet = edge.link(primary);
        HttpResponse<String> other = edge.http("DELETE", "/v1/devices/" + tablet.getString("deviceId"),
                laptop.getString("token"), null);
        assertThat(other.statusCode()).isEqualTo(403);
        HttpResponse<String> foreign = edge.http("DELETE", "/v1/devices/" + edge.register("bob").getString("deviceId"),
                primary.getString("token"), null);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(error(foreign)).isEqualTo("DEVICE_UNKNOWN");
        assertThat(edge.http("DELETE", "/v1/devices/" + laptop.getString("deviceId"), laptop.getString("token"), null)
                .statusCode()).isEqualTo(204);
        assertThat(edge.readModel.devices.get(laptop.getString("deviceId")).revoked()).isTrue();
        assertThat(edge.readModel.devices.get(tablet.getString("deviceId")).revoked()).isFalse();
    }

    @Test
    void unlinkingThePrimaryUnlinksEveryDeviceAndAllowsANewPrimary() throws Exception {
        JsonObject primary = edge.register("alice");
        JsonObject laptop = edge.link(primary);
        assertThat(edge.http("DELETE", "/v1/devices/" + primary.getString("deviceId"), primary.getString("token"), null)
                .statusCode()).isEqualTo(204);
        assertThat(edge.readModel.devices.get(laptop.getString("deviceId")).revoked()).isTrue();
        assertThat(edge.readModel.devices.get(primary.getString("deviceId")).revoked()).isTrue();
        assertThat(edge.register("alice").getBoolean("primary")).isTrue();
    }

    @Test
    void aRevocationPublishedByAnotherEdgeClosesTheConnectionHere() throws Exception {
        JsonObject primary = edge.register("alice");
        try (TestClient c = edge.connect(primary)) {
            await().until(() -> edge.devices.find(primary.getString("deviceId")).isPresent());
            DeviceRecord stored = edge.log.devices.get(0);
            new RevocationWatcher(edge.devices).onRecord(DeviceRecord.newBuilder(stored).setRevoked(true).build());
            await().until(() -> c.closed);
            assertThat(c.ws.closeStatusCode()).isEqualTo((short) 4003);
        }
    }
}
