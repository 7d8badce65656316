package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.presence.PresenceSubscriptions;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsEndpoint;
import org.parley.edge.typing.TypingRelay;
import org.parley.events.DeviceDelivery;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;

/** An edge on an ephemeral port with every dependency faked in memory, and HTTP/WebSocket helpers. */
final class EdgeHarness {
    static final int MAX_COMPANIONS = 2;
    static final long TYPING_EXPIRY_MS = 300;
    static final int TYPING_PER_SECOND = 3;
    static final int MAX_SUBSCRIPTIONS = 2;

    final RecordingActionLog log = new RecordingActionLog();
    final RecordingSignalLog signals = new RecordingSignalLog();
    final InMemoryReadModel readModel = new InMemoryReadModel();
    final InMemoryDeviceSlots slots = new InMemoryDeviceSlots();
    final InMemoryProvisioning provisioning = new InMemoryProvisioning();
    final org.parley.edge.identity.MutableClock provisioningClock =
            new org.parley.edge.identity.MutableClock(java.time.Instant.parse("2026-12-06T12:00:00Z"));
    final InMemoryUserState state = new InMemoryUserState();
    final PendingActions pending = new PendingActions();
    final ConnectedDevices devices = new ConnectedDevices();
    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    final TypingRelay typing = new TypingRelay(signals, state, devices, TYPING_EXPIRY_MS, TYPING_PER_SECOND);
    final PresenceSubscriptions presence = new PresenceSubscriptions(state, state.presenceStore(), MAX_SUBSCRIPTIONS);
    final TestIdentity identity;
    /** Each user's devices a send's envelopes must name (linked, with keys): what the key directory would say. */
    final java.util.Map<String, java.util.Set<String>> encryptable = new java.util.concurrent.ConcurrentHashMap<>();
    final Vertx vertx;
    private final String deployment;
    final int port;
    /** The verticle instances serving it (config.verticleInstances()). */
    final java.util.List<EdgeVerticle> verticles;

    EdgeHarness(Vertx vertx, EdgeConfig config) throws Exception {
        this(vertx, config, (readModel, log) -> new TestIdentity(readModel, log, 1), null, System::currentTimeMillis, m -> m);
    }

    /** With its own registration limits or clock. */
    EdgeHarness(Vertx vertx, EdgeConfig config,
                java.util.function.BiFunction<InMemoryReadModel, RecordingActionLog, TestIdentity> identity) throws Exception {
        this(vertx, config, identity, null, System::currentTimeMillis, m -> m);
    }

    /** With the given limits (null: the defaults), rate-limit clock, and a wrapper around the in-memory read model. */
    EdgeHarness(Vertx vertx, EdgeConfig config, org.parley.edge.limits.EdgeLimits limits,
                java.util.function.LongSupplier clock,
                java.util.function.UnaryOperator<org.parley.edge.readmodel.EdgeReadModel> wrapReads) throws Exception {
        this(vertx, config, (readModel, log) -> new TestIdentity(readModel, log, 1), limits, clock, wrapReads);
    }

    private EdgeHarness(Vertx vertx, EdgeConfig config,
                java.util.function.BiFunction<InMemoryReadModel, RecordingActionLog, TestIdentity> identity,
                org.parley.edge.limits.EdgeLimits limits, java.util.function.LongSupplier clock,
                java.util.function.UnaryOperator<org.parley.edge.readmodel.EdgeReadModel> wrapReads) throws Exception {
        this.vertx = vertx;
        this.identity = identity.apply(readModel, log);
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        org.parley.edge.limits.EdgeGuards guards = new org.parley.edge.limits.EdgeGuards(vertx,
                limits != null ? limits : org.parley.edge.limits.EdgeLimits.defaults(), clock).start();
        EdgeRoutes routes = EdgeRoutes.builder(config, guards).log(log).readModel(wrapReads.apply(readModel))
                .pending(pending).devices(devices).inboxDecoder(b -> reader.deserialize("deliveries", b))
                .extensions(extensions())
                .envelopes(org.parley.edge.envelopes.EnvelopeLimits.defaults(config.maxPayloadBytes()),
                        user -> io.vertx.core.Future.succeededFuture(encryptable.getOrDefault(user, java.util.Set.of())))
                .build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes);
        deployment = edge.id();
        port = edge.port();
        verticles = edge.verticles();
    }

    /** An edge serving https/wss with the given certificate ({@link EdgeTls}). */
    EdgeHarness(Vertx vertx, EdgeConfig config, EdgeTls tls) throws Exception {
        this.vertx = vertx;
        this.identity = new TestIdentity(readModel, log, 1);
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(registry, DeviceDelivery.getClassSchema());
        EdgeRoutes routes = EdgeRoutes.builder(config, TestEdges.guards(vertx)).log(log).readModel(readModel)
                .pending(pending).devices(devices).inboxDecoder(b -> reader.deserialize("deliveries", b))
                .extensions(extensions()).build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes, tls);
        deployment = edge.id();
        port = edge.port();
        verticles = edge.verticles();
    }

    /** The configuration most edge tests use. */
    static EdgeConfig config() {
        return EdgeConfig.builder().edgeId(1).maxPayloadBytes(1024).maxFrameBytes(64 * 1024).historyPageMax(100)
                .syncTimeoutMs(5_000).resultTimeoutMs(5_000).rateLimitPerSecond(30).rateLimitBurst(60)
                .maxMediaBytes(4096).build();
    }

    EdgeExtensions extensions() {
        return new EdgeExtensions(new DeviceRegistration(log, readModel, slots, devices, MAX_COMPANIONS,
                identity.registration).withProvisioning(provisioning, java.time.Duration.ofMinutes(10),
                        provisioningClock),
                new SettingsEndpoint(state), SessionExtension.of(typing, presence));
    }

    void undeploy() throws Exception {
        // Vert.x shares port-0 servers within one instance: never leave an old edge answering.
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    HttpResponse<String> http(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The user's primary device (a code sent to the user's e-mail address, and sent back). */
    JsonObject register(String userId) throws Exception {
        return identity.register(port, userId);
    }

    /** A companion linked by {@code by} (the primary). */
    JsonObject link(JsonObject by) throws Exception {
        HttpResponse<String> res = http("POST", "/v1/devices/link", by.getString("token"), null);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return new JsonObject(res.body());
    }

    TestClient connect(JsonObject device) throws Exception {
        TestClient c = TestClient.connect(vertx, port, "/v1/ws?token=" + device.getString("token"));
        JsonObject ready = c.next("ready");
        assertThat(ready.getString("deviceId")).isEqualTo(device.getString("deviceId"));
        return c;
    }
}
