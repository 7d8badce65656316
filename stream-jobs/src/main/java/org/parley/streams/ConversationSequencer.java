package org.parley.streams;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.GroupState;
import org.parley.events.MessageRef;
import org.parley.events.Receipt;
import org.parley.events.UserSettings;

/**
 * Assigns each conversation's events the seq 1, 2, 3, ... (no gap, no repeat), enforces the conversation rules
 * (membership, admins, group limits, message targets and windows) and deduplicates retries by (conversation, sender
 * device, client message id): a retry gets the original seq back and creates no event. Its state (one store,
 * {@link SequencerState}) is changelogged and written in the same exactly-once transaction as the outputs, so after a
 * crash every event keeps its seq.
 * Input is partitioned by conversation id, so one task owns a conversation, its group state and its receipts.
 */
public class ConversationSequencer implements Processor<String, ClientAction, String, SequencerOutput> {
    /**
     * The one state store: heads, retry dedup entries ((conversation, sender device, client message id) → seq,
     * timestamped), group states, message refs and member watermarks, each under its own key prefix
     * ({@link SequencerState}).
     */
    public static final String STATE_STORE = SequencerState.STORE;
    /** Global store of the user-settings topic (read receipts privacy). */
    public static final String USER_SETTINGS_STORE = "user-settings-global";
    /** How often expired dedup entries and message facts are purged (wall-clock). */
    static final Duration PURGE_INTERVAL = Duration.ofMinutes(10);

    /** Group conversations whose decoded state this task keeps (least recently used first out). */
    static final int GROUP_CACHE_SIZE = 64;

