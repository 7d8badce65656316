package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.crypto.DeviceKeys;
import org.parley.infra.replay.ReadModelRebuild;
import org.parley.infra.replay.ReplayCommand;
import org.parley.infra.replay.TopicRangeExport;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.ReadModelTables;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;
import picocli.CommandLine;

/**
 * DESIGN invariant 5 end to end: traffic through the real stack (one-to-one messages with a reply, reactions, an edit,
 * deletes for everyone and for me, receipts and reads, a mute, a group with members added, removed, promoted,
 * renamed and leaving, settings), then the read model rebuilt from the log into a fresh keyspace by the projection
 * writer ({@code ./parley replay}) equals the live one, table by table. A row changed the way a non-idempotent write
 * would change it (a wall-clock value instead of the event's) is then found and named.
 */
class ReplayIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @TempDir
    static Path stores;

    /**
     * End-to-end encrypted one-to-one messages between two users, one with a linked laptop: the key directory
     * (uploads, one-time prekeys claimed) and the per-device envelopes.
     */
    private void encryptedTraffic() throws Exception {
        ParleyClient.Device e1 = ParleyClient.register(EDGES.url(), user("erin"), CodeOutbox::latest);
        ParleyClient.Device e2 = TestUsers.linkedDevice(EDGES.url(), e1);
        ParleyClient.Device f1 = ParleyClient.register(EDGES.url(), user("frank"), CodeOutbox::latest);
        DeviceKeys erinKeys = DeviceKeys.generate(10, 0);
        SecureDevices.Connected erin = SecureDevices.connect(EDGES.vertx(), EDGES.url(), stores, e1, erinKeys, WAIT);
        SecureDevices.Connected laptop = SecureDevices.connect(EDGES.vertx(), EDGES.url(), stores, e2,
                DeviceKeys.generate(erinKeys.identity(), 10, 0), WAIT);
        SecureDevices.Connected frank = SecureDevices.connect(EDGES.vertx(), EDGES.url(), stores, f1, DeviceKeys.generate(10, 0), WAIT);
        try {
            assertThat(erin.messenger().send(f1.userId(), "e2e-1", "sealed".getBytes(StandardCharsets.UTF_8), WAIT)
                    .getString("type")).isEqualTo("sent");
            assertThat(SecureDevices.read(frank.client(), frank.messenger(), "e2e-1", WAIT)).isEqualTo("sealed");
            assertThat(frank.messenger().send(e1.userId(), "e2e-2", "reply".getBytes(StandardCharsets.UTF_8), WAIT)
                    .getString("type")).isEqualTo("sent");
            assertThat(SecureDevices.read(laptop.client(), laptop.messenger(), "e2e-2", WAIT)).isEqualTo("reply");
        } finally {
            erin.client().close();
            laptop.client().close();
            frank.client().close();
        }
    }

    private void traffic() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);
        String dm = Conversations.direct(a.userId(), b.userId());
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT);
             ParleyClient dave = ParleyClient.connect(EDGES.vertx(), EDGES.url(), d, null, WAIT)) {
            // One-to-one: messages, a reply, reactions (one replaced, one removed), an edit, deletes, receipts.
            long first = EdgeClients.sent(alice, EDGES.message(dm, "helo"));
            long reply = EdgeClients.sent(bob, EDGES.message(dm, "hi!").put("replyToSeq", first));
            EdgeClients.sent(bob, EDGES.frame("react").put("conversationId", dm).put("targetSeq", first).put("reaction", "👍"));
            EdgeClients.sent(bob, EDGES.frame("react").put("conversationId", dm).put("targetSeq", first).put("reaction", "❤️"));
            EdgeClients.sent(alice, EDGES.frame("react").put("conversationId", dm).put("targetSeq", reply).put("reaction", "😮"));
            EdgeClients.sent(alice, EDGES.frame("react").put("conversationId", dm).put("targetSeq", reply).put("reaction", ""));
            EdgeClients.sent(alice, EDGES.frame("edit").put("conversationId", dm).put("targetSeq", first)
                    .put("payload", Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8))));
            long gone = EdgeClients.sent(alice, EDGES.message(dm, "oops"));
            EdgeClients.sent(alice, EDGES.frame("delete").put("conversationId", dm).put("targetSeq", gone).put("scope", "everyone"));
            EdgeClients.sent(bob, EDGES.frame("delete").put("conversationId", dm).put("targetSeq", reply).put("scope", "me"));
            EdgeClients.sent(bob, EDGES.frame("mute").put("conversationId", dm).put("until", "forever"));
            long last = EdgeClients.sent(alice, EDGES.message(dm, "read me"));
            bob.ack(EdgeClients.messageEvent(bob, dm, last).getLong("inboxSeq"));
            bob.sendText(new JsonObject().put("type", "read").put("conversationId", dm).put("seq", last).encode());
            alice.awaitFrame(f -> "receipt".equals(f.getString("type")) && "read".equals(f.getString("status"))
                    && f.getLong("seq") == last, WAIT);
            bob.request(new JsonObject().put("type", "settings").put("requestId", "s1").put("readReceipts", false), WAIT);

            // A group: created, members added and removed, an admin promoted, renamed, messages, one leaving.
            JsonObject created = alice.actRetrying(EDGES.frame("createGroup").put("name", "Replay club")
                    .put("members", new JsonArray(List.of(b.userId(), c.userId()))), WAIT, 5);
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g = created.getString("conversationId");
            long hello = EdgeClients.sent(alice, EDGES.message(g, "hello group"));
            EdgeClients.sent(alice, EDGES.frame("addMembers").put("conversationId", g).put("userIds", new JsonArray().add(d.userId())));
            EdgeClients.sent(alice, EDGES.frame("removeMember").put("conversationId", g).put("userId", c.userId()));
            EdgeClients.sent(alice, EDGES.frame("promoteAdmin").put("conversationId", g).put("userId", b.userId()));
            EdgeClients.sent(bob, EDGES.frame("updateGroup").put("conversationId", g).put("name", "Replayers"));
            EdgeClients.sent(bob, EDGES.frame("react").put("conversationId", g).put("targetSeq", hello).put("reaction", "🎉"));
            long bye = EdgeClients.sent(alice, EDGES.frame("leaveGroup").put("conversationId", g));
            long after = EdgeClients.sent(bob, EDGES.message(g, "after alice"));
            dave.ack(EdgeClients.messageEvent(dave, g, after).getLong("inboxSeq"));
            dave.sendText(new JsonObject().put("type", "read").put("conversationId", g).put("seq", after).encode());
            EdgeClients.messageEvent(bob, g, bye);
            carol.ack(EdgeClients.messageEvent(carol, g, hello).getLong("inboxSeq"));
        }
    }

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = new CommandLine(new ReplayCommand(EDGES.stack().settings(), print, print)).execute(args);
        return code + "\n" + out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theReadModelRebuiltFromTheLogEqualsTheLiveOneAndADivergentRowIsFound() throws Exception {
        traffic();
        encryptedTraffic();
        String keyspace = "replay_it_" + Long.toString(System.nanoTime(), 36);
        // The live projection has written everything the traffic logged (the pipeline has no more to add after the
        // clients closed, apart from presence going offline: the next rounds pick that up, resuming the replay).
        await().atMost(WAIT).until(() -> ReadModelRebuild.lag(EDGES.stack().settings(), EDGES.stack().settings().get("projections.group-id")) == 0);
        String first = run("--keyspace", keyspace, "--fresh");
        System.out.println(first);
        assertThat(first).contains("replaying").contains("records/s");
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            String round = run("--keyspace", keyspace);
            System.out.println(round);
            assertThat(round).startsWith("0\n").contains("EQUAL: " + ReadModelTables.REBUILT_FROM_LOG.size() + " tables");
        });
        // Every kind of row was compared, not only empty tables.
        String equal = run("--keyspace", keyspace, "--compare-only");
        for (String table : List.of("messages", "message_envelopes", "inbox", "conversation_heads", "conversation_members",
                "user_conversations", "groups", "reactions", "hidden_messages", "user_settings", "presence",
                "group_departures", "devices", "device_keys", "one_time_prekeys", "prekey_claims", "message_search",
                "message_search_buckets")) {
            assertThat(equal).containsPattern("\n  " + table + " +[1-9]\\d* +[1-9]\\d* +[1-9]\\d* +equal");
        }

        // A write that is not a function of the event (a wall-clock time) makes the rebuilt row differ: found and named.
        try (CqlSession session = CqlSessionFactory.open(EDGES.stack().settings(), false)) {
            var row = session.execute("SELECT conversation_id, bucket, seq FROM " + keyspace + ".messages LIMIT 1").one();
            session.execute("UPDATE " + keyspace + ".messages SET sent_at = toTimestamp(now()) WHERE conversation_id = ?"
                    + " AND bucket = ? AND seq = ?", row.getString(0), row.getLong(1), row.getLong(2));
            String diff = run("--keyspace", keyspace, "--compare-only");
            System.out.println(diff);
            assertThat(diff).startsWith("1\n").contains("DIFFERENT: 1 of " + ReadModelTables.REBUILT_FROM_LOG.size() + " tables differ")
                    .contains("conversation_id='" + row.getString(0) + "', bucket=" + row.getLong(1) + ") differs")
                    .containsPattern("messages +\\d+ +\\d+ +\\d+ +DIFFERENT: 1 partition");
            // Schema changes wait for every table's flush: slow on a busy machine.
            session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
                    "DROP KEYSPACE IF EXISTS " + keyspace).setTimeout(Duration.ofSeconds(120)));
        }
    }

    @Test
    void aTopicRangeIsExportedAsJsonLinesWithSchemaIds(@TempDir Path dir) throws Exception {
        traffic();
        Path file = dir.resolve("events.jsonl");
        String topic = EDGES.stack().settings().get("topic.conversation-events");
        String result = run("--topic", topic, "--from", "0", "--to", "2099-01-01", "--out", file.toString());
        assertThat(result).startsWith("0\n").contains("exported");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).isNotEmpty();
        assertThat(lines).allSatisfy(line -> {
            JsonObject json = new JsonObject(line);
            assertThat(json.getInteger("schemaId")).isPositive();
            assertThat(json.getString("topic")).isEqualTo(topic);
            assertThat(json.getJsonObject("value").getString("conversationId")).isNotBlank();
        });
        // A time range: nothing before the epoch's first day, everything from it.
        Path none = dir.resolve("none.jsonl");
        assertThat(run("--topic", topic, "--to", "1970-01-02", "--out", none.toString())).startsWith("0\n");
        assertThat(Files.readAllLines(none)).isEmpty();
        assertThat(run("--topic", topic, "--from", "x", "--out", none.toString())).startsWith("2\n")
                .contains("neither an offset nor an ISO-8601 time");
        assertThat(TopicRangeExport.Bound.parse("12").offset()).isEqualTo(12);
    }
}
