package org.parley.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.MessageSearch;
import org.parley.projections.UserConversations;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code search} latency over a large history (docs/search.md): one user in {@code --conversations} chats (half
 * groups, half one-to-one) holding {@code --messages} messages over 30 days, then {@code --samples} searches of each
 * kind through a real WebSocket to the edge, one at a time, timed from the frame's send to its answer. The edge's
 * per-user limit on reads ({@code limits.user.history}, 300 per 30 s) paces the run: a refused search waits as told and
 * is asked again, unmeasured.
 *
 * <p>The messages are written straight into the search projection's tables ({@code message_search},
 * {@code message_search_buckets}) and the user's memberships, with the projection's own code, not through the log:
 * 100,000 messages through the pipeline would measure the pipeline. So the stack's read model then holds rows the
 * log does not: run it on a scratch stack ({@code ./parley up --clean} afterwards) or expect {@code ./parley replay}'s
 * comparison to list these conversations.
 */
@CommandLine.Command(name = "search-latency", mixinStandardHelpOptions = true)
public final class SearchLatency implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--edge", required = true)
    String edge;
    @Option(names = "--messages", description = "messages in the user's chats")
    int messages = 100_000;
    @Option(names = "--conversations", description = "chats of the user (half groups)")
    int conversations = 20;
    @Option(names = "--samples", description = "searches of each kind measured")
    int samples = 1000;
    @Option(names = "--warmup", description = "searches of each kind before measuring")
    int warmup = 50;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SearchLatency()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String user = "search-bench-" + run;
        List<String> peers = List.of("peer-a-" + run, "peer-b-" + run, "peer-c-" + run, "peer-d-" + run);
        List<String> chats = new ArrayList<>();
        for (int i = 0; i < conversations; i++) {
            chats.add(i % 2 == 0 ? "g:bench-" + run + "-" + i : Conversations.direct(user, "peer-" + i + "-" + run));
        }
        Instant start = Instant.now().minus(Duration.ofDays(30));
        long spanMs = Duration.ofDays(30).toMillis();
        Settings settings = Settings.load();
        Random random = new Random(42);
        try (CqlSession cql = CqlSessionFactory.open(settings, true)) {
            MessageSearch search = new MessageSearch(cql);
            UserConversations users = new UserConversations(cql);
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (String chat : chats) {
                pending.add(users.joined(user, chat, 1).toCompletableFuture());
            }
            long t0 = System.nanoTime();
            int perChat = messages / conversations;
            for (int c = 0; c < conversations; c++) {
                String chat = chats.get(c);
                List<String> senders = Conversations.isGroup(chat) ? List.of(user, peers.get(0), peers.get(1),
                        peers.get(2), peers.get(3)) : Conversations.members(chat).orElseThrow();
                for (int i = 1; i <= perChat; i++) {
                    int r = random.nextInt(100);
                    ConversationEvent e = ConversationEvent.newBuilder().setEventId(chat + "/" + i).setConversationId(chat)
                            .setSeq(i).setType(EventType.MESSAGE).setSenderUserId(senders.get(random.nextInt(senders.size())))
                            .setSenderDeviceId("d").setClientMessageId("m" + i).setMemberUserIds(List.of())
                            .setSentAt(start.plusMillis(spanMs * i / perChat + random.nextInt(60_000)))
                            .setMediaType(r < 10 ? "image/jpeg" : r < 13 ? "video/mp4" : null)
                            .setPayload(ByteBuffer.allocate(0)).build();
                    for (CompletionStage<Void> w : search.project(e)) {
                        pending.add(w.toCompletableFuture());
                    }
                    if (pending.size() >= 512) {
                        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
                        pending.clear();
                    }
                }
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            System.out.printf(Locale.ROOT, "wrote %,d messages in %d chats (%d buckets) in %.1f s%n",
                    perChat * conversations, conversations, conversations * (perChat / 1000 + 1),
                    (System.nanoTime() - t0) / 1e9);
        }

        Vertx vertx = Vertx.vertx();
        ParleyClient.Device device = ParleyClient.register(edge, user, CodeOutbox::latest);
        try (ParleyClient client = ParleyClient.connect(vertx, edge, device, null, Duration.ofSeconds(30))) {
            Map<String, Supplier<JsonObject>> kinds = new LinkedHashMap<>();
            kinds.put("all chats, newest 50", JsonObject::new);
            kinds.put("one chat, one sender, newest 50", () -> new JsonObject()
                    .put("conversationId", chats.get(random.nextInt(chats.size()))).put("senderUserId", user));
            kinds.put("all chats, one day", () -> {
                long from = start.toEpochMilli() + random.nextInt(29) * 86_400_000L;
                return new JsonObject().put("fromTime", from).put("untilTime", from + 86_400_000L);
            });
            kinds.put("all chats, images, newest 50", () -> new JsonObject().put("mediaType", "image"));
            kinds.put("all chats, videos of one sender before a random day", () -> new JsonObject()
                    .put("mediaType", "video/mp4").put("senderUserId", peers.get(random.nextInt(peers.size())))
                    .put("untilTime", start.toEpochMilli() + (1 + random.nextInt(29)) * 86_400_000L));
            Histogram all = new Histogram(60_000_000_000L, 3);
            System.out.printf(Locale.ROOT, "%d searches of each kind (after %d warm-up), one at a time, limit 50:%n",
                    samples, warmup);
            for (Map.Entry<String, Supplier<JsonObject>> kind : kinds.entrySet()) {
                Histogram h = new Histogram(60_000_000_000L, 3);
                long hits = 0;
                for (int i = 0; i < warmup + samples; i++) {
                    JsonObject frame = kind.getValue().get().put("type", "search").put("limit", 50)
                            .put("requestId", "q" + i);
                    long t = System.nanoTime();
                    JsonObject answer = client.request(frame, Duration.ofSeconds(30));
                    long took = System.nanoTime() - t;
                    client.forget(answer);
                    if ("RATE_LIMITED".equals(answer.getString("code"))) {
                        // limits.user.history (300 per 30 s by default): wait as told and ask again, unmeasured.
                        Thread.sleep(Math.max(1, answer.getLong("retryAfterMs", 100L)));
                        i--;
                        continue;
                    }
                    if (!"search".equals(answer.getString("type"))) {
                        throw new IllegalStateException("search refused: " + answer.encode());
                    }
                    if (i >= warmup) {
                        h.recordValue(took);
                        all.recordValue(took);
                        hits += answer.getJsonArray("hits").size();
                    }
                }
                print(kind.getKey() + String.format(Locale.ROOT, " (%.1f hits)", (double) hits / samples), h);
            }
            print("all kinds", all);
        } finally {
            vertx.close();
        }
        return 0;
    }

    private static void print(String label, Histogram h) {
        System.out.printf(Locale.ROOT, "  %-62s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (n=%d)%n", label,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6,
                h.getTotalCount());
    }
}