    private final SequencerRules rules;
    /**
     * Decoded group state and its member view, by conversation: every ack in a 1,024-member group would otherwise read,
     * decode and sort the whole member list again. This processor is the store's only writer (every put goes through
     * {@link #putGroup}) and init() starts the cache empty (a restored or revived task), so it never differs from the
     * store.
     */
    private final Map<String, ConversationAccess> groupCache = new LinkedHashMap<>(GROUP_CACHE_SIZE, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ConversationAccess> eldest) {
            return size() > GROUP_CACHE_SIZE;
        }
    };

    private ProcessorContext<String, SequencerOutput> context;
    private KeyValueStore<String, Long> heads;
    private TimestampedKeyValueStore<String, Long> seqByClientMessage;
    private KeyValueStore<String, GroupState> groups;
    private TimestampedKeyValueStore<String, UserSettings> settings;
    private MessageTargets targets;
    private ReceiptLedger ledger;

    private final Serde<GroupState> groupSerde;
    private final Serde<MessageRef> refSerde;

    /** @param groupSerde and {@code refSerde}: how group states and message refs are stored (Avro, by registry id) */
    public ConversationSequencer(SequencerRules rules, Serde<GroupState> groupSerde, Serde<MessageRef> refSerde) {
        this.rules = rules;
        this.groupSerde = groupSerde;
        this.refSerde = refSerde;
    }

    @Override
    public void init(ProcessorContext<String, SequencerOutput> context) {
        this.context = context;
        KeyValueStore<String, byte[]> state = context.getStateStore(STATE_STORE);
        String subjects = context.applicationId() + "-" + STATE_STORE + "-";
        this.heads = SequencerState.longs(state, SequencerState.Kind.HEADS);
        this.seqByClientMessage = SequencerState.timestampedLongs(state, SequencerState.Kind.CLIENT_MESSAGE_IDS);
        this.groups = SequencerState.view(state, SequencerState.Kind.GROUPS, groupSerde,
                subjects + SequencerState.Kind.GROUPS.label);
        this.groupCache.clear();
        this.settings = context.getStateStore(USER_SETTINGS_STORE);
        this.targets = new MessageTargets(SequencerState.view(state, SequencerState.Kind.MESSAGE_REFS, refSerde,
                subjects + SequencerState.Kind.MESSAGE_REFS.label));
        this.ledger = new ReceiptLedger(SequencerState.longs(state, SequencerState.Kind.WATERMARKS), targets);
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::purge);
    }

    @Override
    public void process(Record<String, ClientAction> record) {
        ClientAction action = record.value();
        if (action == null) {
            return;
        }
        try {
            // One task owns a conversation only because the conversation id is the partition key. An action keyed
            // otherwise would be sequenced by whichever task its key lands on, from that task's head: two tasks could
            // hand out the same seq, and its event would go to a partition other than the conversation's.
            if (!action.getConversationId().equals(record.key())) {
                throw new Rejection("WRONG_KEY", "actions are keyed by conversation id; key " + record.key()
                        + " is not " + action.getConversationId());
            }
            switch (action.getType()) {
                case DELIVERY_RECEIPT -> delivered(record, action);
                case READ_RECEIPT -> read(record, action);
                case UNKNOWN -> throw new Rejection("UNKNOWN_ACTION", "action type " + action.getType() + " is not supported");
                default -> sequence(record, action);
            }
        } catch (Rejection r) {
            reject(record, action, r.code(), r.getMessage());
        }
    }

    /** Every action that becomes a conversation event: validated, deduplicated, given the next seq. */
    private void sequence(Record<String, ClientAction> record, ClientAction a) {
        String clientMessageId = a.getClientMessageId();
        if (clientMessageId == null || clientMessageId.isBlank()) {
            throw new Rejection("MISSING_FIELD", "clientMessageId is required");
        }
        String dedupKey = a.getConversationId() + '\u0000' + a.getSenderDeviceId() + '\u0000' + clientMessageId;
        ValueAndTimestamp<Long> original = seqByClientMessage.get(dedupKey);
        if (original != null) {
            result(record, a, accepted(a, original.value(), true));
            return;
        }
        ConversationAccess cached = group(a.getConversationId());
        GroupState group = cached == null ? null : cached.group();
        Long head = heads.get(a.getConversationId());
        long seq = (head == null ? 0 : head) + 1;

        ConversationEvent.Builder event;
        ConversationAccess after;
        if (isGroupAction(a.getType())) {
            GroupCommands.Change change = GroupCommands.apply(group, a, seq, rules);
            after = putGroup(a.getConversationId(), change.next());
            event = newEvent(a, seq, change.type(), change.deliverTo())
                    .setSubjectUserIds(change.subjects())
                    .setGroup(change.next().getInfo())
                    .setSystemText(change.systemText());
        } else {
            after = cached != null ? cached : access(a, null);
            after.requireMember(a.getSenderUserId());
            event = messageEvent(a, after, seq, head == null ? 0 : head);
        }

        heads.put(a.getConversationId(), seq);
        seqByClientMessage.put(dedupKey, ValueAndTimestamp.make(seq, record.timestamp()));
        ConversationEvent built = event.build();
        context.forward(record.withValue(SequencerOutput.of(built)));
        result(record, a, accepted(a, seq, false));
        if (built.getType() == EventType.MESSAGE) {
            targets.remember(a.getConversationId(), seq,
                    new MessageRef(a.getSenderUserId(), a.getReceivedAt().toEpochMilli(), false, a.getMediaObjectId()));
            // The sender's last message matters only to a group's all-members receipts (the laggard's own
            // messages): in a one-to-one conversation nothing reads it, so it costs no changelog record there.
            if (after.isGroup()) {
                ledger.sent(a.getConversationId(), a.getSenderUserId(), seq);
            }
        } else if (isGroupAction(a.getType())) {
            receipts(record, ledger.membersChanged(after, a.getReceivedAt()));
        }
    }

    /** Messages and the operations on them: each operation's target is checked before it takes a seq. */
    private ConversationEvent.Builder messageEvent(ClientAction a, ConversationAccess c, long seq, long head) {
        String user = a.getSenderUserId();
        long now = a.getReceivedAt().toEpochMilli();
        return switch (a.getType()) {
            case SEND_MESSAGE -> {
                if (a.getReplyToSeq() != null) {
                    targets.require(c, user, a.getReplyToSeq(), head, false);
                }
                if (a.getForwardCount() < 0) {
                    throw new Rejection("INVALID_FIELD", "forwardCount must not be negative");
                }
                boolean withEnvelopes = a.getEnvelopes() != null && !a.getEnvelopes().isEmpty();
                boolean payload = a.getPayload() != null && a.getPayload().remaining() > 0;
                if (withEnvelopes && c.isGroup() && !payload) {
                    throw new Rejection("INVALID_FIELD", "a group message carries its Sender Key ciphertext in"
                            + " 'payload'; its envelopes carry only the key distribution to member devices");
                }
                // One-to-one, the envelopes are the content (encrypted). In a group the payload is (one Sender Key
                // ciphertext for all) and the envelopes carry the sender's key distribution pairwise (docs/adr/0012).
                // Envelopes pass through as they are: the edge checked the devices, the fan-out gives each device its
                // own (only member devices receive the event at all); the server reads none of them.
                boolean encrypted = withEnvelopes && !c.isGroup();
                yield newEvent(a, seq, EventType.MESSAGE, c.members())
                        .setReplyToSeq(a.getReplyToSeq())
                        .setForwardCount(a.getForwardCount())
                        .setMediaObjectId(a.getMediaObjectId())
                        .setForwardedManyTimes(a.getForwardCount() > rules.forwardedManyTimesAfter())
                        .setPayload(a.getPayload())
                        .setEncrypted(encrypted)
                        .setEnvelopes(withEnvelopes ? List.copyOf(a.getEnvelopes()) : null);
            }
            case REACT -> {
                targets.require(c, user, a.getTargetSeq(), head, false);
                if (sealed(a, c)) {
                    // End to end (docs/e2e.md): the emoji, or its removal, is in the envelopes (one-to-one) or the
                    // Sender Key payload (group); the server keeps sender, target and kind only.
                    yield sealedContent(newEvent(a, seq, EventType.REACTION, c.members()).setTargetSeq(a.getTargetSeq()),
                            a, c);
                }
                if (a.getReaction() == null || a.getReaction().length() > 32) {
                    throw new Rejection("INVALID_FIELD", "reaction is an emoji of at most 32 characters (empty removes it)");
                }
                yield newEvent(a, seq, EventType.REACTION, c.members()).setTargetSeq(a.getTargetSeq())
                        .setReaction(a.getReaction());
            }
            case EDIT_MESSAGE -> {
                MessageRef target = targets.require(c, user, a.getTargetSeq(), head, false);
                if (!target.getSenderUserId().equals(user)) {
                    throw new Rejection("NOT_THE_SENDER", "only the sender edits a message");
                }
                requireWithin(target, now, rules.editWindow(), "edited");
                ConversationEvent.Builder edited = newEvent(a, seq, EventType.MESSAGE_EDITED, c.members())
                        .setTargetSeq(a.getTargetSeq());
                // One-to-one end to end: the new content is in per-device envelopes, as a message's.
                yield sealed(a, c) ? sealedContent(edited, a, c) : edited.setPayload(a.getPayload());
            }
            case DELETE_FOR_EVERYONE -> {
                MessageRef target = targets.require(c, user, a.getTargetSeq(), head, false);
                if (!target.getSenderUserId().equals(user) && !c.isAdmin(user)) {
                    throw new Rejection(c.isGroup() ? "NOT_AN_ADMIN" : "NOT_THE_SENDER",
                            "only the sender" + (c.isGroup() ? " or a group admin" : "") + " deletes a message for everyone");
                }
                requireWithin(target, now, rules.deleteWindow(), "deleted for everyone");
                targets.remember(a.getConversationId(), a.getTargetSeq(),
                        MessageRef.newBuilder(target).setDeleted(true).build());
                // The deleted message's attachment object, so that the projection stops granting its download.
                yield newEvent(a, seq, EventType.MESSAGE_DELETED, c.members()).setTargetSeq(a.getTargetSeq())
                        .setMediaObjectId(target.getMediaObjectId()).setPayload(ByteBuffer.allocate(0));
            }
            case DELETE_FOR_ME -> {
                targets.require(c, user, a.getTargetSeq(), head, true);
                yield privateEvent(a, seq, EventType.HIDDEN_FOR_ME).setTargetSeq(a.getTargetSeq());
            }
            case SET_MUTE -> {
                if (a.getMuteUntil() == null || a.getMuteUntil() < 0) {
                    throw new Rejection("INVALID_FIELD", "muteUntil is epoch millis, 0 to unmute");
                }
                yield privateEvent(a, seq, EventType.MUTE_CHANGED).setMuteUntil(a.getMuteUntil());
            }
            // The edge announces a member's re-registration (a new primary after proving its identifier) in each of
            // its conversations; every member's devices learn it (safety numbers build on it).
            case ANNOUNCE_IDENTITY -> newEvent(a, seq, EventType.IDENTITY_CHANGED, c.members());
            // The edge announces a member's device-list change (a companion linked or unlinked; the sender device is
            // that device) in its one-to-one conversations: peers' SDKs drop their cached bundles of the user and show
            // the change, so a device the server adds on its own does not go unnoticed. No content.
            case ANNOUNCE_DEVICE_LINKED -> newEvent(a, seq, EventType.DEVICE_LINKED, c.members());
            case ANNOUNCE_DEVICE_UNLINKED -> newEvent(a, seq, EventType.DEVICE_UNLINKED, c.members());
            default -> throw new Rejection("UNKNOWN_ACTION", "action type " + a.getType() + " is not supported");
        };
    }

    /**
     * An edit or reaction whose content is end-to-end encrypted: one-to-one, per-device envelopes (the edge checked the
     * devices); in a group, a reaction's Sender Key ciphertext in the payload. Envelopes in a group are refused: there
     * they carry only a send's key distribution.
     */
    private static boolean sealed(ClientAction a, ConversationAccess c) {
        boolean envelopes = a.getEnvelopes() != null && !a.getEnvelopes().isEmpty();
        if (envelopes && c.isGroup()) {
            throw new Rejection("INVALID_FIELD", "in a group an edit or a reaction is encrypted under the sender key into"
                    + " 'payload'; envelopes carry only a send's key distribution");
        }
        if (envelopes && a.getPayload() != null && a.getPayload().remaining() > 0) {
            throw new Rejection("INVALID_FIELD", "an encrypted edit or reaction carries envelopes or a payload, not both");
        }
        return envelopes || c.isGroup() && a.getType() == ActionType.REACT && a.getReaction() == null
                && a.getPayload() != null && a.getPayload().remaining() > 0;
    }

    private static ConversationEvent.Builder sealedContent(ConversationEvent.Builder event, ClientAction a,
                                                          ConversationAccess c) {
        if (c.isGroup()) {
            return event.setPayload(a.getPayload());
        }
        return event.setEncrypted(true).setEnvelopes(List.copyOf(a.getEnvelopes()));
    }

    private static void requireWithin(MessageRef target, long now, Duration window, String what) {
        if (now - target.getSentAt() > window.toMillis()) {
            throw new Rejection("WINDOW_PASSED", "messages can be " + what + " only within " + window.toMinutes()
                    + " minutes of sending");
        }
    }

    private ConversationEvent.Builder privateEvent(ClientAction a, long seq, EventType type) {
        return newEvent(a, seq, type, List.of(a.getSenderUserId())).setPrivateToUserId(a.getSenderUserId());
    }

    private static ConversationEvent.Builder newEvent(ClientAction a, long seq, EventType type, List<String> deliverTo) {
        return ConversationEvent.newBuilder()
                .setEventId(a.getConversationId() + "/" + seq)
                .setConversationId(a.getConversationId())
                .setSeq(seq)
                .setType(type)
                .setSenderUserId(a.getSenderUserId())
                .setSenderDeviceId(a.getSenderDeviceId())
                .setClientMessageId(a.getClientMessageId())
                .setMemberUserIds(List.copyOf(deliverTo))
                .setSentAt(a.getReceivedAt())
                .setMediaType(a.getMediaType())
                .setPayload(ByteBuffer.allocate(0));
    }

    private static boolean isGroupAction(ActionType t) {
        return switch (t) {
            case CREATE_GROUP, UPDATE_GROUP_INFO, ADD_MEMBERS, REMOVE_MEMBER, LEAVE_GROUP, PROMOTE_ADMIN, DEMOTE_ADMIN -> true;
            default -> false;
        };
    }

    /** The group's state and member view, or null for a conversation that is not a group (or not created yet). */
    private ConversationAccess group(String conversationId) {
        ConversationAccess c = groupCache.get(conversationId);
        if (c == null) {
            GroupState g = groups.get(conversationId);
            if (g == null) {
                return null;
            }
            c = ConversationAccess.of(conversationId, g).orElseThrow();
            groupCache.put(conversationId, c);
        }
        return c;
    }

    private ConversationAccess putGroup(String conversationId, GroupState next) {
        groups.put(conversationId, next);
        ConversationAccess c = ConversationAccess.of(conversationId, next).orElseThrow();
        groupCache.put(conversationId, c);
        return c;
    }

    /** Who may act in the conversation the action names (its group view from the cache). */
    private ConversationAccess access(ClientAction a) {
        ConversationAccess c = group(a.getConversationId());
        return c != null ? c : access(a, null);
    }

    private ConversationAccess access(ClientAction a, GroupState group) {
        Optional<ConversationAccess> c = ConversationAccess.of(a.getConversationId(), group);
        if (c.isEmpty()) {
            throw new Rejection("UNKNOWN_CONVERSATION", "no conversation " + a.getConversationId());
        }
        return c.get();
    }

    /** A delivery receipt names one message a device of the acting user now holds. */
    private void delivered(Record<String, ClientAction> record, ClientAction a) {
        ConversationAccess c = access(a);
        c.requireMember(a.getSenderUserId());
        long head = Optional.ofNullable(heads.get(a.getConversationId())).orElse(0L);
        Long target = a.getTargetSeq();
        if (target == null || target < 1 || target > head || a.getTargetUserId() == null
                || !(c.isMember(a.getTargetUserId()) || c.isGroup())) {
            throw new Rejection("TARGET_UNKNOWN", "no message " + target + " from " + a.getTargetUserId()
                    + " in " + a.getConversationId());
        }
        // The sender on record wins over the one the edge named.
        String sender = targets.find(a.getConversationId(), target).map(MessageRef::getSenderUserId)
                .orElse(a.getTargetUserId());
        receipts(record, ledger.delivered(c, a, target, sender));
    }

    /** A read receipt means "read up to this seq". */
    private void read(Record<String, ClientAction> record, ClientAction a) {
        ConversationAccess c = access(a);
        c.requireMember(a.getSenderUserId());
        long head = Optional.ofNullable(heads.get(a.getConversationId())).orElse(0L);
        Long target = a.getTargetSeq();
        if (target == null || target < 1 || target > head) {
            throw new Rejection("TARGET_UNKNOWN", "no message " + target + " in " + a.getConversationId());
        }
        receipts(record, ledger.read(c, a, target, this::sharesReadReceipts));
    }

    private boolean sharesReadReceipts(String userId) {
        ValueAndTimestamp<UserSettings> s = settings.get(userId);
        return s == null || s.value() == null || s.value().getReadReceipts();
    }

    private void receipts(Record<String, ClientAction> record, List<Receipt> receipts) {
        for (Receipt r : receipts) {
            context.forward(record.withValue(SequencerOutput.of(r)));
        }
    }

    /** Retries and message facts older than their retention are forgotten, so the stores stay bounded. */
    private void purge(long now) {
        long cutoff = now - rules.dedupRetention().toMillis();
        List<String> expired = new java.util.ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<Long>> all = seqByClientMessage.all()) {
            while (all.hasNext()) {
                KeyValue<String, ValueAndTimestamp<Long>> e = all.next();
                if (e.value.timestamp() < cutoff) {
                    expired.add(e.key);
                }
            }
        }
        expired.forEach(seqByClientMessage::delete);
        targets.forgetSentBefore(now - rules.messageRefRetention().toMillis());
    }

    private void reject(Record<String, ClientAction> record, ClientAction a, String code, String message) {
        result(record, a, ActionResult.newBuilder()
                .setActionId(a.getActionId())
                .setDeviceId(a.getSenderDeviceId())
                .setClientMessageId(a.getClientMessageId())
                .setConversationId(a.getConversationId())
                .setOutcome(ActionOutcome.REJECTED)
                .setErrorCode(code)
                .setErrorMessage(message)
                .build());
    }

    private void result(Record<String, ClientAction> record, ClientAction a, ActionResult result) {
        context.forward(record.withKey(a.getSenderDeviceId()).withValue(SequencerOutput.of(result, a.getEdgeId())));
    }

    private static ActionResult accepted(ClientAction a, long seq, boolean duplicate) {
        return ActionResult.newBuilder()
                .setActionId(a.getActionId())
                .setDeviceId(a.getSenderDeviceId())
                .setClientMessageId(a.getClientMessageId())
                .setConversationId(a.getConversationId())
                .setOutcome(ActionOutcome.ACCEPTED)
                .setSeq(seq)
                .setDuplicate(duplicate)
                .build();
    }
}
