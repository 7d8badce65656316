package org.parley.fanout;

import java.util.List;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.parley.serde.TrustedEventClasses;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.PushRequest;
import org.parley.events.Receipt;

/**
 * The fan-out job graph, independent of where it runs (local MiniCluster or a real cluster) and of its I/O
 * (Kafka in production, stubs in tests):
 *
 * <pre>
 * conversation-events ─ member-expansion (events) ───┐
 * receipts ─────────── member-expansion (receipts) ──┼─ user-items sink
 * devices ──────────── device-changes ───────────────┘
 *
 * user-items (the same topic, read back) ─ keyBy user ─ user-device-directory ─ keyBy device ─┐
 * device-sessions ────────────────────────────────────────────────────────── keyBy device ───┴─ device-inbox-sequencer
 *     device-inbox-sequencer ─┬─ inbox-entries (no markers) ─ deliveries sink
 *                             ├─ routed-to-edge (edgeId set) ─ edge-deliveries sink
 *                             └─ keyBy device ─ push-decision ─ push-requests sink
 * </pre>
 *
 * <p>Why the loop through Kafka (ADR 0006): a user's items come from many partitions (all its conversations, and
 * receipts) and its device changes from another topic, so their interleaving is an accident of timing and differs on
 * a replay. Written to one partition of {@code user-items} they get one order, which the second half reads again
 * identically after any restore: which devices get an item, and in which order each device gets its items (so its
 * inbox seqs), depend on that order only. The items the first half (stateless) writes again after a restore are
 * dropped by position at the sequencer; so an inbox seq, once assigned, always names the same item, and a device
 * registered before an item was written gets it on a replay too.
 *
 * Every operator has a fixed name (what the dashboard shows) and a fixed uid (what checkpoints are matched by:
 * never change a uid, or the state of that operator is not restored).
 */
public final class FanoutTopology {
    // Flink shows sources as "Source: <name>" and a sink as "<name>: Writer" (+ "<name>: Committer").
    public static final String SOURCE_EVENTS = "conversation-events";
    public static final String SOURCE_RECEIPTS = "receipts";
    public static final String SOURCE_DEVICES = "devices";
    public static final String SOURCE_SESSIONS = "device-sessions";
    public static final String EXPAND_EVENTS = "member-expansion (events)";
    public static final String EXPAND_RECEIPTS = "member-expansion (receipts)";
    public static final String DEVICE_CHANGES = "device-changes";
    public static final String SINK_USER_ITEMS = "user-items sink";
    public static final String SOURCE_USER_ITEMS = "user-items";
    public static final String DIRECTORY = "user-device-directory";
    public static final String SEQUENCER = "device-inbox-sequencer";
    public static final String FILTER_INBOX = "inbox-entries";
    public static final String FILTER_ROUTED = "routed-to-edge";
    public static final String SINK_DELIVERIES = "deliveries sink";
    public static final String SINK_EDGE_DELIVERIES = "edge-deliveries sink";
    public static final String PUSH_DECISION = "push-decision";
    public static final String SINK_PUSH_REQUESTS = "push-requests sink";

    /** Every operator name the graph must contain (as shown: with Flink's "Source: " / ": Writer" decorations). */
    public static final List<String> OPERATOR_NAMES = List.of(SOURCE_EVENTS, SOURCE_RECEIPTS, SOURCE_DEVICES,
            SOURCE_SESSIONS, EXPAND_EVENTS, EXPAND_RECEIPTS, DEVICE_CHANGES, SINK_USER_ITEMS, SOURCE_USER_ITEMS,
            DIRECTORY, SEQUENCER, FILTER_INBOX, FILTER_ROUTED, SINK_DELIVERIES, SINK_EDGE_DELIVERIES, PUSH_DECISION, SINK_PUSH_REQUESTS);

