package org.parley.edge;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.RouteModule;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;

/** {@code GET /health}: up, the edge id, its open device connections and the actions awaiting a result. */
final class HealthRoute implements RouteModule {
    private final int edgeId;
    private final ConnectedDevices devices;
    private final PendingActions pending;

    HealthRoute(int edgeId, ConnectedDevices devices, PendingActions pending) {
        this.edgeId = edgeId;
        this.devices = devices;
        this.pending = pending;
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP").put("edgeId", edgeId)
                .put("connections", devices.size()).put("pendingActions", pending.size())));
    }
}
