package org.parley.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The state of one load run shared by the scenarios and the frame handlers: devices and users, the accounting, the
 * latency figures, sending, acknowledging and reconnecting as a real client does.
 */
public final class LoadRun implements PresenceMatcher.Figures {
    private final String runId;
    private final Vertx vertx;
    private final DevicePool pool;
    private final List<BenchDevice> devices;
    private final int[][] devicesOfUser;
    private final Accounting accounting;
    private final long runStartNanos;
    private final int timelineSeconds;
    private final String payloadBase64;
    private final long ackDelayMillis;
    private final Map<String, LatencyStats> stats = new ConcurrentHashMap<>();
    private final Map<String, Integer> messageBySeq = new ConcurrentHashMap<>();
    /** Messages whose "delivered" receipt came back (each recorded once). */
    private final java.util.Set<Integer> receipted = ConcurrentHashMap.newKeySet();
    /** Group messages sent and not yet delivered to all, by conversation and seq ("delivered_to_all" is cumulative). */
    private final Map<String, java.util.concurrent.ConcurrentSkipListMap<Long, Integer>> awaitingAll = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> closeCodes = new ConcurrentHashMap<>();
    private final AtomicLong reconnectFailures = new AtomicLong();
    /** Replies ("sent" or "error") awaited by clientMessageId, for set-up actions such as creating groups. */
    private final Map<String, java.util.concurrent.CompletableFuture<JsonObject>> control = new ConcurrentHashMap<>();
    private final List<Consumer<BenchDevice>> reconnectListeners = new CopyOnWriteArrayList<>();
    private volatile boolean running;
    /** Chaos mode: failed reconnects go on while the run lasts (see {@link #keepReconnecting(boolean)}). */
    private volatile boolean keepReconnecting;
    /** Presence frames matched to the transitions the presence scenario scheduled. */
    private final PresenceMatcher presence;
    /** Offline pushes matched to the messages they announce. */
    private final PushMatcher push;
    /** Users below this are shared by the scenarios; the rest are reserved (see {@link Scenario#reservedUsers}). */
    private volatile int sharedUsers;
    /** {@code --e2e}: one-to-one sends carry per-device envelopes, deliveries are decrypted; null otherwise. */
    private volatile E2eCrypto e2e;
    /** The media scenario's receiving side (downloads on display), or null when the mix has no media. */
    private volatile MediaScenario mediaReceiver;

