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
 * conversations (so bob's items come from several partitions and interleave by timing) while bob, connected, acks
 * every message (so the senders get receipts: a second kind of item). The fan-out process is killed with SIGKILL
 * mid-stream and started again with {@code ./parley up}; it restores its last checkpoint and replays what followed.
 *
 * <p>What must hold: every connection shows every inbox item once, with contiguous inbox seqs (the edge drops a
 * redelivered seq, so a seq re-assigned to another item after the restore would show as a missing message), and
 * bob's inbox, read again from seq 0 after the storm, holds at each seq exactly what bob was shown live.
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
        List<ParleyClient.Device> senders = new ArrayList<>();
        for (String name : List.of("alice", "carol", "dave")) {
            senders.add(ParleyClient.register(edge, user(name), CodeOutbox::latest));
        }
        List<ParleyClient> senderClients = new ArrayList<>();
        try (ParleyClient bob = ParleyClient.connect(vertx, edge, b, null, WAIT)) {
            bob.onFrame(f -> {
                if ("message".equals(f.getString("type"))) {
                    bob.ack(f.getLong("inboxSeq"));
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
            for (ParleyClient sender : senderClients) {
                List<Long> seqs = sender.frames("receipt").stream().map(f -> f.getLong("inboxSeq")).toList();
                assertThat(seqs).as("%s's receipts: each inbox seq once, contiguous", sender.device().userId())
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
            }

            // The inbox, read again from the start, holds at each seq what bob was shown live.
            try (ParleyClient again = ParleyClient.connect(vertx, edge, b, 0L, WAIT)) {
                again.awaitFrame(f -> again.frames("message").size() >= 3 * PER_SENDER, WAIT);
                assertThat(inboxOf(again.frames("message"))).isEqualTo(live);
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

    /** inbox seq → clientMessageId, in frame order; a repeated seq fails (the edge must never show one twice). */
    private static Map<Long, String> inboxOf(List<JsonObject> messages) {
        Map<Long, String> inbox = new LinkedHashMap<>();
        for (JsonObject m : messages) {
            String previous = inbox.put(m.getLong("inboxSeq"), m.getString("clientMessageId"));
            assertThat(previous).as("inbox seq %d shown twice", m.getLong("inboxSeq")).isNull();
        }
        return inbox;
    }
}
