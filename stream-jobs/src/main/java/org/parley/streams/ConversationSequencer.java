package org.parley.streams;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import java.time.Duration;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.schemas.Conversations;

/**
 * Assigns each conversation's events the seq 1, 2, 3, ... (no gap, no repeat) and deduplicates retries by
 * (conversation, sender device, client message id): a retry gets the original seq back and creates no event.
 * Both stores are changelogged and written in the same exactly-once transaction as the outputs, so after a crash
 * every event keeps its seq. Input is partitioned by conversation id, so one task owns a conversation.
 */
public class ConversationSequencer implements Processor<String, ClientAction, String, SequencerOutput> {
    public static final String HEADS_STORE = "conversation-heads";
    /** (conversation, sender device, client message id) → seq, timestamped; "-v2": values carry a timestamp. */
    public static final String DEDUP_STORE = "client-message-ids-v2";
    /** How often expired dedup entries are purged (wall-clock). */
    static final Duration PURGE_INTERVAL = Duration.ofMinutes(10);

    private final Duration dedupRetention;

    private ProcessorContext<String, SequencerOutput> context;
    private KeyValueStore<String, Long> heads;
    private TimestampedKeyValueStore<String, Long> seqByClientMessage;

    /** @param dedupRetention how long a retry is still recognised (bounds the dedup store) */
    public ConversationSequencer(Duration dedupRetention) {
        this.dedupRetention = dedupRetention;
    }

    @Override
    public void init(ProcessorContext<String, SequencerOutput> context) {
        this.context = context;
        this.heads = context.getStateStore(HEADS_STORE);
        this.seqByClientMessage = context.getStateStore(DEDUP_STORE);
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetOlderThanRetention);
    }

    @Override
    public void process(Record<String, ClientAction> record) {
        ClientAction action = record.value();
        if (action == null) {
            return;
        }
        // One task owns a conversation only because the conversation id is the partition key. An action keyed
        // otherwise would be sequenced by whichever task its key lands on, from that task's head: two tasks could
        // hand out the same seq, and its event would go to a partition other than the conversation's.
        if (!action.getConversationId().equals(record.key())) {
            reject(record, action, "WRONG_KEY", "actions are keyed by conversation id; key " + record.key()
                    + " is not " + action.getConversationId());
            return;
        }
        switch (action.getType()) {
            case SEND_MESSAGE -> sequence(record, action);
            case DELIVERY_RECEIPT -> receipt(record, action, ReceiptStatus.DELIVERED);
            case READ_RECEIPT -> receipt(record, action, ReceiptStatus.READ);
            default -> reject(record, action, "UNKNOWN_ACTION", "action type " + action.getType() + " is not supported");
        }
    }

    private void sequence(Record<String, ClientAction> record, ClientAction a) {
        Optional<List<String>> members = Conversations.members(a.getConversationId());
        if (members.isEmpty()) {
            reject(record, a, "UNKNOWN_CONVERSATION", "no conversation " + a.getConversationId());
            return;
        }
        if (!members.get().contains(a.getSenderUserId())) {
            reject(record, a, "NOT_A_MEMBER", a.getSenderUserId() + " is not a member of " + a.getConversationId());
            return;
        }
        String clientMessageId = a.getClientMessageId();
        if (clientMessageId == null || clientMessageId.isBlank()) {
            reject(record, a, "MISSING_FIELD", "clientMessageId is required");
            return;
        }
        String dedupKey = a.getConversationId() + '\u0000' + a.getSenderDeviceId() + '\u0000' + clientMessageId;
        ValueAndTimestamp<Long> original = seqByClientMessage.get(dedupKey);
        if (original != null) {
            context.forward(record.withKey(a.getSenderDeviceId())
                    .withValue(SequencerOutput.of(accepted(a, original.value(), true), a.getEdgeId())));
            return;
        }
        Long head = heads.get(a.getConversationId());
        long seq = (head == null ? 0 : head) + 1;
        heads.put(a.getConversationId(), seq);
        seqByClientMessage.put(dedupKey, ValueAndTimestamp.make(seq, record.timestamp()));

        ConversationEvent event = ConversationEvent.newBuilder()
                .setEventId(a.getConversationId() + "/" + seq)
                .setConversationId(a.getConversationId())
                .setSeq(seq)
                .setType(EventType.MESSAGE)
                .setSenderUserId(a.getSenderUserId())
                .setSenderDeviceId(a.getSenderDeviceId())
                .setClientMessageId(clientMessageId)
                .setMemberUserIds(members.get())
                .setSentAt(a.getReceivedAt())
                .setMediaType(a.getMediaType())
                .setPayload(a.getPayload())
                .build();
        context.forward(record.withValue(SequencerOutput.of(event)));
        context.forward(record.withKey(a.getSenderDeviceId()).withValue(SequencerOutput.of(accepted(a, seq, false), a.getEdgeId())));
    }

    /**
     * A delivery receipt names one message; a read receipt means "read up to this seq". Either is validated against
     * the conversation's head and forwarded to the receipts topic for the named user's devices.
     */
    private void receipt(Record<String, ClientAction> record, ClientAction a, ReceiptStatus status) {
        Optional<List<String>> members = Conversations.members(a.getConversationId());
        if (members.isEmpty() || !members.get().contains(a.getSenderUserId())) {
            reject(record, a, "NOT_A_MEMBER", a.getSenderUserId() + " is not a member of " + a.getConversationId());
            return;
        }
        Long head = heads.get(a.getConversationId());
        Long target = a.getTargetSeq();
        if (target == null || target < 1 || head == null || target > head || a.getTargetUserId() == null
                || !members.get().contains(a.getTargetUserId())) {
            reject(record, a, "TARGET_UNKNOWN", "no message " + target + " from " + a.getTargetUserId()
                    + " in " + a.getConversationId());
            return;
        }
        Receipt receipt = Receipt.newBuilder()
                .setConversationId(a.getConversationId())
                .setSeq(target)
                .setStatus(status)
                .setByUserId(a.getSenderUserId())
                .setByDeviceId(a.getSenderDeviceId())
                .setToUserId(a.getTargetUserId())
                .setAt(a.getReceivedAt())
                .build();
        context.forward(record.withValue(SequencerOutput.of(receipt)));
    }

    /** Retries older than the retention are no longer recognised; their entries go, so the store stays bounded. */
    private void forgetOlderThanRetention(long now) {
        long cutoff = now - dedupRetention.toMillis();
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
    }

    private void reject(Record<String, ClientAction> record, ClientAction a, String code, String message) {
        ActionResult result = ActionResult.newBuilder()
                .setActionId(a.getActionId())
                .setDeviceId(a.getSenderDeviceId())
                .setClientMessageId(a.getClientMessageId())
                .setConversationId(a.getConversationId())
                .setOutcome(ActionOutcome.REJECTED)
                .setErrorCode(code)
                .setErrorMessage(message)
                .build();
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
