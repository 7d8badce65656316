package org.parley.push.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.push.PushMessage;
import org.parley.push.PushOutcome;
import org.parley.push.testing.LocalWebPushEndpoint;
import org.parley.push.testing.ReceivedPush;
import org.parley.push.testing.WebPushSubscriber;

/** The sender against the local endpoint: VAPID verified, payload decrypted, RFC 8030 headers as sent. */
class WebPushSenderTest {
    private final LocalWebPushEndpoint endpoint = LocalWebPushEndpoint.start();
    private final VapidKeys keys = VapidKeys.generate();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void tearDown() {
        endpoint.close();
    }

    private WebPushSender sender(VapidKeys with) {
        return new WebPushSender(http, new VapidToken(with, "mailto:ops@parley.invalid", Clock.systemUTC()),
                Duration.ofSeconds(10));
    }

    private static PushMessage message(String text) {
        return new PushMessage("dev-1/dm:a:b/7", "dm:a:b", Duration.ofSeconds(3600), "high",
                text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPushArrivesVerifiedAndDecryptedWithItsHeaders() {
        WebPushSubscriber ua = endpoint.subscribe(keys.publicKeyBase64Url());
        List<ReceivedPush> heard = new CopyOnWriteArrayList<>();
        endpoint.onReceived(heard::add);

        PushOutcome outcome = sender(keys).send(ua.subscription("dev-1"), message("{\"conversationId\":\"dm:a:b\"}"))
                .join();

        assertThat(outcome.status()).as(outcome.toString()).isEqualTo(PushOutcome.Status.ACCEPTED);
        assertThat(outcome.httpStatus()).isEqualTo(201);
        assertThat(endpoint.rejections()).isEmpty();
        ReceivedPush push = endpoint.received(ua).get(0);
        assertThat(push.text()).isEqualTo("{\"conversationId\":\"dm:a:b\"}");
        assertThat(push.ttlSeconds()).isEqualTo(3600);
        assertThat(push.urgency()).isEqualTo("high");
        assertThat(push.topic()).isEqualTo(WebPushSender.topic("dm:a:b")).hasSize(32);
        assertThat(push.vapidKey()).isEqualTo(keys.publicKeyBase64Url());
        assertThat(push.vapidSubject()).isEqualTo("mailto:ops@parley.invalid");
        assertThat(heard).containsExactly(push); // the listener hears each accepted push
    }

    @Test
    void theTopicIsTheSamePerConversationAndDiffersAcrossConversations() {
        assertThat(WebPushSender.topic("dm:a:b")).isEqualTo(WebPushSender.topic("dm:a:b"))
                .isNotEqualTo(WebPushSender.topic("dm:a:c")).matches("[A-Za-z0-9_-]{32}");
    }

    @Test
    void aPushSignedWithAnotherVapidKeyIsRefused() {
        WebPushSubscriber ua = endpoint.subscribe(keys.publicKeyBase64Url());
        List<ReceivedPush> heard = new CopyOnWriteArrayList<>();
        endpoint.onReceived(heard::add);

        PushOutcome outcome = sender(VapidKeys.generate()).send(ua.subscription("dev-1"), message("{}")).join();

        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(outcome.httpStatus()).isEqualTo(403);
        assertThat(endpoint.received()).isEmpty();
        assertThat(heard).isEmpty();
    }

    @Test
    void aVapidTokenThatHasExpiredIsRefused() {
        WebPushSubscriber ua = endpoint.subscribe(null);
        Clock dayBefore = Clock.offset(Clock.systemUTC(), Duration.ofHours(-13));
        WebPushSender stale = new WebPushSender(http, new VapidToken(keys, "mailto:ops@parley.invalid", dayBefore),
                Duration.ofSeconds(10));

        assertThat(stale.send(ua.subscription("dev-1"), message("{}")).join().httpStatus()).isEqualTo(401);
        assertThat(endpoint.rejections()).singleElement().satisfies(r -> assertThat(r.reason()).contains("exp"));
    }

    @Test
    void anUnsubscribedEndpointIsGoneAndAnUnreachableOneIsRetried() {
        WebPushSubscriber ua = endpoint.subscribe(null);
        endpoint.unsubscribe(ua);

        assertThat(sender(keys).send(ua.subscription("dev-1"), message("{}")).join().status())
                .isEqualTo(PushOutcome.Status.GONE);

        WebPushSubscriber nowhere = endpoint.subscribe(null);
        endpoint.close();
        assertThat(sender(keys).send(nowhere.subscription("dev-1"), message("{}")).join().status())
                .isEqualTo(PushOutcome.Status.RETRY);
    }

    @Test
    void aMalformedSubscriptionIsRejectedWithoutARequest() {
        WebPushSubscriber ua = endpoint.subscribe(null);
        var broken = new org.parley.push.PushSubscription("dev-1", "webpush", ua.endpoint(), "AAAA", ua.auth());

        assertThat(sender(keys).send(broken, message("{}")).join().status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(endpoint.received()).isEmpty();
        assertThat(endpoint.rejections()).isEmpty();
    }
}
