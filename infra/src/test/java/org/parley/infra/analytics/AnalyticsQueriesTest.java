package org.parley.infra.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.PushRequest;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import picocli.CommandLine;

/**
 * The projection's files, views and the shipped example queries (docs/analytics/*.sql) over rows made from a small
 * known log, without the stack: each query's whole answer, the batches' crash recovery and the time window.
 */
class AnalyticsQueriesTest {
    static final Path QUERIES = Path.of("..", "docs", "analytics");
    private long offset;

    @TempDir
    Path dir;

    private AnalyticsRows.Position pos() {
        return new AnalyticsRows.Position(0, offset++, 0);
    }

    private static Instant t(String time) {
        return Instant.parse(time);
    }

    private ConversationEvent event(String conversation, long seq, EventType type, String sender, String at,
                                    List<String> members) {
        return ConversationEvent.newBuilder().setEventId(conversation + "/" + seq).setConversationId(conversation)
                .setSeq(seq).setType(type).setSenderUserId(sender).setSenderDeviceId("d-" + sender)
                .setMemberUserIds(members).setSentAt(t(at)).setPayload(ByteBuffer.wrap("text".getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    private AnalyticsRows.Row receipt(String conversation, long seq, ReceiptStatus status, String by, String to, String at) {
        return AnalyticsRows.receipt(new Receipt(conversation, seq, status, by, "d-" + by, to, t(at), null), pos());
    }

    private AnalyticsRows.Row push(String device, long seq, int unread, String at) {
        return AnalyticsRows.push(PushRequest.newBuilder().setPushId(device + "/g:zzzzzzzz99/" + seq).setDeviceId(device)
                .setUserId("dave").setConversationId("g:zzzzzzzz99").setEventId("g:zzzzzzzz99/" + seq).setSeq(seq)
                .setCollapseKey("g:zzzzzzzz99").setUnreadCount(unread).setSentAt(t(at)).build(), pos());
    }

    /** The known log: two days, a one-to-one chat, two groups, receipts (one missing), pushes (one logged twice). */
    private List<AnalyticsRows.Row> log() {
        String dm = "dm:alice:bob";
        String g1 = "g:abcdefgh12";
        String g2 = "g:zzzzzzzz99";
        List<String> ab = List.of("alice", "bob");
        List<String> abc = List.of("alice", "bob", "carol");
        List<String> five = List.of("carol", "alice", "bob", "dave", "erin");
        List<AnalyticsRows.Row> rows = new ArrayList<>();
        rows.add(AnalyticsRows.event(event(dm, 1, EventType.MESSAGE, "alice", "2026-12-06T10:00:00Z", ab), pos()));
        rows.add(receipt(dm, 1, ReceiptStatus.DELIVERED, "bob", "alice", "2026-12-06T10:00:00.100Z"));
        ConversationEvent image = event(dm, 2, EventType.MESSAGE, "alice", "2026-12-06T10:00:01Z", ab);
        image.setMediaType("image/png");
        rows.add(AnalyticsRows.event(image, pos()));
        rows.add(receipt(dm, 2, ReceiptStatus.DELIVERED, "bob", "alice", "2026-12-06T10:00:01.300Z"));
        rows.add(AnalyticsRows.event(event(dm, 3, EventType.MESSAGE, "alice", "2026-12-06T10:30:00Z", ab), pos()));
        // Read before any delivery receipt: reading implies holding (its own READ), not the one told to alice.
        rows.add(receipt(dm, 3, ReceiptStatus.READ, "bob", "bob", "2026-12-06T10:30:00.050Z"));
        rows.add(receipt(dm, 3, ReceiptStatus.READ, "bob", "alice", "2026-12-06T10:30:00.050Z"));
        rows.add(AnalyticsRows.event(event(g1, 1, EventType.GROUP_CREATED, "alice", "2026-12-06T11:00:00Z", abc), pos()));
        ConversationEvent video = event(g1, 2, EventType.MESSAGE, "alice", "2026-12-06T11:05:00Z", abc);
        video.setMediaType("video/mp4");
        rows.add(AnalyticsRows.event(video, pos()));
        rows.add(receipt(g1, 2, ReceiptStatus.DELIVERED, "bob", "alice", "2026-12-06T11:05:00.200Z"));
        rows.add(receipt(g1, 2, ReceiptStatus.DELIVERED_TO_ALL, "*", "alice", "2026-12-06T11:05:00.200Z"));
        ConversationEvent created = event(g2, 1, EventType.GROUP_CREATED, "carol", "2026-12-07T09:00:00Z", five);
        rows.add(AnalyticsRows.event(created, pos()));
        ConversationEvent removed = event(g2, 2, EventType.MEMBER_REMOVED, "carol", "2026-12-07T09:01:00Z", five);
        removed.setSubjectUserIds(List.of("erin"));
        rows.add(AnalyticsRows.event(removed, pos()));
        rows.add(push("d-dave", 3, 1, "2026-12-07T09:02:00Z"));
        rows.add(push("d-dave", 4, 2, "2026-12-07T09:03:00Z"));
        AnalyticsRows.Row again = push("d-dave", 4, 2, "2026-12-07T09:03:00Z"); // a fan-out restore's duplicate
        rows.add(again);
        // Two more messages, acknowledged together: the receipt of the second covers the first (marks are cumulative).
        rows.add(AnalyticsRows.event(event(dm, 4, EventType.MESSAGE, "alice", "2026-12-06T10:45:00Z", ab), pos()));
        rows.add(AnalyticsRows.event(event(dm, 5, EventType.MESSAGE, "alice", "2026-12-06T10:45:01Z", ab), pos()));
        rows.add(receipt(dm, 5, ReceiptStatus.DELIVERED, "bob", "alice", "2026-12-06T10:45:01.400Z"));
        return rows;
    }

    private void commit(AnalyticsStore store, List<AnalyticsRows.Row> rows, long next) throws Exception {
        try (AnalyticsStore.Batch batch = store.begin()) {
            for (AnalyticsRows.Row r : rows) {
                batch.add(r);
            }
            batch.commit(Map.of("conversation-events:0", next));
        }
    }

    private String sql(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--no-export", "--csv", "--dir", dir.toString()));
        all.addAll(List.of(args));
        int code = new CommandLine(new SqlCommand(Settings.of(Map.of()), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                .execute(all.toArray(String[]::new));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    private String query(String file, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(QUERIES.resolve(file).toString());
        return sql(all.toArray(String[]::new));
    }

    private void writeLog() throws Exception {
        List<AnalyticsRows.Row> rows = log();
        try (AnalyticsStore store = AnalyticsStore.open(dir)) {
            commit(store, rows.subList(0, 8), 8);
            commit(store, rows.subList(8, rows.size()), rows.size());
        }
    }

    @Test
    void theExampleQueriesAnswerForTheKnownLog() throws Exception {
        writeLog();
        assertThat(query("daily-active-users.sql")).isEqualTo("""
                day,active_users
                2026-12-06,2
                2026-12-07,1""");
        assertThat(query("messages-per-day-by-kind.sql")).isEqualTo("""
                day,kind,events,direct,group
                2026-12-06,message,6,5,1
                2026-12-06,group_created,1,0,1
                2026-12-07,group_created,1,0,1
                2026-12-07,member_removed,1,0,1""");
        assertThat(query("group-size-distribution.sql")).isEqualTo("""
                members_from,members_to,groups
                2,3,1
                4,7,1""");
        // 10:00: 100, 300, 50 ms (the read), 1400 and 400 ms (seq 4 delivered by the receipt of seq 5): sorted
        // 50, 100, 300, 400, 1400; p90 = 400 + 0.6 * 1000, p99 = 400 + 0.96 * 1000. 11:00: bob 200 ms, carol not yet.
        assertThat(query("delivery-latency-per-hour.sql")).isEqualTo("""
                hour,delivered,not_delivered,p50_ms,p90_ms,p99_ms,max_ms
                2026-12-06 10:00:00,5,0,300.0,1000.0,1360.0,1400
                2026-12-06 11:00:00,1,1,200.0,200.0,200.0,200""");
        assertThat(query("media-share.sql")).isEqualTo("""
                day,media_type,messages,percent
                2026-12-06,text,4,66.7
                2026-12-06,image/png,1,16.7
                2026-12-06,video/mp4,1,16.7""");
        assertThat(query("push-volume.sql")).isEqualTo("""
                day,pushes,devices,users,conversations,max_unread
                2026-12-07,2,1,1,1,2""");
    }

    @Test
    void theWindowKeepsOnlyRowsOfItsTime() throws Exception {
        writeLog();
        assertThat(query("daily-active-users.sql", "--since", "2026-12-07")).isEqualTo("""
                day,active_users
                2026-12-07,1""");
        assertThat(query("push-volume.sql", "--until", "2026-12-07")).isEqualTo("day,pushes,devices,users,conversations,max_unread");
        assertThat(sql("--since", "2026-12-06T10:15Z", "--until", "2026-12-06T11:00Z", "-e",
                "SELECT count(*) AS n FROM events")).isEqualTo("n\n3");
    }

    @Test
    void aBatchWrittenButNotCommittedIsRemovedAndWrittenAgainOnce() throws Exception {
        List<AnalyticsRows.Row> rows = log();
        try (AnalyticsStore store = AnalyticsStore.open(dir)) {
            commit(store, rows.subList(0, 8), 8);
            try (AnalyticsStore.Batch batch = store.begin()) {
                for (AnalyticsRows.Row r : rows.subList(8, rows.size())) {
                    batch.add(r);
                }
                batch.writeFiles(); // the export stops here: files written, state not
            }
        }
        assertThat(Files.walk(dir).filter(f -> f.getFileName().toString().startsWith("b0000000002_")).count()).isPositive();
        try (AnalyticsStore store = AnalyticsStore.open(dir)) {
            assertThat(store.batch()).isEqualTo(1);
            assertThat(store.offsets()).containsEntry("conversation-events:0", 8L);
            assertThat(Files.walk(dir).filter(f -> f.getFileName().toString().startsWith("b0000000002_")).count()).isZero();
            assertThat(sql("-e", "SELECT count(*) AS n FROM raw_events")).isEqualTo("n\n4");
            commit(store, rows.subList(8, rows.size()), rows.size());
        }
        assertThat(sql("-e", "SELECT count(*) AS n, count(DISTINCT (log_partition, log_offset)) AS distinct_positions"
                + " FROM (SELECT log_partition, log_offset FROM raw_events UNION ALL SELECT log_partition, log_offset"
                + " FROM raw_receipts UNION ALL SELECT log_partition, log_offset FROM raw_pushes)"))
                .isEqualTo("n,distinct_positions\n" + rows.size() + "," + rows.size());
    }

    @Test
    void anEmptyProjectionHasEveryViewAndOneExportAtATimeWritesIt() throws Exception {
        assertThat(sql("-e", "SELECT count(*) AS n FROM delivery_latency")).isEqualTo("n\n0");
        assertThat(sql(QUERIES.resolve("group-size-distribution.sql").toString())).isEqualTo("members_from,members_to,groups");
        try (AnalyticsStore store = AnalyticsStore.open(dir)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> AnalyticsStore.open(dir))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("another export");
        }
    }
}
