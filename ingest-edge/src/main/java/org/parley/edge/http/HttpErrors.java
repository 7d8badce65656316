package org.parley.edge.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.parley.edge.protocol.ErrorCode;

/** The edge's HTTP error answer: {@code {"error": <code>, "message": <text>}} with a status; no code means 401's. */
public final class HttpErrors {
    private HttpErrors() {
    }

    /** Answers {@code status} with the error body; {@code code} null is {@code UNAUTHENTICATED}. */
    public static void send(RoutingContext ctx, int status, ErrorCode code, String message) {
        ctx.response().setStatusCode(status);
        ctx.json(new JsonObject().put("error", code == null ? "UNAUTHENTICATED" : code.name()).put("message", message));
    }
}