    public static final String UID_SOURCE_EVENTS = "source-conversation-events";
    public static final String UID_SOURCE_RECEIPTS = "source-receipts";
    public static final String UID_SOURCE_DEVICES = "source-devices";
    public static final String UID_SOURCE_SESSIONS = "source-device-sessions";
    public static final String UID_EXPAND_EVENTS = "member-expansion-events";
    public static final String UID_EXPAND_RECEIPTS = "member-expansion-receipts";
    public static final String UID_DEVICE_CHANGES = "device-changes";
    public static final String UID_SINK_USER_ITEMS = "sink-user-items";
    public static final String UID_SOURCE_USER_ITEMS = "source-user-items";
    public static final String UID_DIRECTORY = "user-device-directory";
    public static final String UID_SEQUENCER = "device-inbox-sequencer";
    public static final String UID_FILTER_INBOX = "filter-inbox-entries";
    public static final String UID_FILTER_ROUTED = "filter-routed-to-edge";
    public static final String UID_SINK_DELIVERIES = "sink-deliveries";
    public static final String UID_SINK_EDGE_DELIVERIES = "sink-edge-deliveries";
    public static final String UID_PUSH_DECISION = "push-decision";
    public static final String UID_SINK_PUSH_REQUESTS = "sink-push-requests";

    public static final List<String> UIDS = List.of(UID_SOURCE_EVENTS, UID_SOURCE_RECEIPTS, UID_SOURCE_DEVICES,
            UID_SOURCE_SESSIONS, UID_EXPAND_EVENTS, UID_EXPAND_RECEIPTS, UID_DEVICE_CHANGES, UID_SINK_USER_ITEMS,
            UID_SOURCE_USER_ITEMS, UID_DIRECTORY, UID_SEQUENCER, UID_FILTER_INBOX, UID_FILTER_ROUTED, UID_SINK_DELIVERIES,
            UID_SINK_EDGE_DELIVERIES, UID_PUSH_DECISION, UID_SINK_PUSH_REQUESTS);

    static {
        TrustedEventClasses.install();
    }

    /** Intermediate types, declared rather than extracted: a POJO with Avro fields, never Kryo. */
    static final TypeInformation<MemberItem> MEMBER_ITEM = Types.POJO(MemberItem.class);
    static final TypeInformation<DeviceItem> DEVICE_ITEM = new AvroTypeInfo<>(DeviceItem.class);
    static final TypeInformation<DeviceDelivery> DEVICE_DELIVERY = new AvroTypeInfo<>(DeviceDelivery.class);
    static final TypeInformation<PushRequest> PUSH_REQUEST = new AvroTypeInfo<>(PushRequest.class);

    private FanoutTopology() {
    }

