package org.parley.edge;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.limits.EdgeGuards;
import org.parley.edge.limits.EdgeLimits;

/** Deploys edges for tests: {@code config.verticleInstances()} verticles of the given routes, as EdgeApp does. */
final class TestEdges {
    /** The deployment and its verticle instances (each with its port: the same one). */
    record Deployed(String id, List<EdgeVerticle> verticles) {
        int port() {
            return verticles.get(0).actualPort();
        }
    }

    private TestEdges() {
    }

    /** The edge's guards with the default limits. */
    static EdgeGuards guards(Vertx vertx) {
        return new EdgeGuards(vertx, EdgeLimits.defaults(), System::currentTimeMillis).start();
    }

    static Deployed deploy(Vertx vertx, EdgeConfig config, EdgeRoutes routes) throws Exception {
        return deploy(vertx, config, routes, EdgeTls.off());
    }

    static Deployed deploy(Vertx vertx, EdgeConfig config, EdgeRoutes routes, EdgeTls tls) throws Exception {
        List<EdgeVerticle> verticles = new CopyOnWriteArrayList<>();
        String id = vertx.deployVerticle(() -> {
            EdgeVerticle v = new EdgeVerticle(config, WebSocketLimits.defaults(config), tls, routes);
            verticles.add(v);
            return v;
        }, new DeploymentOptions().setInstances(config.verticleInstances()))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new Deployed(id, List.copyOf(verticles));
    }
}
