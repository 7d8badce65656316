package org.parley.edge.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;

@ExtendWith(VertxExtension.class)
class CodeSendersTest {
    private static final Identifier PHONE = Identifier.parse("+14155550100").orElseThrow();
    private static final Identifier MAIL = Identifier.parse("erin@parley.test").orElseThrow();

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void theFileSenderKeepsTheLatestCodeOfEachIdentifierWhereLocalToolsReadIt(Vertx vertx, @TempDir Path dir)
            throws Exception {
        FileCodeSender sender = new FileCodeSender(vertx, dir);
        await(sender.send(MAIL, "123456", Duration.ofMinutes(10)));
        await(sender.send(PHONE, "654321", Duration.ofMinutes(10)));
        await(sender.send(MAIL, "777777", Duration.ofMinutes(10)));
        assertThat(CodeOutbox.read(dir, MAIL.value())).hasValue("777777");
        assertThat(CodeOutbox.read(dir, PHONE.value())).hasValue("654321");
        assertThat(CodeOutbox.read(dir, "nobody@parley.test")).isEmpty();
        assertThat(CodeOutbox.dir(Settings.of(Map.of("data.dir", "/srv/parley"))))
                .isEqualTo(Path.of("/srv/parley/data/identity/codes"));
        assertThat(IdentitySetup.sender(vertx, Settings.of(Map.of("identity.file-sender.dir", dir.toString()))).describe())
                .contains(dir.toString());
    }

    @Test
    void theHttpSenderPostsTheCodeToTheGatewayWithItsCredentials(Vertx vertx) throws Exception {
        List<JsonObject> received = new CopyOnWriteArrayList<>();
        List<String> auth = new CopyOnWriteArrayList<>();
        AtomicInteger status = new AtomicInteger(202);
        HttpServer gateway = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            received.add(b.toJsonObject().put("path", req.path()).put("method", req.method().name()));
            auth.add(req.getHeader("Authorization"));
            req.response().setStatusCode(status.get()).end();
        })).listen(0, "127.0.0.1"));
        URI url = URI.create("http://127.0.0.1:" + gateway.actualPort() + "/v1/codes");
        HttpCodeSender sender = new HttpCodeSender(vertx, url, "Bearer gw-secret", 5_000);

        await(sender.send(PHONE, "123456", Duration.ofMinutes(10)));
        await(sender.send(MAIL, "654321", Duration.ofMinutes(10)));
        assertThat(received).hasSize(2);
        JsonObject sms = received.get(0);
        assertThat(sms.getString("method")).isEqualTo("POST");
        assertThat(sms.getString("path")).isEqualTo("/v1/codes");
        assertThat(sms.getString("channel")).isEqualTo("sms");
        assertThat(sms.getString("to")).isEqualTo("+14155550100");
        assertThat(sms.getString("code")).isEqualTo("123456");
        assertThat(sms.getLong("expiresInSeconds")).isEqualTo(600L);
        assertThat(sms.getString("text")).contains("123456").contains("10 minutes");
        assertThat(received.get(1).getString("channel")).isEqualTo("email");
        assertThat(auth).containsOnly("Bearer gw-secret");

        status.set(500);
        io.vertx.core.Future<Void> refused = sender.send(PHONE, "111111", Duration.ofMinutes(10));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(refused::isComplete);
        assertThat(refused.cause()).hasMessageContaining("HTTP 500");
        assertThat(sender.describe()).doesNotContain("gw-secret");
    }

    @Test
    void theHttpSenderFailsWhenTheGatewayCannotBeReached(Vertx vertx) throws Exception {
        HttpServer closed = await(vertx.createHttpServer().requestHandler(r -> r.response().end()).listen(0, "127.0.0.1"));
        int port = closed.actualPort();
        await(closed.close());
        HttpCodeSender sender = new HttpCodeSender(vertx, URI.create("http://127.0.0.1:" + port + "/"), "", 2_000);
        io.vertx.core.Future<Void> failed = sender.send(MAIL, "123456", Duration.ofMinutes(10));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(failed::isComplete);
        assertThat(failed.failed()).isTrue();
    }
}
