package org.parley.schemas;

import java.util.List;
import org.apache.avro.Schema;
import org.parley.config.Settings;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.PushRequest;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.Presence;
import org.parley.events.Receipt;
import org.parley.events.TypingSignal;
import org.parley.events.UserItem;
import org.parley.events.UserSettings;

/**
 * Every topic of the log: its configured name, value schema, partitioning and retention intent.
 * docs/topics.md is the human-readable catalog; keep both in step.
 */
public record TopicCatalog(
        Topic actions,
        Topic conversationEvents,
        Topic receipts,
        Topic actionResults,
        Topic deliveries,
        Topic edgeDeliveries,
        Topic devices,
        Topic deviceSessions,
        Topic userItems,
        Topic userSettings,
        Topic pushRequests,
        Topic signals,
        Topic presence,
        Topic edgeHeartbeats,
        Topic keyDirectory) {

    /** How a topic is partitioned and cleaned up. */
    public enum Layout {
        /** keyed by conversation/device, {@code topic.partitions} partitions, kept forever (the log). */
        KEYED_LOG,
        /** partition = edge instance, {@code topic.edge-partitions} partitions, short retention. */
        PER_EDGE,
        /** keyed, compacted (latest value per key). */
        COMPACTED,
        /** keyed, {@code topic.partitions} partitions, kept {@code topic.transient-retention-ms}: work orders that
         *  are worthless once old (push requests) and the fan-out's internal user-items log. */
        KEYED_TRANSIENT,
        /** keyed, deleted after {@code topic.signals-retention-ms}: ephemeral signals nobody replays (typing). */
        SHORT_LIVED
    }

    public record Topic(String name, Schema valueSchema, Layout layout) {
        /** Confluent TopicNameStrategy subject for the value. */
        public String valueSubject() {
            return name + "-value";
        }
    }

    public static TopicCatalog from(Settings s) {
        return new TopicCatalog(
                new Topic(s.get("topic.actions"), ClientAction.getClassSchema(), Layout.KEYED_LOG),
                new Topic(s.get("topic.conversation-events"), ConversationEvent.getClassSchema(), Layout.KEYED_LOG),
                new Topic(s.get("topic.receipts"), Receipt.getClassSchema(), Layout.KEYED_LOG),
                new Topic(s.get("topic.action-results"), ActionResult.getClassSchema(), Layout.PER_EDGE),
                new Topic(s.get("topic.deliveries"), DeviceDelivery.getClassSchema(), Layout.KEYED_LOG),
                new Topic(s.get("topic.edge-deliveries"), DeviceDelivery.getClassSchema(), Layout.PER_EDGE),
                new Topic(s.get("topic.devices"), DeviceRecord.getClassSchema(), Layout.COMPACTED),
                new Topic(s.get("topic.device-sessions"), DeviceSession.getClassSchema(), Layout.COMPACTED),
                new Topic(s.get("topic.user-items"), UserItem.getClassSchema(), Layout.KEYED_TRANSIENT),
                new Topic(s.get("topic.user-settings"), UserSettings.getClassSchema(), Layout.COMPACTED),
                new Topic(s.get("topic.push-requests"), PushRequest.getClassSchema(), Layout.KEYED_TRANSIENT),
                new Topic(s.get("topic.signals"), TypingSignal.getClassSchema(), Layout.SHORT_LIVED),
                new Topic(s.get("topic.presence"), Presence.getClassSchema(), Layout.COMPACTED),
                new Topic(s.get("topic.edge-heartbeats"), EdgeHeartbeat.getClassSchema(), Layout.COMPACTED),
                // Uploads, one-time prekey claims and removals, key = device id: every fact of a device in one order,
                // kept forever (not compacted: a claim must never be lost, or a replay would hand its key out again).
                new Topic(s.get("topic.key-directory"), KeyDirectoryFact.getClassSchema(), Layout.KEYED_LOG));
    }

    public List<Topic> all() {
        return List.of(actions, conversationEvents, receipts, actionResults, deliveries, edgeDeliveries, devices,
                deviceSessions, userItems, userSettings, pushRequests, signals, presence, edgeHeartbeats, keyDirectory);
    }

    public Topic byName(String name) {
        return all().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown topic '" + name + "'; known: "
                        + all().stream().map(Topic::name).toList()));
    }
}
