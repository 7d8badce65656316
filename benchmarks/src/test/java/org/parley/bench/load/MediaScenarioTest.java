package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The media scenario: its share of the mix, and one media message's whole flow (upload start, PUT of the bytes to the
 * presigned URL, complete, the send carrying the object, the receiver's download) against a stand-in HTTP server that
 * answers as the edge and S3 do.
 */
class MediaScenarioTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void theShareTakesItsPartOfTheMixAndTheOtherScenariosKeepTheirProportions() {
        assertThat(MediaScenario.withShare("one-to-one=1", 0.1)).isEqualTo("one-to-one=0.9,media=0.1");
        assertThat(ScenarioMix.parse(MediaScenario.withShare("one-to-one=3,group=1", 0.2)).names())
                .containsExactly("one-to-one", "group", "media");
        assertThat(MediaScenario.withShare("one-to-one=3,group=1", 0.2)).startsWith("one-to-one=0.6000000000000001,group=0.2")
                .endsWith("media=0.2");
        assertThatThrownBy(() -> MediaScenario.withShare("one-to-one=1", 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MediaScenario.withShare("one-to-one=1,media=1", 0.1))
                .hasMessageContaining("give one of them");
    }

    @Test
    void theFlagAloneIsTenPercentAValueIsThatShareAndWithoutItTheMixIsUnchanged() {
        LoadBench alone = new LoadBench();
        new CommandLine(alone).parseArgs("--media-share");
        alone.validate();
        assertThat(alone.mix).isEqualTo("one-to-one=0.9,media=0.1");
        assertThat(alone.mediaBytes).isEqualTo(500_000);

        LoadBench quarter = new LoadBench();
        new CommandLine(quarter).parseArgs("--media-share", "0.25", "--media-bytes", "1000");
        quarter.validate();
        assertThat(quarter.mix).isEqualTo("one-to-one=0.75,media=0.25");
        assertThat(quarter.mediaBytes).isEqualTo(1000);

        LoadBench none = new LoadBench();
        new CommandLine(none).parseArgs();
        none.validate();
        assertThat(none.mix).isEqualTo("one-to-one=1");

        LoadBench bad = new LoadBench();
        new CommandLine(bad).parseArgs("--media-share", "1.5");
        assertThatThrownBy(bad::validate).isInstanceOf(CommandLine.ParameterException.class);
    }

    @Test
    void aMediaMessageIsUploadedSentWithItsObjectAndDownloadedByTheReceiver() throws Exception {
        Map<String, Buffer> bucket = new ConcurrentHashMap<>();
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            String path = req.path();
            int port = req.localAddress().port();
            if (path.equals("/v1/uploads")) {
                seen.put("start", req.getHeader("Authorization") + " " + body.toJsonObject().getLong("bytes"));
                req.response().setStatusCode(201).end(new JsonObject().put("uploadId", "up1").put("key", "media/u0/up1")
                        .put("url", "http://127.0.0.1:" + port + "/s3/media/u0/up1?X-Amz-Signature=x").encode());
            } else if (path.startsWith("/s3/") && req.method().name().equals("PUT")) {
                bucket.put(path.substring(4), body);
                req.response().end();
            } else if (path.equals("/v1/uploads/up1/complete")) {
                req.response().end(new JsonObject().put("key", "media/u0/up1").put("bytes", bucket.get("media/u0/up1").length())
                        .encode());
            } else if (path.equals("/v1/downloads")) {
                seen.put("download", req.getHeader("Authorization") + " " + body.toJsonObject().encode());
                req.response().end(new JsonObject().put("url", "http://127.0.0.1:" + port + "/s3/media/u0/up1").encode());
            } else if (path.startsWith("/s3/")) {
                Buffer b = bucket.get(path.substring(4));
                req.response().setStatusCode(b == null ? 404 : 200).end(b == null ? Buffer.buffer() : b);
            } else {
                req.response().setStatusCode(404).end();
            }
        }));
        int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
        List<BenchDevice> devices = TestDevices.of(2, 1);
        devices.forEach(d -> d.live = true);
        Accounting accounting = new Accounting(10);
        try (DevicePool pool = new DevicePool(vertx, "http://127.0.0.1:" + port, List.of(), 1000)) {
            LoadRun run = new LoadRun("Lmedia", vertx, pool, devices, 2, accounting, System.nanoTime(), 60, 10, 0);
            MediaScenario media = new MediaScenario(3000);
            media.prepare(run);
            media.fire(run, 0, System.nanoTime(), true);

            // The object went up whole, then the send carries it (the device is not connected: kept unconfirmed).
            await().atMost(Duration.ofSeconds(20)).until(() -> devices.get(0).unconfirmed.containsKey(0));
            assertThat(seen.get("start")).isEqualTo("Bearer t0 3000");
            assertThat(bucket.get("media/u0/up1").length()).isEqualTo(3000);
            assertThat(devices.get(0).unconfirmed.get(0)).contains("\"to\":\"u1\"")
                    .contains("\"mediaObjectId\":\"media/u0/up1\"").contains("\"mediaType\":\"image/jpeg\"");
            assertThat(run.stats("media.upload").count()).isEqualTo(1);

            // The receiver displays it and downloads the object with its conversation and seq.
            run.onFrame(devices.get(1), new JsonObject().put("type", "message").put("inboxSeq", 1)
                    .put("clientMessageId", "Lmedia.0").put("conversationId", "dm:u0:u1").put("seq", 4)
                    .put("mediaObjectId", "media/u0/up1"));
            await().atMost(Duration.ofSeconds(20)).until(() -> run.stats("media.download").count() == 1);
            assertThat(seen.get("download")).isEqualTo("Bearer t1 "
                    + new JsonObject().put("key", "media/u0/up1").put("conversationId", "dm:u0:u1").put("seq", 4).encode());
            assertThat(run.stats("media.delivered").count()).isEqualTo(1);
            assertThat(run.stats("messages.delivered").count()).isEqualTo(1);
            assertThat(run.counters()).containsEntry("media.uploaded", 1L).containsEntry("media.downloaded", 1L);
            media.finish(run);
        }
    }
}
