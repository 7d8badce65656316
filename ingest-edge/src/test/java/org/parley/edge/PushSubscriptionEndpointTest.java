package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.parley.config.Settings;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.DeviceTokens;
import org.parley.edge.push.PushSubscriptionHandler;
import org.parley.projections.PushEndpointPolicy;

/**
 * {@code PUT /v1/push-subscription} through a real socket: an endpoint the dispatcher may not push to is refused
 * with 400 {@code INVALID_FIELD} and the reason, before the token is even looked at; an allowed one goes on to the
 * token check (401 here: the token is unknown, and no store is needed to show the endpoint passed).
 */
@ExtendWith(VertxExtension.class)
class PushSubscriptionEndpointTest {
    private static final String P256DH = Base64.getUrlEncoder().withoutPadding().encodeToString(p256Point());
    private static final String AUTH = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[16]);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private HttpServer server;

    private static byte[] p256Point() {
        byte[] point = new byte[65];
        point[0] = 0x04;
        return point;
    }

    private int start(Vertx vertx, PushEndpointPolicy policy) throws Exception {
        Router router = Router.router(vertx);
        new PushSubscriptionHandler(vertx, null, policy).mount(router,
                BearerAuthentication.of(new DeviceTokens(new InMemoryReadModel())));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> put(int port, String endpoint) throws Exception {
        String body = new JsonObject().put("endpoint", endpoint)
                .put("keys", new JsonObject().put("p256dh", P256DH).put("auth", AUTH)).encode();
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PushSubscriptionHandler.PATH))
                .header("Authorization", "Bearer dev-unknown.secret").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1:8443/push/x         | endpoint must be an https URL",
        "http://localhost:8443/push/x         | endpoint must be an https URL",
        "https://127.0.0.1/push/x             | endpoint resolves to a loopback address 127.0.0.1",
        "https://10.0.0.5/push/x              | endpoint resolves to a private address 10.0.0.5",
        "https://192.168.1.20/push/x          | endpoint resolves to a private address 192.168.1.20",
        "https://169.254.169.254/latest       | endpoint resolves to a link-local address 169.254.169.254",
        "https://100.64.1.1/push/x            | endpoint resolves to a shared (CGNAT) address 100.64.1.1",
        "https://[::ffff:127.0.0.1]/push/x    | endpoint resolves to a loopback address 127.0.0.1",
        "https://[fd00::1]/push/x             | endpoint resolves to a unique local (private) address fd00:0:0:0:0:0:0:1",
        "https://push.example.com/x           | endpoint host push.example.com is not an allowed push service "
                + "(fcm.googleapis.com, updates.push.services.mozilla.com, *.notify.windows.com, web.push.apple.com)",
        "https://8.8.8.8/x                    | endpoint must name a push service (fcm.googleapis.com, "
                + "updates.push.services.mozilla.com, *.notify.windows.com, web.push.apple.com), not an address",
    })
    void anEndpointTheDispatcherMayNotPushToIsRefusedWithItsReason(String endpoint, String reason, Vertx vertx)
            throws Exception {
        int port = start(vertx, PushEndpointPolicy.from(Settings.of(Map.of())));

        HttpResponse<String> res = put(port, endpoint);

        assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
        assertThat(new JsonObject(res.body())).isEqualTo(new JsonObject().put("error", "INVALID_FIELD")
                .put("message", reason));
    }

    @Test
    void anAllowedPushServiceGoesOnToTheTokenCheck(Vertx vertx) throws Exception {
        int port = start(vertx, PushEndpointPolicy.from(Settings.of(Map.of())));

        assertThat(put(port, "https://fcm.googleapis.com/fcm/send/abc:def").statusCode()).isEqualTo(401);
        assertThat(put(port, "https://wns2-par02p.notify.windows.com/w/?token=x").statusCode()).isEqualTo(401);
    }

    @Test
    void theLocalTestModeAdmitsTheLoopbackEndpointAndNoOtherPrivateOne(Vertx vertx) throws Exception {
        int port = start(vertx, PushEndpointPolicy.from(Settings.of(Map.of("push.allow-loopback-http", "true"))));

        assertThat(put(port, "http://127.0.0.1:8443/push/x").statusCode()).isEqualTo(401);
        HttpResponse<String> privateOne = put(port, "https://10.0.0.5/push/x");
        assertThat(privateOne.statusCode()).isEqualTo(400);
        assertThat(privateOne.body()).contains("a private address 10.0.0.5");
    }

    @Test
    void theAllowListIsConfigurable(Vertx vertx) throws Exception {
        int port = start(vertx, new PushEndpointPolicy(List.of("push.example.org"), false));

        assertThat(put(port, "https://eu.push.example.org/x").statusCode()).isEqualTo(401);
        assertThat(put(port, "https://fcm.googleapis.com/fcm/send/x").statusCode()).isEqualTo(400);
    }
}
