package org.parley.push.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.projections.PushEndpointPolicy;
import org.parley.push.PushMessage;
import org.parley.push.PushOutcome;
import org.parley.push.PushSubscription;
import org.parley.push.testing.LocalWebPushEndpoint;
import org.parley.push.testing.ReceivedPush;
import org.parley.push.testing.WebPushSubscriber;

/**
 * The sender against the local endpoint: VAPID verified, payload decrypted, RFC 8030 headers as sent; and where it
 * refuses to send (the endpoint policy at send time, the checked resolver, no redirects).
 */
class WebPushSenderTest {
    /** The local endpoint listens on 127.0.0.1: reachable in the local test mode only. */
    private static final PushEndpointPolicy TEST_MODE = new PushEndpointPolicy(List.of("*"), true);
    private static final PushEndpointPolicy DEFAULTS = PushEndpointPolicy.from(Settings.of(Map.of()));
    private static final PushEndpointPolicy ANY_PUBLIC_HOST = new PushEndpointPolicy(List.of("*"), false);

    private final LocalWebPushEndpoint endpoint = LocalWebPushEndpoint.start();
    private final VapidKeys keys = VapidKeys.generate();
    private final List<WebPushSender> senders = new ArrayList<>();
    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        endpoint.close();
        senders.forEach(WebPushSender::close);
        servers.forEach(s -> s.stop(0));
    }

    private WebPushSender sender(VapidKeys with) {
        return sender(with, TEST_MODE, PushAddressResolver.SYSTEM);
    }

    private WebPushSender sender(VapidKeys with, PushEndpointPolicy policy, PushAddressResolver.Lookup lookup) {
        return sender(new VapidToken(with, "mailto:ops@parley.invalid", Clock.systemUTC()), policy, lookup);
    }

    private WebPushSender sender(VapidToken vapid, PushEndpointPolicy policy, PushAddressResolver.Lookup lookup) {
        WebPushSender s = new WebPushSender(vapid, Duration.ofSeconds(10), policy, 8, lookup);
        senders.add(s);
        return s;
    }

    /** A lookup that answers {@code host} from a script, one answer per call (the last one repeats), and counts. */
    private static final class ScriptedDns implements PushAddressResolver.Lookup {
        private final String host;
        private final List<String> answers;
        final AtomicInteger calls = new AtomicInteger();

        ScriptedDns(String host, String... answers) {
            this.host = host;
            this.answers = List.of(answers);
        }

        @Override
        public InetAddress[] lookup(String name) throws UnknownHostException {
            if (!name.equals(host)) {
                throw new UnknownHostException(name);
            }
            int call = calls.getAndIncrement();
            return new InetAddress[] {InetAddress.getByName(answers.get(Math.min(call, answers.size() - 1)))};
        }
    }

    private static PushSubscription at(WebPushSubscriber ua, String endpoint) {
        return new PushSubscription("dev-1", PushSubscription.WEB_PUSH, endpoint, ua.p256dh(), ua.auth());
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
        WebPushSender stale = sender(new VapidToken(keys, "mailto:ops@parley.invalid", dayBefore), TEST_MODE,
                PushAddressResolver.SYSTEM);

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

    @Test
    void aLoopbackEndpointGetsNoRequestOutsideTheLocalTestMode() {
        WebPushSubscriber ua = endpoint.subscribe(null);

        PushOutcome outcome = sender(keys, DEFAULTS, PushAddressResolver.SYSTEM).send(ua.subscription("dev-1"),
                message("{}")).join();

        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(outcome.detail()).isEqualTo("refused endpoint: endpoint must be an https URL");
        assertThat(endpoint.received()).isEmpty();
        assertThat(endpoint.rejections()).isEmpty(); // no request arrived at all
    }

    @Test
    void aPrivateNetworkAddressIsRefusedWithoutAConnection() {
        WebPushSubscriber ua = endpoint.subscribe(null);

        PushOutcome outcome = sender(keys, ANY_PUBLIC_HOST, PushAddressResolver.SYSTEM)
                .send(at(ua, "https://10.20.30.40/push/x"), message("{}")).join();

        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(outcome.detail()).isEqualTo("refused endpoint: endpoint resolves to a private address 10.20.30.40");
    }

    @Test
    void aNameThatResolvesToAnInternalAddressIsRefusedAtSendTime() {
        WebPushSubscriber ua = endpoint.subscribe(null);
        ScriptedDns dns = new ScriptedDns("push.attacker.example", "169.254.169.254");

        PushOutcome outcome = sender(keys, ANY_PUBLIC_HOST, dns)
                .send(at(ua, "https://push.attacker.example/push/x"), message("{}")).join();

        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(outcome.detail()).isEqualTo("refused endpoint: push endpoint host push.attacker.example resolves "
                + "to a link-local address 169.254.169.254");
        assertThat(dns.calls).hasValue(1);
    }

    @Test
    void theConnectionGoesToTheAddressThatWasCheckedNotToASecondLookup() {
        // DNS rebinding: the first answer passes the check, every later one points elsewhere. (In the test mode
        // loopback passes; 10.255.255.1 would be refused, and connecting there would find nobody.)
        WebPushSubscriber ua = endpoint.subscribe(null);
        ScriptedDns dns = new ScriptedDns("localhost", "127.0.0.1", "10.255.255.1");
        String byName = ua.endpoint().replace("127.0.0.1", "localhost");

        PushOutcome outcome = sender(keys, TEST_MODE, dns).send(at(ua, byName), message("{}")).join();

        // The request reached 127.0.0.1 (the endpoint answered: the VAPID audience names localhost, not its origin).
        assertThat(outcome.httpStatus()).as(outcome.toString()).isEqualTo(401);
        assertThat(endpoint.rejections()).singleElement().satisfies(r -> assertThat(r.reason()).contains("aud"));
        assertThat(dns.calls).hasValue(1);
    }

    @Test
    void anAnswerThatTurnsInternalOnTheNextLookupIsRefusedThen() {
        WebPushSubscriber ua = endpoint.subscribe(null);
        ScriptedDns dns = new ScriptedDns("localhost", "10.255.255.1", "127.0.0.1");
        String byName = ua.endpoint().replace("127.0.0.1", "localhost");

        PushOutcome outcome = sender(keys, TEST_MODE, dns).send(at(ua, byName), message("{}")).join();

        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(outcome.detail()).contains("resolves to a private address 10.255.255.1");
        assertThat(endpoint.rejections()).isEmpty();
        assertThat(endpoint.received()).isEmpty();
        assertThat(dns.calls).hasValue(1);
    }

    @Test
    void aHostOutsideTheAllowListIsRefusedAtSendTime() {
        WebPushSubscriber ua = endpoint.subscribe(null);
        ScriptedDns dns = new ScriptedDns("push.example.com", "93.184.216.34");

        PushOutcome outcome = sender(keys, DEFAULTS, dns).send(at(ua, "https://push.example.com/x"), message("{}"))
                .join();

        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(outcome.detail()).startsWith("refused endpoint: endpoint host push.example.com is not an allowed "
                + "push service");
        assertThat(dns.calls).hasValue(0);
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        WebPushSubscriber ua = endpoint.subscribe(null);
        List<String> redirected = new CopyOnWriteArrayList<>();
        HttpServer redirector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        servers.add(redirector);
        redirector.createContext("/", ex -> {
            redirected.add(ex.getRequestURI().toString());
            ex.getResponseHeaders().add("Location", ua.endpoint());
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        redirector.start();

        PushOutcome outcome = sender(keys).send(at(ua, "http://127.0.0.1:" + redirector.getAddress().getPort()
                + "/push/elsewhere"), message("{}")).join();

        assertThat(outcome.httpStatus()).isEqualTo(307);
        assertThat(outcome.status()).isEqualTo(PushOutcome.Status.REJECTED);
        assertThat(redirected).containsExactly("/push/elsewhere");
        assertThat(endpoint.received()).isEmpty();
        assertThat(endpoint.rejections()).isEmpty();
    }
}
