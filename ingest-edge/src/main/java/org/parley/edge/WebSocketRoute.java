package org.parley.edge;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import java.util.function.Function;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.envelopes.DeviceSets;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.http.RouteModule;
import org.parley.edge.limits.EdgeGuards;
import org.parley.edge.log.ActionLog;
import org.parley.edge.media.MediaStore;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FrameDecoder;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.DeviceConnection;
import org.parley.edge.session.PendingActions;
import org.parley.edge.session.SessionExtension;
import org.parley.events.DeviceDelivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/ws[?lastInboxSeq=n]}: the client protocol (docs/protocol.md), bearer token in the header or as
 * {@code ?token=}. The connection lives on the event loop of the verticle instance that accepted it; deliveries,
 * signals and results reach it through {@link ConnectedDevices} and {@link PendingActions}, shared by all instances.
 */
final class WebSocketRoute implements RouteModule {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketRoute.class);

    /** What a connection is made of; one for the edge, shared by every verticle instance. */
    record Parts(EdgeConfig config, ActionLog log, EdgeReadModel reads, PendingActions pending,
                 ConnectedDevices devices, FrameDecoder decoder, Function<byte[], DeviceDelivery> inboxDecoder,
                 MediaStore media, SessionExtension session, DeviceSets deviceSets, EdgeGuards guards,
                 Consumer<DeviceConnection> onConnected) {
    }

    private final Parts p;

    WebSocketRoute(Parts parts) {
        this.p = parts;
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.get("/v1/ws").handler(this::checkParams)
                .handler(auth.forUpgrade(p.guards().limits().handshakeTimeoutMs()))
                .handler(this::upgrade);
    }

    private void checkParams(RoutingContext ctx) {
        try {
            String param = ctx.request().getParam("lastInboxSeq");
            Long from = param == null ? null : Long.parseLong(param);
            if (from != null && from < 0) {
                throw new NumberFormatException();
            }
            if (from != null) {
                ctx.put("lastInboxSeq", from);
            }
        } catch (NumberFormatException e) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "lastInboxSeq must be a non-negative integer");
            return;
        }
        ctx.next();
    }

    private void upgrade(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        Long fromParam = ctx.get("lastInboxSeq");
        var device = BearerAuthentication.device(ctx);
        req.toWebSocket().onFailure(err -> LOG.warn("upgrade failed: {}", err.toString())).onSuccess(ws -> {
            ws.pause();
            DeviceConnection connection = new DeviceConnection(ws, ctx.vertx().getOrCreateContext(), p.config(),
                    p.log(), p.guards().connectionReads(p.reads()), p.pending(), p.decoder(), p.inboxDecoder(),
                    device.userId(), device.deviceId(), p.media())
                    .extension(p.session()).limits(p.guards().frames(device.userId(), req))
                    .outbound(p.guards().outbound(req, ws)).envelopes(p.deviceSets());
            DeviceConnection replaced = p.devices().register(connection);
            if (replaced != null) {
                replaced.close((short) 4001, "replaced by a newer connection of this device");
            }
            Future<Long> from = fromParam != null ? Future.succeededFuture(fromParam) : p.reads().cursor(device.deviceId());
            from.compose(seq -> connection.start(seq, () -> p.devices().unregister(connection)))
                    .onSuccess(v -> p.onConnected().accept(connection))
                    .onFailure(err -> {
                        LOG.warn("session start of {} failed: {}", device.deviceId(), err.toString());
                        p.devices().unregister(connection);
                        ws.close((short) 1011, "session could not start; retry");
                    });
        });
    }
}
