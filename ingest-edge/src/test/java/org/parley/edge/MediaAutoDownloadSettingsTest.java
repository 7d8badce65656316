package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.devices.DeviceRegistration;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.PendingActions;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsEndpoint;
import org.parley.events.DeviceDelivery;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;

/**
 * The media auto-download setting is stored with the user's settings: read with {@code GET /v1/settings} (the defaults
 * until changed), changed per network kind with {@code PUT /v1/settings} or the {@code settings} frame (merged: the
 * network kinds given replace theirs), refused precisely when malformed, with nothing changed.
 */
@ExtendWith(VertxExtension.class)
class MediaAutoDownloadSettingsTest {
    private final RecordingActionLog log = new RecordingActionLog();
    private final InMemoryReadModel readModel = new InMemoryReadModel();
    private final InMemoryUserState userState = new InMemoryUserState();
    private final TestIdentity identity = new TestIdentity(readModel, log, 1);
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;
    private int port;
    private String deployment;

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        this.vertx = vertx;
        AvroWireDeserializer<DeviceDelivery> reader = new AvroWireDeserializer<>(new InMemorySchemaRegistry(),
                DeviceDelivery.getClassSchema());
        ConnectedDevices devices = new ConnectedDevices();
        EdgeConfig config = EdgeConfig.builder().edgeId(2).maxPayloadBytes(1024).maxFrameBytes(64 * 1024)
                .historyPageMax(100).syncTimeoutMs(60_000).resultTimeoutMs(5_000).rateLimitPerSecond(20)
                .rateLimitBurst(20).maxMediaBytes(4096).build();
        EdgeRoutes routes = EdgeRoutes.builder(config, TestEdges.guards(vertx)).log(log).readModel(readModel)
                .pending(new PendingActions()).devices(devices).inboxDecoder(b -> reader.deserialize("deliveries", b))
                .media(new InMemoryMediaStore(), org.parley.edge.media.MediaPolicy.defaults())
                .extensions(new EdgeExtensions(new DeviceRegistration(log, readModel, new InMemoryDeviceSlots(), devices, 4,
                        identity.registration), new SettingsEndpoint(userState), SessionExtension.NONE))
                .build();
        TestEdges.Deployed edge = TestEdges.deploy(vertx, config, routes);
        deployment = edge.id();
        port = edge.port();
    }

    @AfterEach
    void undeploy() throws Exception {
        vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> call(JsonObject device, String method, JsonObject body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/settings"))
                .header("Authorization", "Bearer " + device.getString("token"));
        b = body == null ? b.GET() : b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonArray kinds(JsonObject settings, String network) {
        return settings.getJsonObject("mediaAutoDownload").getJsonArray(network);
    }

    @Test
    void theSettingDefaultsThenChangesPerNetworkKindAndIsReadBack() throws Exception {
        JsonObject alice = identity.register(port, "alice");
        JsonObject defaults = new JsonObject(call(alice, "GET", null).body());
        assertThat(kinds(defaults, "wifi")).containsExactly("image", "video", "audio", "document");
        assertThat(kinds(defaults, "cellular")).containsExactly("image", "audio");
        assertThat(kinds(defaults, "roaming")).isEmpty();

        HttpResponse<String> put = call(alice, "PUT", new JsonObject().put("mediaAutoDownload",
                new JsonObject().put("cellular", new JsonArray().add("image").add("video").add("image"))));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonObject changed = new JsonObject(put.body());
        assertThat(kinds(changed, "cellular")).containsExactly("image", "video");
        assertThat(kinds(changed, "wifi")).containsExactly("image", "video", "audio", "document");
        assertThat(userState.settings.get("alice").getMediaAutoDownload())
                .containsEntry("cellular", java.util.List.of("image", "video")).doesNotContainKey("wifi");
        // A second change of another network kind keeps the first.
        call(alice, "PUT", new JsonObject().put("mediaAutoDownload",
                new JsonObject().put("roaming", new JsonArray().add("audio"))));
        JsonObject back = new JsonObject(call(alice, "GET", null).body());
        assertThat(kinds(back, "roaming")).containsExactly("audio");
        assertThat(kinds(back, "cellular")).containsExactly("image", "video");
    }

    @Test
    void theSettingsFrameChangesItTooMergedAndCheckedTheSameWay() throws Exception {
        JsonObject alice = identity.register(port, "alice");
        try (TestClient c = TestClient.connect(vertx, port, "/v1/ws?token=" + alice.getString("token"))) {
            c.next("ready");
            c.send(new JsonObject().put("type", "settings").put("requestId", "s1").put("mediaAutoDownload",
                    new JsonObject().put("cellular", new JsonArray())));
            assertThat(kinds(c.next("settings"), "cellular")).isEmpty();
            c.send(new JsonObject().put("type", "settings").put("requestId", "s2").put("mediaAutoDownload",
                    new JsonObject().put("roaming", new JsonArray().add("audio"))));
            JsonObject frame = c.next("settings");
            assertThat(kinds(frame, "roaming")).containsExactly("audio");
            assertThat(kinds(frame, "cellular")).isEmpty();
            assertThat(kinds(frame, "wifi")).containsExactly("image", "video", "audio", "document");
            assertThat(log.settings).last().satisfies(s -> assertThat(s.getMediaAutoDownload())
                    .containsEntry("roaming", java.util.List.of("audio")).containsEntry("cellular", java.util.List.of()));
            c.send(new JsonObject().put("type", "settings").put("requestId", "s3").put("mediaAutoDownload",
                    new JsonObject().put("roaming", new JsonArray().add("gif"))));
            JsonObject err = c.next("error");
            assertThat(err.getString("code")).isEqualTo("INVALID_FIELD");
            assertThat(err.getString("message")).contains("mediaAutoDownload.roaming");
            assertThat(log.settings).hasSize(2);
        }
    }

    @Test
    void aMalformedSettingIsRefusedNamingTheFieldAndChangesNothing() throws Exception {
        JsonObject bob = identity.register(port, "bob");
        Object[][] bad = {
            {"everything", "must be an object"},
            {new JsonObject().put("satellite", new JsonArray()), "mediaAutoDownload.satellite"},
            {new JsonObject().put("wifi", "image"), "mediaAutoDownload.wifi' must be an array"},
            {new JsonObject().put("wifi", new JsonArray().add("image").add(3)), "item 1"},
        };
        for (Object[] tc : bad) {
            HttpResponse<String> res = call(bob, "PUT", new JsonObject().put("mediaAutoDownload", tc[0])
                    .put("readReceipts", false));
            assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
            assertThat(new JsonObject(res.body()).getString("error")).isEqualTo("INVALID_FIELD");
            assertThat(res.body()).contains((String) tc[1]);
        }
        assertThat(userState.settings).doesNotContainKey("bob");
        JsonObject unchanged = new JsonObject(call(bob, "GET", null).body());
        assertThat(unchanged.getBoolean("readReceipts")).isTrue();
        assertThat(kinds(unchanged, "cellular")).containsExactly("image", "audio");
    }
}