    /** Adds the fan-out graph to {@code env}. Returns the sequencer's output (all deliveries, markers included). */
    public static DataStream<DeviceDelivery> build(StreamExecutionEnvironment env, FanoutSources sources,
            FanoutSinks sinks, PushPolicy push) {
        SingleOutputStreamOperator<ConversationEvent> events = sources.conversationEvents(env)
                .name(SOURCE_EVENTS).uid(UID_SOURCE_EVENTS);
        SingleOutputStreamOperator<Receipt> receipts = sources.receipts(env)
                .name(SOURCE_RECEIPTS).uid(UID_SOURCE_RECEIPTS);
        SingleOutputStreamOperator<DeviceRecord> devices = sources.devices(env)
                .name(SOURCE_DEVICES).uid(UID_SOURCE_DEVICES);
        SingleOutputStreamOperator<DeviceSession> sessions = sources.deviceSessions(env)
                .name(SOURCE_SESSIONS).uid(UID_SOURCE_SESSIONS);

        DataStream<MemberItem> eventMembers = events
                .flatMap(new MemberExpansion.OfEvent(), MEMBER_ITEM)
                .name(EXPAND_EVENTS).uid(UID_EXPAND_EVENTS)
                .setDescription("ConversationEvent -> one item per member user (the sending device excluded)");
        DataStream<MemberItem> receiptMembers = receipts
                .flatMap(new MemberExpansion.OfReceipt(), MEMBER_ITEM)
                .name(EXPAND_RECEIPTS).uid(UID_EXPAND_RECEIPTS)
                .setDescription("Receipt -> one item for the message's sender (toUserId)");

        DataStream<MemberItem> deviceChanges = devices
                .map(new DeviceChange(), MEMBER_ITEM)
                .name(DEVICE_CHANGES).uid(UID_DEVICE_CHANGES)
                .setDescription("DeviceRecord -> a change of the user's devices, into the same log as its items");

        sinks.userItems(eventMembers.union(receiptMembers, deviceChanges))
                .name(SINK_USER_ITEMS).uid(UID_SINK_USER_ITEMS);
        DataStream<DeviceItem> deviceItems = sources.userItems(env)
                .name(SOURCE_USER_ITEMS).uid(UID_SOURCE_USER_ITEMS)
                .keyBy(new KeySelectors.MemberItemUser(), Types.STRING)
                .process(new UserDeviceDirectory(), DEVICE_ITEM)
                .name(DIRECTORY).uid(UID_DIRECTORY)
                .setDescription("keyed by user; state: the user's devices; one item per device, in the log's order");

        DataStream<DeviceDelivery> deliveries = deviceItems
                .keyBy(new KeySelectors.DeviceItemDevice(), Types.STRING)
                .connect(sessions.keyBy(new KeySelectors.DeviceSessionDevice(), Types.STRING))
                .process(new DeviceInboxSequencer(), DEVICE_DELIVERY)
                .name(SEQUENCER).uid(UID_SEQUENCER)
                .setDescription("keyed by device; state: last inbox seq, current session, delivered positions; "
                        + "drops replayed items, assigns inbox seqs, routes to the live session's edge, emits sync "
                        + "markers on session open");

        sinks.inbox(deliveries
                        .filter(new IsInboxEntry())
                        .name(FILTER_INBOX).uid(UID_FILTER_INBOX)
                        .setDescription("every delivery but sync markers and session-replaced notices"))
                .name(SINK_DELIVERIES).uid(UID_SINK_DELIVERIES);
        sinks.edges(deliveries
                        .filter(new IsRoutedToEdge())
                        .name(FILTER_ROUTED).uid(UID_FILTER_ROUTED)
                        .setDescription("deliveries (incl. sync markers) for a device with a live session"))
                .name(SINK_EDGE_DELIVERIES).uid(UID_SINK_EDGE_DELIVERIES);
        sinks.pushRequests(deliveries
                        .keyBy(new KeySelectors.DeliveryDevice(), Types.STRING)
                        .process(new PushDecision(push), PUSH_REQUEST)
                        .name(PUSH_DECISION).uid(UID_PUSH_DECISION)
                        .setDescription("keyed by device; state: mutes of the device's user, unread pushes per "
                                + "conversation; one push request per message for an offline device"))
                .name(SINK_PUSH_REQUESTS).uid(UID_SINK_PUSH_REQUESTS);
        return deliveries;
    }

    /** A {@code devices} record as a change of its user's devices. */
    public static final class DeviceChange implements MapFunction<DeviceRecord, MemberItem> {
        @Override
        public MemberItem map(DeviceRecord record) {
            return MemberItem.ofDevice(record);
        }
    }

    /** Inbox entries: everything with an inbox seq, i.e. no sync markers and no session-replaced notices. */
    public static final class IsInboxEntry implements FilterFunction<DeviceDelivery> {
        @Override
        public boolean filter(DeviceDelivery d) {
            return d.getKind() != DeliveryKind.SYNC_MARKER && d.getKind() != DeliveryKind.SESSION_REPLACED;
        }
    }

    /** Deliveries for a connected device (markers included): they also go to that edge. */
    public static final class IsRoutedToEdge implements FilterFunction<DeviceDelivery> {
        @Override
        public boolean filter(DeviceDelivery d) {
            return d.getEdgeId() != null;
        }
    }
}
