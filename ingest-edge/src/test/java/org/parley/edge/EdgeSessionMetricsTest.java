package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.metrics.ProcessMetrics;

/** A device session's frames reach the process's edge meters (the hooks in DeviceConnection). */
@ExtendWith(VertxExtension.class)
class EdgeSessionMetricsTest {
    private EdgeHarness edge;
    private final MeterRegistry registry = ProcessMetrics.registry();

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, EdgeHarness.config());
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    private double count(String name, String tag, String value) {
        var c = registry.find(name).tag("role", "edge").tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void framesInAndOutAndErrorsOfASessionAreCounted() throws Exception {
        JsonObject alice = edge.register("alice");
        double pingsBefore = count("parley.edge.frames.in", "type", "ping");
        double pongsBefore = count("parley.edge.frames.out", "type", "pong");
        double readyBefore = count("parley.edge.frames.out", "type", "ready");
        double invalidBefore = count("parley.edge.frames.in", "type", "invalid");
        double unknownTypeBefore = count("parley.edge.errors", "code", "UNKNOWN_TYPE");
        try (TestClient c = edge.connect(alice)) {
            c.send(new JsonObject().put("type", "ping"));
            c.next("pong");
            c.send(new JsonObject().put("type", "teleport"));
            c.next("error");
            await().untilAsserted(() -> {
                assertThat(count("parley.edge.frames.out", "type", "ready")).isEqualTo(readyBefore + 1);
                assertThat(count("parley.edge.frames.in", "type", "ping")).isEqualTo(pingsBefore + 1);
                assertThat(count("parley.edge.frames.out", "type", "pong")).isEqualTo(pongsBefore + 1);
                assertThat(count("parley.edge.frames.in", "type", "invalid")).isEqualTo(invalidBefore + 1);
                assertThat(count("parley.edge.errors", "code", "UNKNOWN_TYPE")).isEqualTo(unknownTypeBefore + 1);
            });
        }
    }
}
