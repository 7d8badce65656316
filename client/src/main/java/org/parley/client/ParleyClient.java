package org.parley.client;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A small client of the Parley protocol over a real WebSocket (docs/protocol.md), used by the load harness and the
 * end-to-end tests. Every frame received is kept in order; {@link #awaitFrame} waits for one that matches.
 */
public final class ParleyClient implements AutoCloseable {
    /** What device registration returns. */
    public record Device(String userId, String deviceId, String token) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final WebSocket ws;
    private final WebSocketClient client;
    private final Device device;
    private final List<JsonObject> frames = new ArrayList<>();
    private volatile Consumer<JsonObject> listener = f -> { };
    /** The SDK's own listeners beside the application's (key upkeep); never replaced by {@link #onFrame}. */
    private final List<Consumer<JsonObject>> watchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile Short closeCode;

    private ParleyClient(WebSocketClient client, WebSocket ws, Device device) {
        this.client = client;
        this.ws = ws;
        this.device = device;
        ws.textMessageHandler(text -> {
            JsonObject frame = new JsonObject(text);
            listener.accept(frame);
            watchers.forEach(w -> w.accept(frame));
            synchronized (frames) {
                frames.add(frame);
                frames.notifyAll();
            }
        });
        ws.closeHandler(v -> {
            closeCode = ws.closeStatusCode();
            closed = true;
            synchronized (frames) {
                frames.notifyAll();
            }
        });
    }

    /**
     * Where registration finds the one-time code the edge sent to an identifier: the SMS or mail box of a real app;
     * for local tools, the edge's file outbox ({@code CodeOutbox::latest} in parley-schemas). A function, so that the
     * SDK does not depend on the server's configuration classes.
     */
    @FunctionalInterface
    public interface CodeSource {
        String codeFor(String identifier) throws IOException;
    }

    /**
     * Registers the primary device of {@code userId} at the edge's HTTP base URL (e.g. http://127.0.0.1:28080) the way
     * an app does (docs/protocol.md): asks for a code for the user's identifier ({@link #localIdentifier}), reads it
     * from {@code codes}, and sends it back. A user id registered before is re-registered: its old devices are revoked.
     */
    public static Device register(String httpBase, String userId, CodeSource codes)
            throws IOException, InterruptedException {
        String identifier = localIdentifier(userId);
        requestCode(httpBase, identifier);
        return registerWithCode(httpBase, identifier, codes.codeFor(identifier), userId);
    }

    /**
     * The e-mail address local tools prove for a user id: {@code <user id>@users.parley.test} (lower-cased, with a
     * suffix that keeps user ids differing only in case apart). The .test domain never delivers mail.
     */
    public static String localIdentifier(String userId) {
        String lower = userId.toLowerCase(Locale.ROOT);
        String local = lower.equals(userId) ? lower
                : lower.substring(0, Math.min(lower.length(), 55)) + "." + Integer.toHexString(userId.hashCode());
        return local + "@users.parley.test";
    }

    /**
     * {@code POST /v1/registration/code}: the edge sends a one-time code to the identifier. Waits out a 429 (at most a
     * minute in all, as its Retry-After says: one code per identifier per resend interval).
     */
    public static void requestCode(String httpBase, String identifier) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (true) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/registration/code"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("identifier", identifier).encode()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() == 202) {
                return;
            }
            long wait = res.headers().firstValue("Retry-After").map(Long::parseLong).orElse(-1L);
            if (res.statusCode() != 429 || wait < 0 || System.nanoTime() + TimeUnit.SECONDS.toNanos(wait) > deadline) {
                throw new IOException("code request for " + identifier + " failed: HTTP " + res.statusCode() + " "
                        + res.body());
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(wait));
        }
    }

    /** {@code POST /v1/devices}: proves the code and registers the primary; {@code userId} may be null for a known identifier. */
    public static Device registerWithCode(String httpBase, String identifier, String code, String userId)
            throws IOException, InterruptedException {
        JsonObject body = new JsonObject().put("identifier", identifier).put("code", code);
        if (userId != null) {
            body.put("userId", userId);
        }
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/devices"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 201) {
            throw new IOException("registration of " + (userId == null ? identifier : userId) + " failed: HTTP "
                    + res.statusCode() + " " + res.body());
        }
        JsonObject answer = new JsonObject(res.body());
        return new Device(answer.getString("userId"), answer.getString("deviceId"), answer.getString("token"));
    }

    /** Links a companion device of {@code primary}'s user, authorised by the primary's token. */
    public static Device link(String httpBase, Device primary) throws IOException, InterruptedException {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/devices/link"))
                .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + primary.token())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 201) {
            throw new IOException("link for " + primary.userId() + " failed: HTTP " + res.statusCode() + " " + res.body());
        }
        JsonObject body = new JsonObject(res.body());
        return new Device(body.getString("userId"), body.getString("deviceId"), body.getString("token"));
    }

    /** Unlinks {@code deviceId} with {@code by}'s token; returns the HTTP status (204 when done). */
    public static int unlink(String httpBase, Device by, String deviceId) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/devices/" + deviceId))
                .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + by.token()).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Changes settings of {@code device}'s user (PUT /v1/settings); returns the settings after the change. */
    public static JsonObject settings(String httpBase, Device device, JsonObject changes) throws IOException, InterruptedException {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/settings"))
                .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(changes.encode())).build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("settings of " + device.userId() + " failed: HTTP " + res.statusCode() + " " + res.body());
        }
        return new JsonObject(res.body());
    }

    /** Connects and waits for the session to be live (the "synced" frame). */
    public static ParleyClient connect(Vertx vertx, String httpBase, Device device, Long lastInboxSeq,
                                       Duration timeout) throws Exception {
        URI base = URI.create(httpBase);
        String uri = "/v1/ws?token=" + device.token() + (lastInboxSeq == null ? "" : "&lastInboxSeq=" + lastInboxSeq);
        // Keep the WebSocketClient referenced: Vert.x closes a collected client together with its connections.
        WebSocketClient wsClient = vertx.createWebSocketClient();
        // Connect from a Vert.x context, so that the frame handler is set in the same event-loop turn as the
        // connection completes. Chained from a plain thread, the server's first frames ("ready", early deliveries)
        // could arrive before the handler existed and be lost.
        io.vertx.core.Promise<ParleyClient> connected = io.vertx.core.Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> wsClient
                .connect(new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort()).setURI(uri))
                .map(ws -> new ParleyClient(wsClient, ws, device))
                .onComplete(connected));
        ParleyClient client = connected.future()
                .toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        client.awaitFrame(f -> "synced".equals(f.getString("type")), timeout);
        return client;
    }

    public Device device() {
        return device;
    }

    public void onFrame(Consumer<JsonObject> listener) {
        this.listener = listener;
    }

    /**
     * Adds a listener that sees every frame beside the one {@link #onFrame} sets (which an application replaces at
     * will): the SDK's own, e.g. {@link KeyUpkeep} for {@code keysLow}. Called on the connection's event loop: do not
     * block in it.
     */
    public void watchFrames(Consumer<JsonObject> watcher) {
        watchers.add(watcher);
    }

    public void sendText(String text) {
        ws.writeTextMessage(text);
    }

    public void send(String clientMessageId, String toUser, byte[] payload) {
        ws.writeTextMessage(new JsonObject().put("type", "send").put("clientMessageId", clientMessageId)
                .put("to", toUser).put("payload", Base64.getEncoder().encodeToString(payload)).encode());
    }

    public void ack(long inboxSeq) {
        ws.writeTextMessage(new JsonObject().put("type", "ack").put("inboxSeq", inboxSeq).encode());
    }

    public void history(String requestId, String conversationId, Long beforeSeq, int limit) {
        JsonObject f = new JsonObject().put("type", "history").put("requestId", requestId)
                .put("conversationId", conversationId).put("limit", limit);
        if (beforeSeq != null) {
            f.put("beforeSeq", beforeSeq);
        }
        ws.writeTextMessage(f.encode());
    }

    /**
     * Sends a frame that carries a clientMessageId (any action) and waits for its answer: {@code sent} or the
     * {@code error} that refers to it.
     */
    public JsonObject act(JsonObject frame, Duration timeout) throws InterruptedException, TimeoutException {
        String id = frame.getString("clientMessageId");
        ws.writeTextMessage(frame.encode());
        return awaitFrame(f -> ("sent".equals(f.getString("type")) && id.equals(f.getString("clientMessageId")))
                || ("error".equals(f.getString("type")) && id.equals(f.getString("ref"))), timeout);
    }

    /**
     * {@link #act} as a client should: a TIMEOUT or UNAVAILABLE answer (the sequencer was slow, or Kafka briefly
     * unreachable) is retried with the same clientMessageId, which the protocol guarantees is safe.
     */
    public JsonObject actRetrying(JsonObject frame, Duration timeout, int attempts) throws InterruptedException, TimeoutException {
        int[] tries = {0};
        return retrying(frame, timeout, () -> ++tries[0] >= attempts);
    }

    /**
     * {@link #actRetrying} bounded by time instead of a count: retried while {@code budget} lasts, as a client that
     * must not give up on a message does while a broker or the sequencer recovers (each TIMEOUT takes the edge's
     * edge.result-timeout-ms, so a count says little about how long the client waited).
     */
    public JsonObject actRetryingWithin(JsonObject frame, Duration timeout, Duration budget)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + budget.toNanos();
        return retrying(frame, timeout, () -> System.nanoTime() - deadline >= 0);
    }

    private JsonObject retrying(JsonObject frame, Duration timeout, java.util.function.BooleanSupplier giveUp)
            throws InterruptedException, TimeoutException {
        while (true) {
            JsonObject r = act(frame, timeout);
            if (!retryable(r) || giveUp.getAsBoolean()) {
                return r;
            }
            forget(r);
        }
    }

    private static boolean retryable(JsonObject answer) {
        return "error".equals(answer.getString("type"))
                && ("TIMEOUT".equals(answer.getString("code")) || "UNAVAILABLE".equals(answer.getString("code")));
    }

    /** Drops a frame already handled, so a later wait for the same id does not find it again. */
    public void forget(JsonObject frame) {
        synchronized (frames) {
            frames.remove(frame);
        }
    }

    /** Sends a request (a frame with a requestId) and waits for its answer or its error. */
    public JsonObject request(JsonObject frame, Duration timeout) throws InterruptedException, TimeoutException {
        String id = frame.getString("requestId");
        ws.writeTextMessage(frame.encode());
        return awaitFrame(f -> id.equals(f.getString("requestId")) || ("error".equals(f.getString("type"))
                && id.equals(f.getString("ref"))), timeout);
    }

    /**
     * Each member's delivered/read status of one of this user's own messages ({@code messageInfo}, docs/adr/0014): in a
     * group the only place per-member status is given; in a one-to-one chat where a device that was offline when the
     * other member's receipts were relayed finds them. Returns the {@code messageInfo} answer or its {@code error}.
     */
    public JsonObject messageInfo(String conversationId, long seq, Duration timeout) throws InterruptedException, TimeoutException {
        JsonObject answer = request(new JsonObject().put("type", "messageInfo")
                .put("requestId", "info-" + java.util.UUID.randomUUID()).put("conversationId", conversationId)
                .put("seq", seq), timeout);
        forget(answer);
        return answer;
    }

    /** Typing "start" or "stop" in a conversation. */
    public void typing(String conversationId, String state) {
        ws.writeTextMessage(new JsonObject().put("type", "typing").put("conversationId", conversationId)
                .put("state", state).encode());
    }

    /** Follows ("subscribe") or stops following ("unsubscribe") a user's presence. */
    public void presence(String op, String userId) {
        ws.writeTextMessage(new JsonObject().put("type", "presence").put("op", op).put("userId", userId).encode());
    }

    /** The close code the server sent, once closed. */
    public Short closeCode() {
        return closeCode;
    }

    /** The first frame received so far or within the timeout that matches. */
    public JsonObject awaitFrame(Predicate<JsonObject> match, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (frames) {
            while (true) {
                for (JsonObject f : frames) {
                    if (match.test(f)) {
                        return f;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    throw new TimeoutException("no matching frame within " + timeout + (closed ? " (closed " + closeCode
                            + ")" : "") + "; received: " + frames);
                }
                frames.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** A copy of every frame received so far, in order. */
    public List<JsonObject> frames() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    public List<JsonObject> frames(String type) {
        return frames().stream().filter(f -> type.equals(f.getString("type"))).toList();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            ws.close();
        }
        client.close();
    }
}
