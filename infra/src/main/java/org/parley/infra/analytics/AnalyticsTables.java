package org.parley.infra.analytics;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The analytics projection's tables: one folder of Parquet files each, partitioned by day ({@code day=YYYY-MM-DD/}),
 * written by {@link AnalyticsExport} from one topic each. Metadata only: ids, kinds, timestamps, sizes, counts; never
 * a payload, an envelope body, a reaction, a group's name or a system text (docs/analytics.md).
 */
public final class AnalyticsTables {
    /** One column: its name and DuckDB type. */
    public record Column(String name, String type) {
    }

    /**
     * One table: its folder name, the settings key of the topic it comes from, its columns (in row order, {@code day}
     * last), and the column whose time decides the day and the {@code --since}/{@code --until} window.
     */
    public record Table(String name, String topicKey, List<Column> columns, String timeColumn) {
        public String ddl() {
            return columns.stream().map(c -> c.name() + " " + c.type()).collect(Collectors.joining(", "));
        }

        public int width() {
            return columns.size();
        }
    }

    private static Column c(String name, String type) {
        return new Column(name, type);
    }

    public static final Table EVENTS = new Table("events", "topic.conversation-events", List.of(
            c("event_id", "VARCHAR"), c("conversation_id", "VARCHAR"), c("conversation_kind", "VARCHAR"),
            c("seq", "BIGINT"), c("type", "VARCHAR"), c("sender_user_id", "VARCHAR"), c("sender_device_id", "VARCHAR"),
            c("sent_at", "TIMESTAMP"), c("media_type", "VARCHAR"), c("has_media_object", "BOOLEAN"),
            c("payload_bytes", "INTEGER"), c("encrypted", "BOOLEAN"), c("envelope_count", "INTEGER"),
            c("envelope_bytes", "BIGINT"), c("target_seq", "BIGINT"), c("reply_to_seq", "BIGINT"),
            c("forward_count", "INTEGER"), c("private", "BOOLEAN"), c("subject_count", "INTEGER"),
            c("member_count", "INTEGER"), c("group_size", "INTEGER"), c("recipient_user_ids", "VARCHAR[]"),
            c("log_partition", "INTEGER"), c("log_offset", "BIGINT"), c("day", "DATE")), "sent_at");

    public static final Table RECEIPTS = new Table("receipts", "topic.receipts", List.of(
            c("conversation_id", "VARCHAR"), c("conversation_kind", "VARCHAR"), c("seq", "BIGINT"),
            c("status", "VARCHAR"), c("by_user_id", "VARCHAR"), c("by_device_id", "VARCHAR"), c("to_user_id", "VARCHAR"),
            c("receipt_at", "TIMESTAMP"), c("log_partition", "INTEGER"), c("log_offset", "BIGINT"), c("day", "DATE")),
            "receipt_at");

    public static final Table DELIVERIES = new Table("deliveries", "topic.deliveries", List.of(
            c("device_id", "VARCHAR"), c("user_id", "VARCHAR"), c("inbox_seq", "BIGINT"), c("kind", "VARCHAR"),
            c("conversation_id", "VARCHAR"), c("seq", "BIGINT"), c("event_type", "VARCHAR"),
            c("receipt_status", "VARCHAR"), c("live", "BOOLEAN"), c("happened_at", "TIMESTAMP"),
            c("routed_at", "TIMESTAMP"), c("log_partition", "INTEGER"), c("log_offset", "BIGINT"), c("day", "DATE")),
            "happened_at");

    public static final Table PUSHES = new Table("pushes", "topic.push-requests", List.of(
            c("push_id", "VARCHAR"), c("device_id", "VARCHAR"), c("user_id", "VARCHAR"), c("conversation_id", "VARCHAR"),
            c("event_id", "VARCHAR"), c("seq", "BIGINT"), c("unread_count", "INTEGER"), c("sent_at", "TIMESTAMP"),
            c("requested_at", "TIMESTAMP"), c("log_partition", "INTEGER"), c("log_offset", "BIGINT"), c("day", "DATE")),
            "sent_at");

    public static final Table DEVICES = new Table("devices", "topic.devices", List.of(
            c("device_id", "VARCHAR"), c("user_id", "VARCHAR"), c("registered_at", "TIMESTAMP"), c("revoked", "BOOLEAN"),
            c("primary_device", "BOOLEAN"), c("recorded_at", "TIMESTAMP"), c("log_partition", "INTEGER"),
            c("log_offset", "BIGINT"), c("day", "DATE")), "registered_at");

    /** Every table, in the order the export writes them. */
    public static final List<Table> ALL = List.of(EVENTS, RECEIPTS, DELIVERIES, PUSHES, DEVICES);

    private AnalyticsTables() {
    }

    public static Table byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no analytics table '" + name + "'"));
    }
}
