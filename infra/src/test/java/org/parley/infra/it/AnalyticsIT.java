package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.infra.analytics.SqlCommand;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;
import picocli.CommandLine;

/**
 * The analytics projection end to end: known traffic through the real stack (one-to-one messages, one with a media
 * type, messages to a user whose only device is offline, a reaction, two groups, one with a member removed, delivery
 * acknowledgements and a read), then {@code ./parley sql} exports the log and runs the shipped example queries
 * ({@code docs/analytics/*.sql}, exactly those files) over the window of this test; each answer must equal what the
 * traffic was. Delivery latencies are checked against the times the product itself reported to the clients (the
 * one-to-one {@code receipt} frames' {@code at}, the group's {@code messageInfo} {@code deliveredAt}, the messages'
 * {@code sentAt}). Then the export is shown resumable and idempotent: an export in small batches, run again, holds
 * the same rows as one fresh export, none twice.
 */
class AnalyticsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path QUERIES = Path.of("..", "docs", "analytics");
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @TempDir
    Path dir;

    /** The recipient's device takes the message and acknowledges it; returns the message's sentAt. */
    private static long receiveAndAck(ParleyClient c, String conversationId, long seq) throws Exception {
        JsonObject m = EdgeClients.messageEvent(c, conversationId, seq);
        c.ack(m.getLong("inboxSeq"));
        return m.getLong("sentAt");
    }

    /** One delivery latency sample as the product reported it: (send time, delivered time). */
    private record Sample(long sentAt, long deliveredAt) {
        long latency() {
            return deliveredAt - sentAt;
        }
    }

    /** The sender's one-to-one "delivered" receipt for seq: its {@code at}. */
    private static long deliveredReceipt(ParleyClient sender, String conversationId, long seq) throws Exception {
        return sender.awaitFrame(f -> "receipt".equals(f.getString("type")) && "delivered".equals(f.getString("status"))
                && conversationId.equals(f.getString("conversationId")) && f.getLong("seq") == seq, WAIT).getLong("at");
    }

    /** messageInfo's deliveredAt per member of the sender's group message, once {@code members} have it. */
    private static Map<String, Long> deliveredAt(ParleyClient sender, String group, long seq, List<String> members) {
        Map<String, Long> out = new TreeMap<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            out.clear();
            JsonObject info = sender.messageInfo(group, seq, WAIT);
            for (Object o : info.getJsonArray("members", new JsonArray())) {
                JsonObject m = (JsonObject) o;
                if (m.getBoolean("delivered", false)) {
                    out.put(m.getString("userId"), m.getLong("deliveredAt"));
                }
            }
            assertThat(out.keySet()).as(info.encode()).containsAll(members);
        });
        return out;
    }

    private String sql(Settings s, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new CommandLine(new SqlCommand(s, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                .execute(args);
        String errors = err.toString(StandardCharsets.UTF_8);
        System.out.print(out.toString(StandardCharsets.UTF_8) + errors);
        assertThat(code).as(errors).isZero();
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    /** One shipped example query over this test's window, exporting what is new first; CSV. */
    private String example(String file, Instant since) {
        System.out.println("./parley sql --since " + since + " --csv docs/analytics/" + file);
        return sql(EDGES.stack().settings(), "--dir", dir.resolve("incremental").toString(), "--since", since.toString(), "--csv",
                QUERIES.resolve(file).toString());
    }

    /** quantile_cont: linear interpolation between the closest ranks, as DuckDB computes it. */
    static double quantile(List<Long> values, double q) {
        List<Long> sorted = values.stream().sorted().toList();
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }

    @Test
    void theExampleQueriesAnswerWhatTheTrafficWas() throws Exception {
        // The traffic and its checks must fall on one UTC day: in the day's last minutes, wait for the next one
        // (skipping would leave a run near midnight without this test).
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(5))
                .until(() -> LocalTime.now(ZoneOffset.UTC).isBefore(LocalTime.of(23, 55)));
        Instant since = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);   // never online
        ParleyClient.Device e = ParleyClient.register(EDGES.url(), user("erin"), CodeOutbox::latest);   // never online: pushed
        String dm = Conversations.direct(a.userId(), b.userId());
        String toErin = Conversations.direct(a.userId(), e.userId());
        List<Sample> samples = new ArrayList<>();
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT)) {
            // One-to-one: three texts and a photo (its media type's file name parameter never reaches the projection).
            long last = 0;
            for (int i = 1; i <= 4; i++) {
                JsonObject send = EDGES.message(dm, "text " + i);
                if (i == 4) {
                    send.put("mediaType", "image/jpeg; name=holiday.jpg");
                }
                last = EdgeClients.sent(alice, send);
                long sentAt = receiveAndAck(bob, dm, last);
                samples.add(new Sample(sentAt, deliveredReceipt(alice, dm, last)));
            }
            EdgeClients.sent(bob, EDGES.frame("react").put("conversationId", dm).put("targetSeq", last).put("reaction", "👍"));
            bob.sendText(new JsonObject().put("type", "read").put("conversationId", dm).put("seq", last).encode());
            // Two messages to erin, whose only device is offline: two pushes, nothing delivered.
            EdgeClients.sent(alice, EDGES.message(toErin, "are you there?"));
            EdgeClients.sent(alice, EDGES.message(toErin, "hello?"));

            // A group of three: a video, delivered to both members.
            JsonObject created = alice.actRetrying(EDGES.frame("createGroup").put("name", "Analysts")
                    .put("members", new JsonArray(List.of(b.userId(), c.userId()))), WAIT, 5);
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g1 = created.getString("conversationId");
            long video = EdgeClients.sent(alice, EDGES.message(g1, "a video").put("mediaType", "video/mp4"));
            long videoSentAt = receiveAndAck(bob, g1, video);
            receiveAndAck(carol, g1, video);
            deliveredAt(alice, g1, video, List.of(b.userId(), c.userId()))
                    .values().forEach(at -> samples.add(new Sample(videoSentAt, at)));

            // A group of five, one removed: four members; its message reaches alice and carol, erin gets a push.
            created = bob.actRetrying(EDGES.frame("createGroup").put("name", "Five").put("members",
                    new JsonArray(List.of(a.userId(), c.userId(), d.userId(), e.userId()))), WAIT, 5);
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g2 = created.getString("conversationId");
            EdgeClients.sent(bob, EDGES.frame("removeMember").put("conversationId", g2).put("userId", d.userId()));
            long hello = EdgeClients.sent(bob, EDGES.message(g2, "hello four"));
            long helloSentAt = receiveAndAck(alice, g2, hello);
            receiveAndAck(carol, g2, hello);
            deliveredAt(bob, g2, hello, List.of(a.userId(), c.userId()))
                    .values().forEach(at -> samples.add(new Sample(helloSentAt, at)));
        }
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        assertThat(samples).hasSize(8).allSatisfy(s -> assertThat(s.latency()).isNotNegative());

        // The first export reads the stack's whole log (every earlier test's traffic too): not part of the wait.
        Path incremental = dir.resolve("incremental");
        sql(EDGES.stack().settings(), "--dir", incremental.toString(), "--export-only");
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(example("daily-active-users.sql", since)).isEqualTo("day,active_users\n" + today + ",3");
            assertThat(example("messages-per-day-by-kind.sql", since)).isEqualTo(String.join("\n",
                    "day,kind,events,direct,group",
                    today + ",message,8,6,2",
                    today + ",group_created,2,0,2",
                    today + ",member_removed,1,0,1",
                    today + ",reaction,1,1,0"));
            assertThat(example("group-size-distribution.sql", since)).isEqualTo(String.join("\n",
                    "members_from,members_to,groups", "2,3,1", "4,7,1"));
            assertThat(example("media-share.sql", since)).isEqualTo(String.join("\n",
                    "day,media_type,messages,percent",
                    today + ",text,6,75.0",
                    today + ",image/jpeg,1,12.5",
                    today + ",video/mp4,1,12.5"));
            assertThat(example("push-volume.sql", since)).isEqualTo(String.join("\n",
                    "day,pushes,devices,users,conversations,max_unread", today + ",3,1,1,2,2"));
        });

        // Latency per hour of the send: 8 samples delivered, erin's 3 (two one-to-one, one in the group) not.
        Map<String, List<Long>> byHour = new TreeMap<>();
        for (Sample s : samples) {
            byHour.computeIfAbsent(hour(s.sentAt()), k -> new ArrayList<>()).add(s.latency());
        }
        String latencies = example("delivery-latency-per-hour.sql", since);
        System.out.println("delivery latency samples (ms): " + samples.stream().map(Sample::latency).toList());
        List<String> lines = latencies.lines().toList();
        assertThat(lines.get(0)).isEqualTo("hour,delivered,not_delivered,p50_ms,p90_ms,p99_ms,max_ms");
        assertThat(lines).hasSize(byHour.size() + 1);
        int totalNotDelivered = 0;
        int i = 1;
        for (Map.Entry<String, List<Long>> h : byHour.entrySet()) {
            List<Long> v = h.getValue();
            String[] row = lines.get(i++).split(",");
            assertThat(row[0]).isEqualTo(h.getKey());
            assertThat(row[1]).isEqualTo(Integer.toString(v.size()));
            totalNotDelivered += Integer.parseInt(row[2]);
            // Rounded to 0.1 ms by the query: a half may round either way in binary floating point.
            assertThat(Double.parseDouble(row[3])).isCloseTo(quantile(v, 0.5), within(0.051));
            assertThat(Double.parseDouble(row[4])).isCloseTo(quantile(v, 0.9), within(0.051));
            assertThat(Double.parseDouble(row[5])).isCloseTo(quantile(v, 0.99), within(0.051));
            assertThat(row[6]).isEqualTo(Long.toString(v.stream().mapToLong(Long::longValue).max().orElseThrow()));
        }
        assertThat(totalNotDelivered).isEqualTo(3);

        // Resumable and idempotent: the same log exported in small batches (several runs, incremental)
        // and in one fresh export hold the same rows, none twice.
        String until = LocalDateTime.ofInstant(Instant.now().minusSeconds(1), ZoneOffset.UTC).toString();
        // Batches of at most a quarter of the log's records: several, however long the stack's log is. Counted from
        // rows (each row is one record; a record makes at most one row of these tables), not from offsets: the
        // sequencer's transaction markers take offsets too, and a batch size from offsets held the whole log once.
        String counted = sql(EDGES.stack().settings(), "--dir", incremental.toString(), "--no-export", "--csv", "-e",
                "SELECT (SELECT count(*) FROM raw_events) + (SELECT count(*) FROM raw_receipts)"
                        + " + (SELECT count(*) FROM raw_pushes) AS n");
        long rows = Long.parseLong(counted.lines().reduce((first, last) -> last).orElseThrow().trim());
        Settings small = EDGES.stack().settings().with(Map.of("analytics.batch-records", Long.toString(Math.max(10, rows / 4))));
        Path batched = dir.resolve("batched");
        sql(small, "--dir", batched.toString(), "--export-only");
        sql(small, "--dir", batched.toString(), "--export-only");
        Path fresh = dir.resolve("fresh");
        sql(EDGES.stack().settings(), "--dir", fresh.toString(), "--rebuild", "--export-only");
        String counts = "SELECT (SELECT count(*) FROM raw_events WHERE sent_at < TIMESTAMP '%1$s') AS events,"
                + " (SELECT count(*) FROM raw_receipts WHERE receipt_at < TIMESTAMP '%1$s') AS receipts,"
                + " (SELECT count(*) FROM raw_pushes WHERE sent_at < TIMESTAMP '%1$s') AS pushes,"
                + " (SELECT count(*) - count(DISTINCT (log_partition, log_offset)) FROM raw_events) AS duplicate_events";
        String inBatches = sql(EDGES.stack().settings(), "--dir", batched.toString(), "--no-export", "--csv", "-e", counts.formatted(until));
        String inOne = sql(EDGES.stack().settings(), "--dir", fresh.toString(), "--no-export", "--csv", "-e", counts.formatted(until));
        System.out.println("batched: " + inBatches + "\nfresh: " + inOne);
        assertThat(inBatches).isEqualTo(inOne).endsWith(",0");
        assertThat(Files.readString(batched.resolve("_state.properties"))).as("more than one batch")
                .doesNotContain("batch=1\n").doesNotContain("batch=0");
        assertThat(Files.list(batched.resolve("events")).count()).as("day folders").isPositive();
        try (var files = Files.walk(batched)) {
            assertThat(files.filter(f -> f.toString().endsWith(".parquet")).count()).isPositive();
        }
    }

    private static String hour(long epochMillis) {
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
        return t.toLocalDate() + " " + t.toLocalTime() + ":00";
    }
}
