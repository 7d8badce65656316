package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.schemas.CodeOutbox;

/**
 * Fan-out restore (issue 4, item 1; ADR 0006) against the real job: three senders write to bob in three
 * conversations (so bob's items come from several partitions and interleave by timing) while bob's phone, connected,
 * acks and reads every message, so that bob's laptop gets a second kind of item between the messages: the read
 * receipts that sync its read state (the senders' delivered and read marks are state, relayed by the edges and not
 * inbox items: ADR 0014). The fan-out process is killed with SIGKILL mid-stream and started again with
 * {@code ./parley up}; it restores its last checkpoint and replays what followed.
 *
 * <p>What must hold: every connection shows every inbox item once, with contiguous inbox seqs (the edge drops a
 * redelivered seq, so a seq re-assigned to another item after the restore would show as a missing message), and
 * bob's inboxes, read again from seq 0 after the storm, hold at each seq exactly what was shown live.
 */
class FanoutCrashIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int PER_SENDER = 40;

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    private static Vertx vertx;
    private static String edge;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        edge = STACK.edgeHttpUrl(0).toString();
    }

    @AfterAll
    static void stop() {
        if (vertx != null) {
            vertx.close();
        }
        STACK.parley("up"); // whatever happened, the fan-out runs again for the next tests
    }

    @Test
    void aSigkilledFanoutRestoresWithEveryInboxSeqNamingTheSameItemAndNothingShownTwice() throws Exception {
        ParleyClient.Device b = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        ParleyClient.Device laptop = TestUsers.linkedDevice(edge, b);
        List<ParleyClient.Device> senders = new ArrayList<>();
        for (String name : List.of("alice", "carol", "dave")) {
            senders.add(ParleyClient.register(edge, user(name), CodeOutbox::latest));
        }
        List<ParleyClient> senderClients = new ArrayList<>();
        try (ParleyClient bob = ParleyClient.connect(vertx, edge, b, null, WAIT);
             ParleyClient bobLaptop = ParleyClient.connect(vertx, edge, laptop, null, WAIT)) {
            bob.onFrame(f -> {
                if ("message".equals(f.getString("type"))) {
                    bob.ack(f.getLong("inboxSeq"));
                    bob.sendText(new JsonObject().put("type", "read").put("conversationId", f.getString("conversationId"))
                            .put("seq", f.getLong("seq")).encode());
                }
            });
            bobLaptop.onFrame(f -> {
                if (isInboxItem(f)) {
                    bobLaptop.ack(f.getLong("inboxSeq"));
                }
            });
            for (ParleyClient.Device s : senders) {
                senderClients.add(ParleyClient.connect(vertx, edge, s, null, WAIT));
            }
            List<CompletableFuture<Long>> sending = new ArrayList<>();
            for (ParleyClient sender : senderClients) {
                sending.add(CompletableFuture.supplyAsync(() -> sendAll(sender, b.userId())));
            }

            bob.awaitFrame(f -> bob.frames("message").size() >= PER_SENDER / 2, WAIT);
            Kills.sigkill(STACK, "fanout", Duration.ofSeconds(30)); // no savepoint: the last checkpoint is restored
            int seenBeforeKill = bob.frames("message").size();
            LocalStackExtension.Result up = STACK.parley("up");
            assertThat(up.exitCode()).as(up.output()).isZero();

            List<Long> lastSeqs = new ArrayList<>();
            for (CompletableFuture<Long> s : sending) {
                lastSeqs.add(s.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            await("bob has every message").atMost(WAIT)
                    .until(() -> bob.frames("message").size() >= 3 * PER_SENDER);
            // Bob acked everything: each sender's receipts reach its last message.
            for (int i = 0; i < senderClients.size(); i++) {
                ParleyClient sender = senderClients.get(i);
                long last = lastSeqs.get(i);
                sender.awaitFrame(f -> "receipt".equals(f.getString("type")) && f.getLong("seq") >= last, WAIT);
            }

            Map<Long, String> live = inboxOf(bob.frames("message"));
            assertThat(live.values()).as("bob saw every message once").doesNotHaveDuplicates()
                    .hasSize(3 * PER_SENDER)
                    .containsExactlyInAnyOrderElementsOf(senders.stream()
                            .flatMap(s -> ids(s.userId()).stream()).toList());
            assertThat(live.keySet()).as("contiguous inbox seqs")
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 3 * PER_SENDER).boxed().toList());
            // Bob's laptop: his messages and his phone's reads (each message read in its conversation) interleaved:
            // every message, and a read receipt for each message's seq (each read raises bob's read mark by one).
            List<String> laptopItems = new ArrayList<>();
            for (int i = 0; i < senders.size(); i++) {
                String dm = org.parley.schemas.Conversations.direct(senders.get(i).userId(), b.userId());
                laptopItems.addAll(ids(senders.get(i).userId()));
                for (long seq = lastSeqs.get(i) - PER_SENDER + 1; seq <= lastSeqs.get(i); seq++) {
                    laptopItems.add("read:" + dm + "/" + seq);
                }
            }
            await("the laptop has every message and bob's read of each").atMost(WAIT)
                    .until(() -> inboxOf(bobLaptop.frames()).size() >= laptopItems.size());
            Map<Long, String> laptopLive = inboxOf(bobLaptop.frames());
            assertThat(laptopLive.values()).as("the laptop's items").containsExactlyInAnyOrderElementsOf(laptopItems);
            assertThat(laptopLive.keySet()).as("the laptop's messages and read receipts: contiguous inbox seqs")
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, laptopLive.size()).boxed().toList());

            // The inboxes, read again from the start, hold at each seq what was shown live.
            try (ParleyClient again = ParleyClient.connect(vertx, edge, b, 0L, WAIT)) {
                again.awaitFrame(f -> again.frames("message").size() >= 3 * PER_SENDER, WAIT);
                assertThat(inboxOf(again.frames("message"))).isEqualTo(live);
            }
            bobLaptop.close();
            try (ParleyClient again = ParleyClient.connect(vertx, edge, laptop, 0L, WAIT)) {
                again.awaitFrame(f -> inboxOf(again.frames()).size() >= laptopLive.size(), WAIT);
                assertThat(inboxOf(again.frames())).isEqualTo(laptopLive);
            }
            System.out.printf("[fanout-crash] OK: %d messages, %d shown before the kill%n", live.size(),
                    seenBeforeKill);
        } finally {
            senderClients.forEach(ParleyClient::close);
        }
    }

    private static List<String> ids(String sender) {
        return Stream.iterate(1, i -> i + 1).limit(PER_SENDER).map(i -> sender + "-m" + i).toList();
    }

    /** One sender, one message at a time (each waits for its "sent"); returns the last message's seq. */
    private static long sendAll(ParleyClient sender, String to) {
        long seq = 0;
        for (String id : ids(sender.device().userId())) {
            try {
                JsonObject sent = sender.actRetrying(new JsonObject().put("type", "send").put("clientMessageId", id)
                        .put("to", to).put("payload", Base64.getEncoder().encodeToString(id.getBytes())),
                        WAIT, 5);
                assertThat(sent.getString("type")).as("%s: %s", id, sent).isEqualTo("sent");
                seq = sent.getLong("seq");
            } catch (Exception e) {
                throw new IllegalStateException(id, e);
            }
        }
        return seq;
    }

    /**
     * inbox seq → what it holds (a message's clientMessageId, "read:conversation/seq" for a read receipt), in frame
     * order, of the frames that carry an inbox seq; a repeated seq fails (the edge must never show one twice).
     */
    private static Map<Long, String> inboxOf(List<JsonObject> frames) {
        Map<Long, String> inbox = new LinkedHashMap<>();
        for (JsonObject f : frames) {
            if (!isInboxItem(f)) {
                continue;
            }
            long seq = f.getLong("inboxSeq");
            String item = "message".equals(f.getString("type")) ? f.getString("clientMessageId")
                    : f.getString("status") + ":" + f.getString("conversationId") + "/" + f.getLong("seq");
            String previous = inbox.put(seq, item);
            assertThat(previous).as("inbox seq %d shown twice", seq).isNull();
        }
        return inbox;
    }

    /** A message or a receipt with an inbox seq (not the "synced" mark, not a relayed one-to-one mark). */
    private static boolean isInboxItem(JsonObject f) {
        return ("message".equals(f.getString("type")) || "receipt".equals(f.getString("type")))
                && f.getLong("inboxSeq") != null;
    }
}