    public LoadRun(String runId, Vertx vertx, DevicePool pool, List<BenchDevice> devices, int users,
                   Accounting accounting, long runStartNanos, int timelineSeconds, int payloadBytes, long ackDelayMillis) {
        this.runId = runId;
        this.vertx = vertx;
        this.pool = pool;
        this.devices = devices;
        this.accounting = accounting;
        this.runStartNanos = runStartNanos;
        this.timelineSeconds = timelineSeconds;
        this.ackDelayMillis = ackDelayMillis;
        byte[] payload = new byte[payloadBytes];
        new Random(42).nextBytes(payload);
        this.payloadBase64 = Base64.getEncoder().encodeToString(payload);
        List<List<Integer>> byUser = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            byUser.add(new ArrayList<>());
        }
        for (BenchDevice d : devices) {
            byUser.get(d.user).add(d.index);
        }
        devicesOfUser = byUser.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        sharedUsers = users;
        this.presence = new PresenceMatcher(accounting, this);
        this.push = new PushMatcher(accounting, this, messageBySeq::get);
    }

    /** Presence: subscriptions, expected transitions and what each device was told. */
    public PresenceMatcher presence() {
        return presence;
    }

    /** Offline push: arrivals matched to messages. */
    public PushMatcher push() {
        return push;
    }

    /** {@code PUT}/{@code DELETE /v1/push-subscription} for device {@code d}; the HTTP status. */
    public Future<Integer> pushSubscription(BenchDevice d, io.vertx.core.http.HttpMethod method, JsonObject body) {
        return pool.pushSubscription(d.credentials, method, body);
    }

    public String runId() {
        return runId;
    }

    public int users() {
        return devicesOfUser.length;
    }

    /** Users 0 .. sharedUsers - 1 take part in the shared scenarios (one-to-one, group, typing, storms). */
    public int sharedUsers() {
        return sharedUsers;
    }

    /** Reserves the users from {@code from} (even, so that {@link #partnerOf} pairs stay below it) for scenarios. */
    public void sharedUsers(int from) {
        if (from < 0 || from > users() || (from < users() && from % 2 != 0)) {
            throw new IllegalArgumentException("shared users must be even and at most " + users() + ": " + from);
        }
        sharedUsers = from;
    }

    /** The one-to-one partner of a shared user: 2k with 2k+1 (an odd last user pairs with its predecessor). */
    public int partnerOf(int user) {
        int partner = user ^ 1;
        return partner >= sharedUsers ? user - 1 : partner;
    }

    /** Whether device {@code d} belongs to a reserved user (left alone by the shared scenarios and storms). */
    public boolean reserved(BenchDevice d) {
        return d.user >= sharedUsers;
    }

    public List<BenchDevice> devices() {
        return devices;
    }

    public Accounting accounting() {
        return accounting;
    }

    public long runStartNanos() {
        return runStartNanos;
    }

    public void running(boolean on) {
        running = on;
    }

    /** The latency figure {@code name} (created on first use), e.g. "one-to-one.delivered". */
    @Override
    public LatencyStats stats(String name) {
        return stats.computeIfAbsent(name, k -> new LatencyStats(k, runStartNanos, timelineSeconds));
    }

    public Map<String, LatencyStats> allStats() {
        return stats;
    }

    @Override
    public void count(String counter) {
        counters.computeIfAbsent(counter, k -> new LongAdder()).increment();
    }

    public Map<String, Long> counters() {
        Map<String, Long> out = new java.util.TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        closeCodes.forEach((k, v) -> out.put("closed-" + k, v.sum()));
        long unmatched = push.unmatched();
        if (unmatched > 0) {
            out.put("push-unmatched", unmatched);
        }
        out.put("reconnect-failures", reconnectFailures.get());
        return out;
    }

    public void skipped(String scenario) {
        count(scenario + ".skipped-no-live-device");
    }

    /** The sender of operation n of {@code scenario}: {@link #liveDevice}, or null (counted as skipped). */
    public BenchDevice sender(String scenario, long n) {
        BenchDevice d = liveDevice(n);
        if (d == null) {
            skipped(scenario);
        }
        return d;
    }

    /** The n-th shared device in turn that is live (connected and synced), or null if none is. */
    public BenchDevice liveDevice(long n) {
        int size = devices.size();
        int start = (int) (n % size);
        for (int k = 0; k < size; k++) {
            BenchDevice d = devices.get((start + k) % size);
            if (d.live && !reserved(d)) {
                return d;
            }
        }
        return null;
    }

    String clientMessageId(int index) {
        return runId + "." + index;
    }

    /** Our message index in a clientMessageId of this run, or -1. */
    int indexOf(String clientMessageId) {
        if (clientMessageId == null || !clientMessageId.startsWith(runId) || clientMessageId.length() <= runId.length() + 1
                || clientMessageId.charAt(runId.length()) != '.') {
            return -1;
        }
        try {
            return Integer.parseInt(clientMessageId, runId.length() + 1, clientMessageId.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Recipients of a direct message: every device of the target user and the sender's other devices. */
    int[] directRecipients(BenchDevice sender, int toUser) {
        int[] target = devicesOfUser[toUser];
        int[] own = devicesOfUser[sender.user];
        int[] out = new int[target.length + own.length - 1];
        int i = 0;
        for (int d : target) {
            out[i++] = d;
        }
        for (int d : own) {
            if (d != sender.index) {
                out[i++] = d;
            }
        }
        return out;
    }

    /** Devices of user {@code user}. */
    public int[] devicesOf(int user) {
        return devicesOfUser[user];
    }

    /** {@code --e2e}: end-to-end encrypted one-to-one sends (see {@link E2eCrypto}). */
    public void e2e(E2eCrypto crypto) {
        this.e2e = crypto;
    }

    /** Sends message {@code index} from {@code sender} to user {@code toUser} (by user id: a one-to-one conversation). */
    public void sendDirect(String scenario, int index, BenchDevice sender, int toUser, long dueNanos, boolean measured) {
        String to = devices.get(devicesOfUser[toUser][0]).userId();
        int[] recipients = directRecipients(sender, toUser);
        E2eCrypto crypto = e2e;
        String content = crypto == null ? null : ",\"envelopes\":" + crypto.envelopes(sender, recipients);
        send(scenario, index, sender, "\"to\":\"" + to + "\"", recipients, dueNanos, measured, content);
    }

    /** The edge's HTTP base URL. */
    public String edgeBase() {
        return pool.edgeBase();
    }

    /** The run's Vert.x (for scenarios with clients of their own, e.g. the media scenario's HTTP client). */
    public Vertx vertx() {
        return vertx;
    }

    /** Media: a received message carrying a {@code mediaObjectId} is downloaded by {@code receiver} once displayed. */
    public void mediaReceiver(MediaScenario receiver) {
        this.mediaReceiver = receiver;
    }

    /** Sends message {@code index} with an attachment ({@code mediaObjectId} {@code key}) to user {@code toUser}. */
    public void sendDirectWithMedia(String scenario, int index, BenchDevice sender, int toUser, long dueNanos,
                                    boolean measured, String key, String mediaType) {
        String to = devices.get(devicesOfUser[toUser][0]).userId();
        send(scenario, index, sender, "\"to\":\"" + to + "\"", directRecipients(sender, toUser), dueNanos, measured,
                ",\"mediaType\":\"" + mediaType + "\",\"mediaObjectId\":\"" + key + "\",\"payload\":\""
                        + payloadBase64 + "\"");
    }

    /** Sends message {@code index} from {@code sender} into a conversation (a group) that {@code recipients} must get. */
    public void sendToConversation(String scenario, int index, BenchDevice sender, String conversationId, int[] recipients,
                                   long dueNanos, boolean measured) {
        send(scenario, index, sender, "\"conversationId\":\"" + conversationId + "\"", recipients, dueNanos, measured,
                null);
    }

    /** Outstanding signals per "conversation|sender device|recipient device", oldest first. */
    private final Map<String, java.util.concurrent.ConcurrentLinkedQueue<Integer>> signals = new ConcurrentHashMap<>();

    static String signalKey(String conversationId, String senderDeviceId, int recipient) {
        return conversationId + "|" + senderDeviceId + "|" + recipient;
    }

    /** Sends a frame without an id (a typing signal): recipients match it by conversation and sending device. */
    public void sendSignal(String scenario, int index, BenchDevice sender, String conversationId, int[] recipients,
                           long dueNanos, boolean measured, String frame) {
        accounting.register(index, scenario, sender.index, dueNanos, measured, recipients);
        accounting.sent(index, dueNanos); // signals get no "sent"
        for (int r : recipients) {
            signals.computeIfAbsent(signalKey(conversationId, sender.credentials.deviceId(), r),
                    k -> new java.util.concurrent.ConcurrentLinkedQueue<>()).add(index);
        }
        if (!sender.write(frame)) {
            count(scenario + ".send-while-disconnected");
        }
    }

    private void send(String scenario, int index, BenchDevice sender, String target, int[] recipients, long dueNanos,
                      boolean measured, String content) {
        accounting.register(index, scenario, sender.index, dueNanos, measured, recipients);
        String frame = "{\"type\":\"send\",\"clientMessageId\":\"" + clientMessageId(index) + "\"," + target
                + (content != null ? content : ",\"payload\":\"" + payloadBase64 + "\"") + "}";
        sender.unconfirmed.put(index, frame);
        if (!sender.write(frame)) {
            count(scenario + ".send-while-disconnected"); // stays unconfirmed: re-sent after the reconnect
        }
    }

    // ---- frames from the server (on the device's event loop) ----------------------------------------------------

    /**
     * Sends a set-up frame (not accounted as a message) and returns its reply: the "sent" or "error" frame whose
     * clientMessageId (or ref) is {@code clientMessageId}.
     */
    public java.util.concurrent.CompletableFuture<JsonObject> request(BenchDevice d, String clientMessageId, String frame) {
        java.util.concurrent.CompletableFuture<JsonObject> reply = new java.util.concurrent.CompletableFuture<>();
        control.put(clientMessageId, reply);
        if (!d.write(frame)) {
            reply.completeExceptionally(new IllegalStateException("device " + d.index + " is not connected"));
        }
        return reply;
    }

    public void onFrame(BenchDevice d, JsonObject f) {
        long now = System.nanoTime();
        String type = f.getString("type");
        if (type == null) {
            return;
        }
        if (!control.isEmpty() && ("sent".equals(type) || "error".equals(type))) {
            var reply = control.remove(f.getString("sent".equals(type) ? "clientMessageId" : "ref", ""));
            if (reply != null) {
                reply.complete(f);
                return;
            }
        }
        switch (type) {
            case "message" -> {
                long inboxSeq = f.getLong("inboxSeq");
                if (d.inbox.accept(inboxSeq) != InboxTracker.Kind.REDELIVERY) {
                    int index = indexOf(f.getString("clientMessageId"));
                    Accounting.Message m = accounting.message(index);
                    if (m == null) {
                        count("deliveries-not-accounted"); // earlier runs, group set-up events
                    } else {
                        Accounting.Display shown = accounting.displayed(index, d.index);
                        if (shown == Accounting.Display.FIRST) {
                            E2eCrypto crypto = e2e;
                            if (crypto != null && f.getBoolean("encrypted", false)) {
                                crypto.open(d, f); // shown once decrypted: the latency includes the decryption
                                now = System.nanoTime();
                            }
                            stats(m.scenario() + ".delivered").record(m.scheduledNanos(), now, m.measured());
                            MediaScenario media = mediaReceiver;
                            if (media != null) {
                                // With media in the mix: every message scenario's deliveries as one figure.
                                stats("messages.delivered").record(m.scheduledNanos(), now, m.measured());
                                if (f.getString("mediaObjectId") != null) {
                                    media.download(this, d, f, m.measured());
                                }
                            }
                        } else {
                            count("display-" + shown.name().toLowerCase());
                        }
                    }
                }
                ack(d, inboxSeq);
            }
            case "receipt" -> {
                // A one-to-one mark comes as it is sequenced, with no inbox seq and nothing to ack (ADR 0014).
                Long inboxSeq = f.getLong("inboxSeq");
                boolean first = inboxSeq == null || d.inbox.accept(inboxSeq) != InboxTracker.Kind.REDELIVERY;
                if (first && "delivered_to_all".equals(f.getString("status"))) {
                    // A group's receipt back: every member holds the sender's messages up to seq (ADR 0014).
                    var awaiting = awaitingAll.get(f.getString("conversationId"));
                    var covered = awaiting == null ? null : awaiting.headMap(f.getLong("seq"), true);
                    while (covered != null && !covered.isEmpty()) {
                        var e = covered.pollFirstEntry();
                        Accounting.Message m = e == null ? null : accounting.message(e.getValue());
                        if (m != null) {
                            stats(m.scenario() + ".receipt").record(m.scheduledNanos(), now, m.measured());
                        }
                    }
                } else if (first && "delivered".equals(f.getString("status"))) {
                    Integer index = messageBySeq.get(f.getString("conversationId") + "/" + f.getLong("seq"));
                    Accounting.Message m = index == null ? null : accounting.message(index);
                    if (m == null) {
                        count("receipts-unmatched");
                    } else if (receipted.add(index)) {
                        stats(m.scenario() + ".receipt").record(m.scheduledNanos(), now, m.measured());
                    } else {
                        count("receipts-repeated"); // a live mark again (an edge re-reading its window); harmless
                    }
                }
                if (inboxSeq != null) {
                    ack(d, inboxSeq);
                }
            }
            case "sent" -> {
                int index = indexOf(f.getString("clientMessageId"));
                Accounting.Message m = accounting.message(index);
                if (m != null) {
                    d.unconfirmed.remove(index);
                    if (accounting.sent(index, now)) {
                        stats(m.scenario() + ".sent").record(m.scheduledNanos(), now, m.measured());
                        String key = f.getString("conversationId") + "/" + f.getLong("seq");
                        messageBySeq.put(key, index);
                        if (f.getString("conversationId").startsWith("g:")) {
                            awaitingAll.computeIfAbsent(f.getString("conversationId"),
                                    c -> new java.util.concurrent.ConcurrentSkipListMap<>()).put(f.getLong("seq"), index);
                        }
                        push.sequenced(key, index);
                    }
                    if (Boolean.TRUE.equals(f.getBoolean("duplicate"))) {
                        count("sent-duplicate-true");
                    }
                }
            }
            case "typing" -> {
                if ("start".equals(f.getString("state"))) {
                    var queue = signals.get(signalKey(f.getString("conversationId"), f.getString("deviceId"), d.index));
                    Integer index = queue == null ? null : queue.poll();
                    Accounting.Message m = index == null ? null : accounting.message(index);
                    if (m == null) {
                        count("typing-unmatched");
                    } else if (accounting.displayed(index, d.index) == Accounting.Display.FIRST) {
                        stats(m.scenario() + ".delivered").record(m.scheduledNanos(), now, m.measured());
                    }
                }
            }
            case "presence" -> presence.onFrame(d, f, now);
            case "error" -> {
                String code = f.getString("code", "?");
                accounting.error(code);
                int index = indexOf(f.getString("ref"));
                if (index >= 0 && ("TIMEOUT".equals(code) || "UNAVAILABLE".equals(code))) {
                    // as a client does: retry the same clientMessageId (answered with the original seq if it exists)
                    vertx.setTimer(1000, t -> {
                        String frame = d.unconfirmed.get(index);
                        if (frame != null && d.write(frame)) {
                            count("send-retries");
                        }
                    });
                }
            }
            default -> {
            }
        }
    }

    private void ack(BenchDevice d, long inboxSeq) {
        if (ackDelayMillis <= 0) {
            d.write("{\"type\":\"ack\",\"inboxSeq\":" + inboxSeq + "}");
            return;
        }
        d.pendingAck = Math.max(d.pendingAck, inboxSeq);
        if (d.ackTimer < 0) {
            d.ackTimer = vertx.setTimer(ackDelayMillis, t -> {
                d.ackTimer = -1;
                d.write("{\"type\":\"ack\",\"inboxSeq\":" + d.pendingAck + "}");
            });
        }
    }

    // ---- closes and reconnects ----------------------------------------------------------------------------------

    public void onClose(BenchDevice d) {
        WebSocketCode code = WebSocketCode.of(d);
        if (!d.closingOnPurpose) {
            closeCodes.computeIfAbsent(code.label(), k -> new LongAdder()).increment();
        }
        if (running && !d.heldOffline) {
            reconnect(d, 5);
        }
    }

    /** Runs after every successful reconnect of a device (a client re-subscribes what it followed). */
    public void onReconnected(Consumer<BenchDevice> listener) {
        reconnectListeners.add(listener);
    }

    /**
     * With {@code on}, a device whose reconnect fails tries again for as long as the run lasts, as a real client does
     * while its edge, or what the edge needs, is down (the chaos mode): after 0.5 s, doubling up to 5 s, each wait
     * drawn between half and all of that; each try goes to the next edge of the pool when it has several. Otherwise
     * it gives up after its attempts (counted as a reconnect failure).
     */
    public void keepReconnecting(boolean on) {
        keepReconnecting = on;
    }

    /** The wait before reconnect try {@code failures + 1} in the chaos mode: see {@link #keepReconnecting}. */
    static long backoffMillis(int failures, double random) {
        long base = Math.min(500L << Math.min(failures, 4), 5000L);
        return base / 2 + (long) (random * (base - base / 2));
    }

    /** Reconnects after the last inbox seq shown, then re-sends what was never confirmed "sent". */
    Future<Void> reconnect(BenchDevice d, int attempts) {
        return reconnect(d, attempts, 0);
    }

    private Future<Void> reconnect(BenchDevice d, int attempts, int failures) {
        long closedAt = d.closedAtNanos;
        return pool.connect(d, d.inbox.highest(), this::onFrame, this::onClose).onSuccess(v -> {
            if (d.closingOnPurpose) {
                stats("reconnect").record(closedAt, System.nanoTime(), true);
                d.closingOnPurpose = false;
            }
            count("reconnects");
            d.unconfirmed.forEach((index, frame) -> {
                if (d.write(frame)) {
                    count("resent-after-reconnect");
                }
            });
            reconnectListeners.forEach(l -> l.accept(d));
        }).recover(err -> {
            if (!running || (attempts <= 1 && !keepReconnecting)) {
                reconnectFailures.incrementAndGet();
                return Future.failedFuture(err);
            }
            long wait = 500;
            if (keepReconnecting) {
                d.edgeShift++; // the next edge, if there are several
                count("reconnect-retries");
                wait = backoffMillis(failures, java.util.concurrent.ThreadLocalRandom.current().nextDouble());
            }
            Promise<Void> later = Promise.promise();
            vertx.setTimer(wait, t -> later.complete());
            return later.future().compose(v -> reconnect(d, attempts - 1, failures + 1));
        });
    }

    /** Closes every connection (end of the run): no reconnects. */
    public void closeAll() {
        running = false;
        for (BenchDevice d : devices) {
            d.closingOnPurpose = true;
            if (d.ws != null && !d.ws.isClosed()) {
                d.ws.close();
            }
        }
    }

    /** Inbox figures summed over the devices: gaps, entries missing in gaps, redeliveries (recognised, not shown). */
    public JsonObject inboxTotals() {
        long gaps = 0, missing = 0, redeliveries = 0, live = 0;
        for (BenchDevice d : devices) {
            gaps += d.inbox.gaps();
            missing += d.inbox.missingInGaps();
            redeliveries += d.inbox.redeliveries();
            if (d.live) {
                live++;
            }
        }
        return new JsonObject().put("gaps", gaps).put("seqsMissingInGaps", missing).put("redeliveriesRecognised", redeliveries)
                .put("liveDevicesAtEnd", live);
    }

    /** A close status for the counters. */
    record WebSocketCode(String label) {
        static WebSocketCode of(BenchDevice d) {
            Short s = d.ws == null ? null : d.ws.closeStatusCode();
            return new WebSocketCode(s == null ? "none" : s.toString());
        }
    }
}
