package org.parley.bench.load;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.parley.config.Settings;
import org.parley.push.testing.LocalWebPushEndpoint;
import org.parley.push.testing.ReceivedPush;
import org.parley.push.testing.WebPushSubscriber;
import org.parley.push.webpush.VapidKeys;

/**
 * Offline push (docs/push.md): the devices of {@code users} reserved users register a Web Push subscription pointing
 * at a {@link LocalWebPushEndpoint} inside the tool (it checks the RFC 8030 headers and the VAPID JWT and decrypts
 * the RFC 8291 payload, as a browser's push service and user agent would), then go offline and stay offline. Operation
 * n sends a one-to-one message from the n-th live shared device to the next push user; each device of that user must
 * get exactly one push for it, matched by the payload's conversation and seq. Figure {@code push.received}: scheduled
 * send → the push arrived, verified and decrypted. The sender's other devices (with --devices-per-user &gt; 1) show
 * the message as usual ({@code push.delivered}).
 *
 * <p>The push service is where collapsing by {@code Topic} would happen (ADR 0007); this endpoint keeps every
 * request, so a second request for one (device, message) is a duplicate here even though a phone would show one
 * notification.
 *
 * <p>Before the load, each push device gets probe messages until one push reaches it: only then has the fan-out
 * seen its session end (a message decided while it still looked online is delivered to its inbox, not pushed).
 */
public final class PushScenario implements Scenario {
    private static final long SET_UP_MILLIS = 60_000;
    private static final long PROBE_EVERY_MILLIS = 2_000;

    private final int users;
    private final String vapidKey;
    private final Map<String, Integer> deviceBySubscriber = new ConcurrentHashMap<>();
    private final Set<Integer> probed = ConcurrentHashMap.newKeySet();
    private final Set<String> probeMessages = ConcurrentHashMap.newKeySet();
    private int fromUser = -1;
    private int[] targets;
    private LocalWebPushEndpoint endpoint;
    private volatile boolean ready;
    private volatile LoadRun current;
    private int cursor;

    /** @param vapidKey the dispatcher's VAPID public key (the subscription's applicationServerKey), or null */
    public PushScenario(int users, String vapidKey) {
        if (users < 1) {
            throw new IllegalArgumentException("push: --push-users >= 1");
        }
        this.users = users;
        this.vapidKey = vapidKey;
    }

    @Override
    public String name() {
        return "push";
    }

    @Override
    public int reservedUsers() {
        return users;
    }

    @Override
    public void reserve(int fromUser, int toUser) {
        this.fromUser = fromUser;
    }

    /**
     * The dispatcher's VAPID public key as ./parley configures it, read without creating the key file (the
     * dispatcher does that on its first start); null if unknown, then the endpoint accepts any valid signature.
     */
    public static String serverVapidKey(Settings settings) {
        String configured = settings.find("push.vapid-public-key").orElse("");
        if (!configured.isBlank()) {
            return configured;
        }
        Path file = Path.of(settings.find("data.dir").orElse(".parley")).resolve("data").resolve("push")
                .resolve("vapid.properties");
        return Files.exists(file) ? VapidKeys.loadOrCreate(file).publicKeyBase64Url() : null;
    }

    @Override
    public void prepare(LoadRun run) {
        if (fromUser < 0) {
            throw new IllegalStateException("push: no users reserved");
        }
        current = run;
        if (!ready) {
            setUp(run);
            loadBegins();
        }
    }

    /** Starts the endpoint; pushes go to {@code run}. */
    void startEndpoint(LoadRun run) {
        current = run;
        endpoint = LocalWebPushEndpoint.start();
        endpoint.onReceived(this::arrived);
    }

    /** A new subscription at the endpoint for device {@code d}, what its browser would hold. */
    WebPushSubscriber subscribe(BenchDevice d) {
        WebPushSubscriber s = endpoint.subscribe(vapidKey);
        deviceBySubscriber.put(s.id(), d.index);
        return s;
    }

    /** Whether a push (a probe's, before the load) has reached device {@code device}. */
    boolean probed(int device) {
        return probed.contains(device);
    }

    /** From now on a push is a load message's, not a probe's. */
    void loadBegins() {
        ready = true;
    }

