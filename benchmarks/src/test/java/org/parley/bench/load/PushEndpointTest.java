package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.projections.PushEndpointPolicy;
import org.parley.push.PushMessage;
import org.parley.push.PushOutcome;
import org.parley.push.testing.WebPushSubscriber;
import org.parley.push.webpush.VapidKeys;
import org.parley.push.webpush.VapidToken;
import org.parley.push.webpush.WebPushSender;

/**
 * The push scenario's endpoint with the dispatcher's real Web Push sender (VAPID, RFC 8291 encryption) in front:
 * a probe push marks its device ready; after that, a push is matched to its message and device.
 */
class PushEndpointTest {
    private final VapidKeys dispatcherKeys = VapidKeys.generate();
    private final PushScenario scenario = new PushScenario(1, dispatcherKeys.publicKeyBase64Url());
    // The endpoint listens on 127.0.0.1: a sender in the local test mode, as the stack's dispatcher runs for the tool.
    private final WebPushSender sender = new WebPushSender(
            new VapidToken(dispatcherKeys, "mailto:ops@parley.invalid", Clock.systemUTC()), Duration.ofSeconds(10),
            new PushEndpointPolicy(List.of("*"), true), 4);
    private final List<BenchDevice> devices = TestDevices.of(4, 1);
    private final Accounting accounting = new Accounting(10);
    private final LoadRun run = new LoadRun("Le1", null, null, devices, 4, accounting, 0, 60, 10, 0);

    PushEndpointTest() {
        scenario.startEndpoint(run);
    }

    @AfterEach
    void stop() {
        sender.close();
        scenario.stopEndpoint();
    }

    private PushOutcome push(WebPushSubscriber to, String deviceId, String conversation, long seq) {
        String pushId = deviceId + "/" + conversation + "/" + seq;
        byte[] payload = new JsonObject().put("type", "message").put("pushId", pushId).put("conversationId", conversation)
                .put("unread", 1).put("sound", "default").encode().getBytes(StandardCharsets.UTF_8);
        return sender.send(to.subscription(deviceId), new PushMessage(pushId, conversation, Duration.ofMinutes(5),
                "high", payload)).join();
    }

    @Test
    void aProbeMarksTheDeviceThenLoadPushesAreAccounted() {
        WebPushSubscriber d3 = scenario.subscribe(devices.get(3));
        assertThat(push(d3, "d3", "dm:u0:u3", 1).status()).isEqualTo(PushOutcome.Status.ACCEPTED);
        assertThat(scenario.probed(3)).isTrue();

        scenario.loadBegins();
        run.sendDirect("push", 5, devices.get(0), 3, 0, true);
        run.onFrame(devices.get(0), new JsonObject().put("type", "sent").put("clientMessageId", "Le1.5")
                .put("conversationId", "dm:u0:u3").put("seq", 2).put("duplicate", false));
        push(d3, "d3", "dm:u0:u3", 2);
        push(d3, "d0", "dm:u0:u3", 2); // a push id naming another device than the subscription's

        assertThat(accounting.tally().lost()).isZero();
        assertThat(accounting.tally().duplicates()).isZero();
        assertThat(run.stats("push.received").count()).isEqualTo(1);
        assertThat(run.counters()).containsEntry("push-for-another-device", 1L);
    }
}
