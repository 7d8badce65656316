package org.parley.projections;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which tables of the read model ({@code /cql/schema.cql}) the log rebuilds and which it cannot: the projection
 * writer's tables are computed from the topics alone, so a replay of the topics into an empty keyspace rebuilds them
 * row for row (DESIGN invariant 5; {@code ./parley replay} checks it). The other tables hold state that is not in any
 * topic; each says where it comes from. Every table of the schema is in exactly one of the two lists (a test checks
 * it), so a new table needs a decision.
 */
public final class ReadModelTables {
    private ReadModelTables() {
    }

    /** Tables the projection writer writes from the topics: a replay rebuilds them and must equal the live ones. */
    public static final List<String> REBUILT_FROM_LOG = List.of(
            "devices", "devices_by_user", "messages", "message_envelopes", "inbox", "conversation_heads",
            "conversation_members", "user_conversations", "groups", "reactions", "hidden_messages", "user_settings",
            "presence", "media_references", "group_departures", "device_keys", "one_time_prekeys", "prekey_claims",
            "member_receipts", "user_media_settings", "media_reference_times", "device_grants",
            "message_search", "message_search_buckets");

    /** Tables not rebuilt by a replay, each with the reason: their state is not in the log. */
    public static final Map<String, String> NOT_FROM_LOG;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device_cursors", "each device's acknowledged inbox seq, written by the edge on ack (acks are not logged)");
        m.put("push_subscriptions", "written by the edge (PUT /v1/push-subscription); not a topic");
        m.put("push_dispatches", "the push dispatcher's dedup ledger (claims by LWT, expiring); its own state");
        m.put("device_slots", "written by the edge at registration and linking (LWT); not a topic");
        m.put("media_uploads", "written by the edge for uploads in progress; not a topic");
        m.put("media_swept", "objects the media sweeper removed from the bucket (S3 state, not in the log)");
        m.put("identities", "identity bindings, written by the edge at registration (LWT); not a topic");
        m.put("user_identities", "identity bindings and registration locks, written by the edge; not a topic");
        m.put("verification_codes", "one-time registration codes (HMACs) and rate limits, expiring; not a topic");
        m.put("device_provisioning", "the provisioning relay's sealed messages, taken once and expiring; not a topic");
        NOT_FROM_LOG = java.util.Collections.unmodifiableMap(m);
    }
}
