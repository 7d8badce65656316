package org.parley.edge.limits;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.util.function.LongSupplier;
import org.parley.edge.readmodel.EdgeReadModel;

/**
 * The edge's limits at run time, one per edge: the frame buckets (per user, per address), the HTTP limits, and the
 * CQL read gates. The buckets live here, not in a connection, so a user's devices share them and a reconnect finds
 * them as it left them; buckets that filled up again are forgotten every {@link #SWEEP_MS}.
 */
public final class EdgeGuards {
    static final long SWEEP_MS = 10_000;

    private final Vertx vertx;
    private final EdgeLimits limits;
    private final FrameLimits frames;
    private final HttpLimits http;
    private long sweeper = -1;

    public EdgeGuards(Vertx vertx, EdgeLimits limits, LongSupplier clock) {
        this.vertx = vertx;
        this.limits = limits;
        ClientAddresses addresses = new ClientAddresses(limits.trustedProxies(), limits.exempt(), limits.ipv6PrefixBits());
        this.frames = new FrameLimits(limits, clock);
        this.http = new HttpLimits(vertx, limits, addresses, clock);
    }

    public EdgeGuards start() {
        sweeper = vertx.setPeriodic(SWEEP_MS, t -> {
            frames.sweep();
            http.sweep();
        });
        return this;
    }

    public void stop() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
    }

    public EdgeLimits limits() {
        return limits;
    }

    public HttpLimits http() {
        return http;
    }

    /** The edge-wide gate in front of the read model (edge.cql-max-in-flight / edge.cql-max-queued). */
    public EdgeReadModel edgeReads(EdgeReadModel readModel) {
        return new GatedReadModel(readModel, limits.cqlMaxInFlight(), limits.cqlMaxQueued(), "edge.cql-max-queued");
    }

    /** One connection's gate in front of the edge's (edge.connection-cql-max-in-flight / -queued). */
    public EdgeReadModel connectionReads(EdgeReadModel edgeReads) {
        return new GatedReadModel(edgeReads, limits.connectionCqlMaxInFlight(), limits.connectionCqlMaxQueued(),
                "edge.connection-cql-max-queued");
    }

    /** The frame limits of a connection of {@code userId} opened by {@code upgrade}. */
    public ConnectionLimits frames(String userId, HttpServerRequest upgrade) {
        return frames.forConnection(userId, http.addressOf(upgrade));
    }

    /** Counts a key bundle fetch of {@code userId} (limits.user.keys, limits.address.keys); null if admitted. */
    public FrameLimits.Refusal keyFetch(String userId, HttpServerRequest req) {
        return frames.admit(FrameKind.KEYS, userId, http.addressOf(req));
    }

    /** Counts a media upload started by {@code userId} (limits.user.uploads, limits.address.uploads); null if admitted. */
    public FrameLimits.Refusal upload(String userId, HttpServerRequest req) {
        return frames.admit(FrameKind.UPLOADS, userId, http.addressOf(req));
    }

    /** The outbound bounds and pings of the WebSocket {@code upgrade} became; it holds its connection's place. */
    public OutboundFlow outbound(HttpServerRequest upgrade, ServerWebSocket ws) {
        http.upgraded(upgrade, ws);
        return OutboundFlow.of(vertx, ws, limits).onClosed(() -> http.closed(upgrade.connection()));
    }
}
