package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;
import org.parley.edge.config.EdgeConfig;

/**
 * The edge with a certificate: https and wss on its port, verified by clients that trust that certificate (and only
 * by them); no plain http there. The certificate is generated with the JDK's keytool, as {@code ./parley up} does for
 * {@code edge.tls=self-signed}.
 */
@ExtendWith(VertxExtension.class)
class EdgeTlsTest {
    private static final String PASSWORD = "edge-test-secret";

    @TempDir
    static Path dir;
    private static Path keystore;
    private static Path certPem;
    private static Path keyPem;

    private EdgeHarness edge;

    @BeforeAll
    static void generateCertificate() throws Exception {
        keystore = dir.resolve("edge.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        certPem = dir.resolve("edge-cert.pem");
        keyPem = dir.resolve("edge-key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", ks.getCertificate("edge").getEncoded()));
        Key key = ks.getKey("edge", PASSWORD.toCharArray());
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static EdgeConfig config() {
        return EdgeConfig.from(Settings.of(Map.of("edge.port", "0")));
    }

    @AfterEach
    void stop() throws Exception {
        if (edge != null) {
            edge.undeploy();
        }
    }

    private static PemTrustOptions trustingTheEdge() {
        return new PemTrustOptions().addCertPath(certPem.toString());
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS); // a loaded machine: TLS set-up is slow
    }

    private static JsonObject https(HttpClientAgent client, int port, HttpMethod method, String path, String body,
            int expectedStatus) throws Exception {
        // The body is asked for on the event loop as the response arrives (later, it may be gone).
        Map.Entry<Integer, Buffer> res = await(client.request(new RequestOptions().setMethod(method)
                .setHost("localhost").setPort(port).setURI(path).putHeader("Content-Type", "application/json"))
                .compose(req -> body == null ? req.send() : req.send(body))
                .compose(r -> r.body().map(b -> Map.entry(r.statusCode(), b))));
        assertThat(res.getKey()).as(res.getValue().toString()).isEqualTo(expectedStatus);
        return res.getValue().toJsonObject();
    }

    @Test
    void withAKeystoreTheEdgeServesHttpsAndWss(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, config(), EdgeTls.keystore(keystore, PASSWORD, "PKCS12"));
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(trustingTheEdge()));

        String identifier = TestIdentity.mail("tls-user");
        https(client, edge.port, HttpMethod.POST, "/v1/registration/code",
                new JsonObject().put("identifier", identifier).encode(), 202);
        JsonObject device = https(client, edge.port, HttpMethod.POST, "/v1/devices", new JsonObject()
                .put("identifier", identifier).put("code", edge.identity.sender.latest.get(identifier))
                .put("userId", "tls-user").encode(), 201);

        WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
                .setVerifyHost(true).setTrustOptions(trustingTheEdge()));
        BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
        // The handler is attached on the event loop as the upgrade completes, so the first frame is not missed.
        WebSocket ws = await(wsClient.connect(new WebSocketConnectOptions().setSsl(true).setHost("localhost")
                .setPort(edge.port).setURI("/v1/ws?token=" + device.getString("token")))
                .map(socket -> socket.textMessageHandler(t -> frames.add(new JsonObject(t)))));
        JsonObject ready = frames.poll(60, TimeUnit.SECONDS);
        assertThat(ready).as("the ready frame over wss").isNotNull();
        assertThat(ready.getString("type")).isEqualTo("ready");
        assertThat(ready.getString("deviceId")).isEqualTo(device.getString("deviceId"));
        assertThat(ws.isSsl()).isTrue();
        await(ws.close());
    }

    @Test
    void withPemFilesTheEdgeServesHttpsAndNoPlainHttp(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, config(), EdgeTls.pem(certPem, keyPem));
        HttpClientAgent tls = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setTrustOptions(trustingTheEdge()));
        HttpClientAgent plain = vertx.createHttpClient(new HttpClientOptions().setIdleTimeout(5));

        assertThat(https(tls, edge.port, HttpMethod.GET, "/health", null, 200).getString("status")).isEqualTo("UP");
        assertThatThrownBy(() -> await(plain.request(HttpMethod.GET, edge.port, "localhost", "/health")
                .compose(req -> req.send()).compose(HttpClientResponse::body)))
                .as("plain http on the TLS port").isNotNull();
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused(Vertx vertx) throws Exception {
        edge = new EdgeHarness(vertx, config(), EdgeTls.keystore(keystore, PASSWORD, "PKCS12"));
        HttpClientAgent untrusting = vertx.createHttpClient(new HttpClientOptions().setSsl(true));

        assertThatThrownBy(() -> await(untrusting.request(HttpMethod.GET, edge.port, "localhost", "/health")
                .compose(req -> req.send())))
                .hasStackTraceContaining("SSLHandshakeException");
    }

    @Test
    void settingsChooseTheModeAndNameWhatIsMissing() throws Exception {
        assertThat(EdgeTls.from(Settings.of(Map.of())).enabled()).isFalse();
        assertThat(EdgeTls.from(Settings.of(Map.of())).webSocketScheme()).isEqualTo("ws");
        EdgeTls fromKeystore = EdgeTls.from(Settings.of(Map.of("edge.tls", "keystore",
                "edge.tls.keystore-file", keystore.toString(), "edge.tls.keystore-password", PASSWORD)));
        assertThat(fromKeystore.enabled()).isTrue();
        assertThat(fromKeystore.webSocketScheme()).isEqualTo("wss");
        assertThat(EdgeTls.from(Settings.of(Map.of("edge.tls", "pem", "edge.tls.cert-file", certPem.toString(),
                "edge.tls.key-file", keyPem.toString()))).httpScheme()).isEqualTo("https");

        assertThatThrownBy(() -> EdgeTls.from(Settings.of(Map.of("edge.tls", "pem",
                "edge.tls.cert-file", certPem.toString())))).hasMessage("edge.tls=pem needs edge.tls.key-file");
        assertThatThrownBy(() -> EdgeTls.from(Settings.of(Map.of("edge.tls", "keystore",
                "edge.tls.keystore-file", dir.resolve("nope.p12").toString()))))
                .hasMessageStartingWith("edge.tls.keystore-file: ").hasMessageEndingWith("does not exist or is not readable");
        assertThatThrownBy(() -> EdgeTls.from(Settings.of(Map.of("edge.tls", "yes"))))
                .hasMessage("edge.tls must be off, pem, keystore or self-signed, got 'yes'");
        assertThatThrownBy(() -> EdgeTls.from(Settings.of(Map.of("edge.tls", "self-signed",
                "data.dir", dir.resolve("empty").toString())))).hasMessageContaining("./parley up creates them");
    }

    @Test
    void selfSignedReadsTheKeystoreParleyGenerated() throws Exception {
        Path dataDir = dir.resolve("data-dir");
        Path tls = dataDir.resolve("data").resolve("tls");
        Files.createDirectories(tls);
        Files.copy(keystore, tls.resolve("edge.p12"));
        Files.writeString(tls.resolve("edge.p12.password"), PASSWORD + "\n");

        Settings s = Settings.of(Map.of("edge.tls", "self-signed", "data.dir", dataDir.toString()));

        assertThat(EdgeTls.selfSignedKeystore(s)).isEqualTo(tls.resolve("edge.p12"));
        assertThat(EdgeTls.from(s).enabled()).isTrue();
        assertThat(EdgeTls.from(s)).hasToString("edge.tls=self-signed");
    }
}
