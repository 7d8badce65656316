package org.parley.edge;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.DeviceRoutes;
import org.parley.edge.envelopes.DeviceSets;
import org.parley.edge.envelopes.EnvelopeLimits;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.DeviceTokens;
import org.parley.edge.http.RouteModule;
import org.parley.edge.keys.KeyDirectoryEndpoint;
import org.parley.edge.limits.EdgeGuards;
import org.parley.edge.log.ActionLog;
import org.parley.edge.media.MediaAccess;
import org.parley.edge.media.MediaPolicy;
import org.parley.edge.media.MediaRoutes;
import org.parley.edge.media.MediaStore;
import org.parley.edge.media.transfer.MediaTransfers;
import org.parley.edge.protocol.FrameDecoder;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;
import org.parley.events.DeviceDelivery;

/**
 * The edge's HTTP surface, assembled in this one place: the guards ({@link EdgeGuards}: limits in front of every
 * route), then the route modules in order: health, registration and devices, settings, the WebSocket, media,
 * keys, presigned transfers, further modules (the push subscription), and the benchmarks' echo socket if enabled.
 * Every authenticated route has the one {@link BearerAuthentication} in front. Built once per edge; each verticle
 * instance makes its own {@link Router} of it ({@link #router}); everything in it is shared by the instances.
 */
public final class EdgeRoutes {
    private static final java.util.concurrent.atomic.AtomicInteger RANDOM_PORTS = new java.util.concurrent.atomic.AtomicInteger();

    private final EdgeGuards guards;
    private final int sharedRandomPort = -RANDOM_PORTS.incrementAndGet();
    private final BearerAuthentication auth;
    private final List<RouteModule> modules;

    private EdgeRoutes(EdgeGuards guards, BearerAuthentication auth, List<RouteModule> modules) {
        this.guards = guards;
        this.auth = auth;
        this.modules = modules;
    }

    public static Builder builder(EdgeConfig config, EdgeGuards guards) {
        return new Builder(config, guards);
    }

    public EdgeGuards guards() {
        return guards;
    }

    /**
     * The port to listen on for {@code port} 0 ("any free port") when several verticle instances must share it:
     * Vert.x gives every server of port 0 a port of its own, and the servers of one negative port one random port.
     */
    int sharedRandomPort() {
        return sharedRandomPort;
    }

    /** A router of every route, for one verticle instance. */
    public Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        guards.http().mount(router); // first: header deadline, per-address and per-device HTTP limits
        modules.forEach(module -> module.mount(router, auth));
        return router;
    }

    /** What the edge serves; the message path (log, read model, results, connections, inbox) and the extensions are required. */
    public static final class Builder {
        private final EdgeConfig config;
        private final EdgeGuards guards;
        private ActionLog log;
        private EdgeReadModel readModel;
        private PendingActions pending;
        private ConnectedDevices devices;
        private Function<byte[], DeviceDelivery> inboxDecoder;
        private EdgeExtensions extensions;
        private MediaStore media = MediaStore.unavailable();
        private MediaPolicy mediaPolicy = MediaPolicy.defaults();
        private KeyDirectoryEndpoint keys;
        private MediaTransfers transfers;
        private EnvelopeLimits envelopeLimits;
        private DeviceSets deviceSets;
        private final List<RouteModule> more = new ArrayList<>();

        private Builder(EdgeConfig config, EdgeGuards guards) {
            this.config = Objects.requireNonNull(config, "config");
            this.guards = Objects.requireNonNull(guards, "guards");
        }

        /** Where client actions are appended (the actions topic). */
        public Builder log(ActionLog log) {
            this.log = log;
            return this;
        }

        /** The CQL read model; every read goes through the edge-wide gate of {@link EdgeGuards}. */
        public Builder readModel(EdgeReadModel readModel) {
            this.readModel = readModel;
            return this;
        }

        /** Appended actions awaiting their result (the action-results tail completes them). */
        public Builder pending(PendingActions pending) {
            this.pending = pending;
            return this;
        }

        /** The connected devices (the edge-deliveries tail delivers through them). */
        public Builder devices(ConnectedDevices devices) {
            this.devices = devices;
            return this;
        }

        /** Decodes a device's inbox item (the deliveries' wire format). */
        public Builder inboxDecoder(Function<byte[], DeviceDelivery> inboxDecoder) {
            this.inboxDecoder = inboxDecoder;
            return this;
        }

        /** Device linking, settings, typing and presence. */
        public Builder extensions(EdgeExtensions extensions) {
            this.extensions = extensions;
            return this;
        }

        /** The media bucket and its policy ({@code media.*}); unavailable and the defaults otherwise. */
        public Builder media(MediaStore media, MediaPolicy policy) {
            this.media = media;
            this.mediaPolicy = policy;
            return this;
        }

        /** The end-to-end key directory ({@code /v1/keys}); off unless given. */
        public Builder keys(KeyDirectoryEndpoint keys) {
            this.keys = keys;
            return this;
        }

        /** Presigned uploads and downloads ({@code /v1/uploads}, {@code /v1/downloads}); off unless given. */
        public Builder transfers(MediaTransfers transfers) {
            this.transfers = transfers;
            return this;
        }

        /** Sends with per-device envelopes, within these bounds, against these device sets; refused unless given. */
        public Builder envelopes(EnvelopeLimits limits, DeviceSets deviceSets) {
            this.envelopeLimits = limits;
            this.deviceSets = deviceSets;
            return this;
        }

        /** A further route module (e.g. the push subscription endpoint), mounted after the built-in ones. */
        public Builder module(RouteModule module) {
            more.add(module);
            return this;
        }

        public EdgeRoutes build() {
            require(log, "log");
            require(readModel, "readModel");
            require(pending, "pending");
            require(devices, "devices");
            require(inboxDecoder, "inboxDecoder");
            require(extensions, "extensions");
            EdgeReadModel reads = guards.edgeReads(readModel); // every read of the edge waits its turn
            FrameDecoder decoder = envelopeLimits == null
                    ? new FrameDecoder(config.maxPayloadBytes(), config.historyPageMax())
                    : new FrameDecoder(config.maxPayloadBytes(), config.historyPageMax(), 1024,
                            envelopeLimits.maxEnvelopes(), envelopeLimits.maxEnvelopeBytes());
            List<RouteModule> modules = new ArrayList<>();
            modules.add(new HealthRoute(config.edgeId(), devices, pending));
            modules.add(new DeviceRoutes(extensions.devices()));
            modules.add(extensions.settings());
            modules.add(new WebSocketRoute(new WebSocketRoute.Parts(config, log, reads, pending, devices, decoder,
                    inboxDecoder, media, extensions.session(), deviceSets, guards,
                    keys == null ? connection -> { } : keys::onConnected)));
            modules.add(new MediaRoutes(media, mediaPolicy, new MediaAccess(readModel,
                    mediaPolicy.maxConversationsChecked()), config.maxMediaBytes()));
            if (keys != null) {
                modules.add(keys);
            }
            if (transfers != null) {
                modules.add(transfers);
            }
            modules.addAll(more);
            if (config.benchEcho()) {
                modules.add((router, auth) -> BenchEcho.install(router));
            }
            return new EdgeRoutes(guards, BearerAuthentication.of(new DeviceTokens(reads)), List.copyOf(modules));
        }

        private static void require(Object part, String name) {
            if (part == null) {
                throw new IllegalStateException("EdgeRoutes." + name + "(...) is required");
            }
        }
    }
}