    private void setUp(LoadRun run) {
        startEndpoint(run);
        List<BenchDevice> pushDevices = new ArrayList<>();
        List<Future<Integer>> puts = new ArrayList<>();
        for (int u = fromUser; u < fromUser + users; u++) {
            for (int d : run.devicesOf(u)) {
                BenchDevice dev = run.devices().get(d);
                WebPushSubscriber s = subscribe(dev);
                pushDevices.add(dev);
                puts.add(run.pushSubscription(dev, HttpMethod.PUT, new JsonObject().put("endpoint", s.endpoint())
                        .put("keys", new JsonObject().put("p256dh", s.p256dh()).put("auth", s.auth()))));
            }
        }
        for (int i = 0; i < puts.size(); i++) {
            int status = await(puts.get(i));
            if (status != 204) {
                throw new IllegalStateException("push: PUT /v1/push-subscription answered " + status
                        + " (the tool's endpoint is http://127.0.0.1: start the stack in the local push test mode, "
                        + "PARLEY_PUSH_ALLOW_LOOPBACK_HTTP=true ./parley up)");
            }
        }
        for (BenchDevice d : pushDevices) {
            d.heldOffline = true;
            d.closingOnPurpose = true;
            d.live = false;
            if (d.ws != null) {
                d.ws.close((short) 1000, "push: going offline");
            }
        }
        probe(run, pushDevices);
        List<Integer> usable = new ArrayList<>();
        for (int u = fromUser; u < fromUser + users; u++) {
            boolean all = true;
            for (int d : run.devicesOf(u)) {
                all &= probed.contains(d);
            }
            if (all) {
                usable.add(u);
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalStateException("push: no probe push arrived within " + SET_UP_MILLIS
                    + " ms (push dispatcher running? endpoint " + endpoint.origin() + ", rejections "
                    + endpoint.rejections().stream().limit(3).toList() + ")");
        }
        targets = usable.stream().mapToInt(Integer::intValue).toArray();
        LoadBench.log("push: %d of %d users offline with a verified push path (endpoint %s, VAPID key %s)",
                targets.length, users, endpoint.origin(), vapidKey == null ? "not checked" : "checked");
    }

    /** A probe message to each push user with a device not pushed to yet, every few seconds, until none is left. */
    private void probe(LoadRun run, List<BenchDevice> pushDevices) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SET_UP_MILLIS);
        long nextRound = 0;
        int round = 0;
        while (System.nanoTime() < deadline && !pushDevices.stream().allMatch(d -> probed.contains(d.index))) {
            if (System.nanoTime() >= nextRound) {
                nextRound = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MILLIS);
                round++;
                for (int u = fromUser; u < fromUser + users; u++) {
                    BenchDevice sender = run.liveDevice(u + round);
                    if (sender != null && java.util.Arrays.stream(run.devicesOf(u)).anyMatch(d -> !probed.contains(d))) {
                        String cmid = run.runId() + "-pushprobe-" + u + "-" + round;
                        String to = run.devices().get(run.devicesOf(u)[0]).userId();
                        run.request(sender, cmid, "{\"type\":\"send\",\"clientMessageId\":\"" + cmid + "\",\"to\":\""
                                + to + "\",\"payload\":\"cHJvYmU=\"}").thenAccept(reply -> {
                                    if ("sent".equals(reply.getString("type"))) {
                                        probeMessages.add(reply.getString("conversationId") + "/" + reply.getLong("seq"));
                                    }
                                });
                    }
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** On the endpoint's thread: a verified, decrypted push. */
    private void arrived(ReceivedPush push) {
        long now = System.nanoTime();
        Integer device = deviceBySubscriber.get(push.subscriberId());
        if (device == null) {
            return;
        }
        if (!ready) {
            probed.add(device);
            return;
        }
        LoadRun run = current;
        Payload p = Payload.parse(push.text());
        if (p == null) {
            run.count("push-unreadable");
        } else if (!p.deviceId().equals(run.devices().get(device).credentials.deviceId())) {
            run.count("push-for-another-device"); // the push id names a device other than the subscription's
        } else if (probeMessages.contains(p.conversationId() + "/" + p.seq())) {
            run.count("push-probes-late");
        } else {
            run.push().onPush(device, p.conversationId(), p.seq(), now);
        }
    }

    /**
     * What the harness reads of a push payload ({@code {"type":"message","pushId":"<deviceId>/<conversationId>/<seq>",
     * "conversationId":...,"unread":N,"sound":...}}); null if it is not one.
     */
    record Payload(String deviceId, String conversationId, long seq) {
        static Payload parse(String json) {
            try {
                JsonObject o = new JsonObject(json);
                String pushId = o.getString("pushId");
                String conversation = o.getString("conversationId");
                String tail = "/" + conversation + "/";
                int at = pushId == null || conversation == null ? -1 : pushId.lastIndexOf(tail);
                if (!"message".equals(o.getString("type")) || at <= 0) {
                    return null;
                }
                return new Payload(pushId.substring(0, at), conversation, Long.parseLong(pushId.substring(at + tail.length())));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        BenchDevice sender = run.sender(name(), n);
        if (sender == null) {
            return;
        }
        int target = targets[cursor];
        cursor = (cursor + 1) % targets.length;
        run.sendDirect(name(), (int) n, sender, target, dueNanos, measured);
    }

    /** Removes the subscriptions (later runs may use these devices otherwise) and stops the endpoint. */
    @Override
    public void finish(LoadRun run) {
        if (endpoint == null) {
            return;
        }
        List<Future<Integer>> deletes = new ArrayList<>();
        for (int d : deviceBySubscriber.values()) {
            deletes.add(run.pushSubscription(run.devices().get(d), HttpMethod.DELETE, null));
        }
        try {
            Future.join(deletes).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LoadBench.log("push: not every subscription was removed (%s)", e);
        }
        stopEndpoint();
    }

    void stopEndpoint() {
        endpoint.close();
    }

    private static int await(Future<Integer> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(SET_UP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("push: subscription not stored: " + e, e);
        }
    }
}
