package org.parley.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;

/**
 * Registers (or reloads from a cache file) the simulated devices and connects them: one shared Vert.x, one
 * {@link WebSocketClient} per loopback source address (127.0.0.2, 127.0.0.3, ... when configured: each source address
 * has its own ~28,000 ephemeral ports), connections spread round-robin over them.
 */
public final class DevicePool implements AutoCloseable {
    private final Vertx vertx;
    private final String host;
    private final int port;
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final HttpClient http;
    private final long syncTimeoutMillis;
    /** Host and port of each edge the devices connect to (the first is the pool's own): device d uses edge d mod n. */
    private volatile List<URI> edges;
    private final Path codeOutbox = CodeOutbox.dir(org.parley.config.Settings.load());

    public DevicePool(Vertx vertx, String edgeHttpBase, List<String> sourceAddresses, long syncTimeoutMillis) {
        this.vertx = vertx;
        URI base = URI.create(edgeHttpBase);
        this.host = base.getHost();
        this.port = base.getPort();
        this.syncTimeoutMillis = syncTimeoutMillis;
        this.edges = List.of(base);
        List<String> sources = sourceAddresses.isEmpty() ? java.util.Collections.singletonList(null) : sourceAddresses;
        for (String source : sources) {
            WebSocketClientOptions o = new WebSocketClientOptions().setMaxConnections(1_000_000).setTcpNoDelay(true)
                    .setConnectTimeout((int) syncTimeoutMillis).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20);
            if (source != null) {
                o.setLocalAddress(source);
            }
            clients.add(vertx.createWebSocketClient(o));
        }
        this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
                .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
    }

    /**
     * The edges (HTTP base URLs, the pool's own included) the devices spread over: device d connects to edge
     * (d + its edge shift) mod n, so a reconnect that failed tries the next one (registration and push subscriptions
     * stay on the pool's own edge).
     */
    public void edges(List<String> bases) {
        List<URI> all = new ArrayList<>();
        for (String b : bases) {
            all.add(URI.create(b));
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no edge");
        }
        edges = List.copyOf(all);
    }

    /** The edge device d connects to now. */
    URI edgeOf(BenchDevice device) {
        List<URI> e = edges;
        return e.get(Math.floorMod(device.index + device.edgeShift, e.size()));
    }

    /** The edge's HTTP base URL. */
    public String edgeBase() {
        return "http://" + host + ":" + port;
    }

    // ---- registration -------------------------------------------------------------------------------------------

    /**
     * The first {@code count} devices of the cache file, registering (and appending) what is missing. Users are
     * {@code <prefix>-u<i>} with {@code devicesPerUser} devices each, so device d belongs to user d / devicesPerUser.
     */
    public List<BenchDevice.Credentials> devices(Path cache, int count, int devicesPerUser, String prefix,
                                                 Consumer<String> progress) throws Exception {
        List<BenchDevice.Credentials> have = cache == null ? new ArrayList<>() : readCache(cache);
        if (have.size() >= count) {
            return have.subList(0, count);
        }
        String pre = have.isEmpty() ? prefix : have.get(0).userId().replaceFirst("-u\\d+$", "");
        int missing = count - have.size();
        progress.accept(String.format("registering %d devices (code, POST /v1/devices, companions linked; cache %s)", missing, cache));
        BenchDevice.Credentials[] fresh = new BenchDevice.Credentials[missing];
        Semaphore inFlight = new Semaphore(32);
        AtomicInteger done = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        long lastPrint = System.nanoTime();
        // Primaries first: a user's other devices are linked from its primary (a second registration is refused).
        for (boolean primaries : new boolean[] {true, false}) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < missing; i++) {
                int d = have.size() + i;
                int first = d - d % devicesPerUser;
                if ((d == first) != primaries) {
                    continue;
                }
                BenchDevice.Credentials primary = primaries ? null
                        : first < have.size() ? have.get(first) : fresh[first - have.size()];
                if (!primaries && primary == null) {
                    continue; // its primary failed: reported below
                }
                inFlight.acquire();
                int slot = i;
                String user = pre + "-u" + (d / devicesPerUser);
                all.add((primaries ? register(user, 5) : link(primary, 5)).onComplete(ar -> {
                    inFlight.release();
                    done.incrementAndGet();
                    if (ar.succeeded()) {
                        fresh[slot] = ar.result();
                    } else {
                        failure.compareAndSet(null, ar.cause());
                    }
                }).<Void>mapEmpty().otherwiseEmpty().toCompletionStage().toCompletableFuture());
                if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(3)) {
                    lastPrint = System.nanoTime();
                    progress.accept(String.format("  registered %d/%d", done.get(), missing));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        }
        List<BenchDevice.Credentials> out = new ArrayList<>(have);
        for (BenchDevice.Credentials c : fresh) {
            if (c == null) {
                throw new IOException("device registration failed (see the edge's log); registered " + out.size()
                        + ": " + failure.get());
            }
            out.add(c);
        }
        if (cache != null) {
            writeCache(cache, out);
        }
        return out;
    }

    /**
     * The user's primary device: a code for its local identifier ({@code POST /v1/registration/code}), read from the
     * code outbox the edge's file sender writes (this process and the local stack share {@code data.dir}), proved with
     * {@code POST /v1/devices}. A 429 on the code request (a retry within the resend interval) reuses the code already
     * sent.
     */
    private Future<BenchDevice.Credentials> register(String user, int attempts) {
        String identifier = ParleyClient.localIdentifier(user);
        return http.request(HttpMethod.POST, "/v1/registration/code")
                .compose(req -> req.putHeader("content-type", "application/json")
                        .send(new JsonObject().put("identifier", identifier).encode())
                        .compose(res -> res.body().map(b -> {
                            if (res.statusCode() != 202 && res.statusCode() != 429) {
                                throw new IllegalStateException("code request: HTTP " + res.statusCode() + " " + b);
                            }
                            return null;
                        })))
                .compose(v -> vertx.executeBlocking(() -> CodeOutbox.read(codeOutbox, identifier).orElseThrow(() ->
                        new IOException("no code for " + identifier + " in " + codeOutbox + ": the edge must run with"
                                + " identity.sender=file and the same data.dir")), false))
                .compose(code -> http.request(HttpMethod.POST, "/v1/devices")
                        .compose(req -> req.putHeader("content-type", "application/json")
                                .send(new JsonObject().put("identifier", identifier).put("code", code).put("userId", user)
                                        .encode())
                                .compose(DevicePool::created)))
                .recover(err -> retry(err, attempts, () -> register(user, attempts - 1)));
    }

    /** A companion linked from the user's primary ({@code POST /v1/devices/link}). */
    private Future<BenchDevice.Credentials> link(BenchDevice.Credentials primary, int attempts) {
        return http.request(HttpMethod.POST, "/v1/devices/link")
                .compose(req -> req.putHeader("Authorization", "Bearer " + primary.token()).send()
                        .compose(DevicePool::created))
                .recover(err -> retry(err, attempts, () -> link(primary, attempts - 1)));
    }

    private static Future<BenchDevice.Credentials> created(io.vertx.core.http.HttpClientResponse res) {
        return res.body().map(b -> {
            if (res.statusCode() != 201) {
                throw new IllegalStateException("HTTP " + res.statusCode() + " " + b);
            }
            JsonObject j = b.toJsonObject();
            return new BenchDevice.Credentials(j.getString("userId"), j.getString("deviceId"), j.getString("token"));
        });
    }

    private <T> Future<T> retry(Throwable err, int attempts, java.util.function.Supplier<Future<T>> again) {
        if (attempts <= 1) {
            return Future.failedFuture(err);
        }
        Promise<Void> later = Promise.promise();
        vertx.setTimer(200, t -> later.complete());
        return later.future().compose(v -> again.get());
    }

    static List<BenchDevice.Credentials> readCache(Path cache) throws IOException {
        List<BenchDevice.Credentials> out = new ArrayList<>();
        if (Files.exists(cache)) {
            for (String line : Files.readAllLines(cache)) {
                String[] f = line.split("\t");
                if (f.length == 3 && !line.startsWith("#")) {
                    out.add(new BenchDevice.Credentials(f[0], f[1], f[2]));
                }
            }
        }
        return out;
    }

    static void writeCache(Path cache, List<BenchDevice.Credentials> devices) throws IOException {
        Files.createDirectories(cache.toAbsolutePath().getParent());
        StringBuilder sb = new StringBuilder("# userId\tdeviceId\ttoken: devices registered by ./parley bench\n");
        devices.forEach(d -> sb.append(d.userId()).append('\t').append(d.deviceId()).append('\t').append(d.token()).append('\n'));
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * {@code PUT} (body = the browser's {@code PushSubscription.toJSON()}) or {@code DELETE} of the device's Web Push
     * subscription ({@code /v1/push-subscription}, docs/protocol.md); the HTTP status.
     */
    public Future<Integer> pushSubscription(BenchDevice.Credentials device, HttpMethod method, JsonObject body) {
        return http.request(method, "/v1/push-subscription").compose(req -> {
            req.putHeader("Authorization", "Bearer " + device.token());
            if (body == null) {
                return req.send();
            }
            return req.putHeader("content-type", "application/json").send(body.encode());
        }).compose(res -> res.body().map(b -> res.statusCode()));
    }

    // ---- connections --------------------------------------------------------------------------------------------

    /** Whether a connect failed because the edge does not know the token (stale cache after ./parley up --clean). */
    public static boolean unauthorized(Throwable err) {
        return err instanceof UpgradeRejectedException u && u.getStatus() == 401;
    }

    /**
     * Connects a device and completes once it is synced. {@code onFrame} sees every frame (also ready and synced);
     * {@code onClose} runs when the socket closes after having been synced or not.
     */
    public Future<Void> connect(BenchDevice device, Long lastInboxSeq, BiConsumer<BenchDevice, JsonObject> onFrame,
                                Consumer<BenchDevice> onClose) {
        String uri = "/v1/ws?token=" + device.credentials.token() + (lastInboxSeq == null ? "" : "&lastInboxSeq=" + lastInboxSeq);
        WebSocketClient client = clients.get(device.index % clients.size());
        device.connects.incrementAndGet();
        URI edge = edgeOf(device);
        return client.connect(new WebSocketConnectOptions().setHost(edge.getHost()).setPort(edge.getPort()).setURI(uri))
                .compose(ws -> {
            Promise<Void> synced = Promise.promise();
            device.ws = ws;
            long timer = vertx.setTimer(syncTimeoutMillis, t -> {
                if (synced.tryFail("not synced within " + syncTimeoutMillis + " ms")) {
                    ws.close();
                }
            });
            ws.textMessageHandler(text -> {
                JsonObject f = new JsonObject(text);
                String type = f.getString("type");
                if ("ready".equals(type)) {
                    device.inbox.reset(f.getLong("fromInboxSeq", 0L));
                } else if ("synced".equals(type)) {
                    vertx.cancelTimer(timer);
                    device.live = true;
                    synced.tryComplete();
                }
                onFrame.accept(device, f);
            });
            ws.closeHandler(v -> {
                device.live = false;
                device.closedAtNanos = System.nanoTime();
                vertx.cancelTimer(timer);
                synced.tryFail("closed " + ws.closeStatusCode() + " before synced");
                onClose.accept(device);
            });
            return synced.future();
        });
    }

    /** Connects all devices with at most {@code concurrency} connects in flight; returns the failures. */
    public List<String> connectAll(List<BenchDevice> devices, int concurrency, BiConsumer<BenchDevice, JsonObject> onFrame,
                                   Consumer<BenchDevice> onClose, Consumer<String> progress) throws Exception {
        Semaphore inFlight = new Semaphore(concurrency);
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        long started = System.nanoTime(), lastPrint = started;
        for (BenchDevice d : devices) {
            inFlight.acquire();
            all.add(connectWithRetry(d, onFrame, onClose, 3).onComplete(ar -> {
                inFlight.release();
                done.incrementAndGet();
                if (ar.failed()) {
                    failures.add(d.credentials.deviceId() + ": " + ar.cause());
                }
            }).<Void>mapEmpty().otherwiseEmpty().toCompletionStage().toCompletableFuture());
            if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(3)) {
                lastPrint = System.nanoTime();
                progress.accept(String.format("  connected %d/%d (%.0f/s), failed %d", done.get(), devices.size(),
                        done.get() / ((lastPrint - started) / 1e9), failures.size()));
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        return failures;
    }

    Future<Void> connectWithRetry(BenchDevice d, BiConsumer<BenchDevice, JsonObject> onFrame,
                                  Consumer<BenchDevice> onClose, int attempts) {
        return connect(d, null, onFrame, onClose).recover(err -> {
            if (attempts <= 1 || unauthorized(err)) {
                return Future.failedFuture(err);
            }
            Promise<Void> later = Promise.promise();
            vertx.setTimer(500, t -> later.complete());
            return later.future().compose(v -> connectWithRetry(d, onFrame, onClose, attempts - 1));
        });
    }

    @Override
    public void close() {
        clients.forEach(WebSocketClient::close);
        http.close();
    }
}
