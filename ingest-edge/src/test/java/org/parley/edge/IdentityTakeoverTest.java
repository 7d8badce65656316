package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class IdentityTakeoverTest {
    private EdgeHarness edge;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, new EdgeConfig("127.0.0.1", 0, 1, 1024, 64 * 1024, 100, 5_000, 5_000, 30, 60, 4096));
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    @Test
    void aFreedUserIdCannotBeRegisteredByAnyoneElse() throws Exception {
        JsonObject alice = edge.register("alice");
        assertThat(edge.http("DELETE", "/v1/devices/" + alice.getString("deviceId"), alice.getString("token"), null)
                .statusCode()).isEqualTo(204);
        HttpResponse<String> attacker = edge.http("POST", "/v1/devices", null, "{\"userId\":\"alice\"}");
        assertThat(attacker.statusCode()).as(attacker.body()).isNotEqualTo(201);
    }
}
