package org.parley.edge.session;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.envelopes.DeviceSetCheck;
import org.parley.edge.envelopes.DeviceSets;
import org.parley.edge.http.Failures;
import org.parley.edge.log.ActionLog;
import org.parley.edge.media.IconKeys;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.readmodel.ConversationReach;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EventType;
import org.parley.projections.ConversationHistory;
import org.parley.schemas.Conversations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's writes: each frame that becomes a conversation action is appended to the log (keyed by conversation)
 * and answered with {@code sent} once the sequencer accepted it, or with the sequencer's precise refusal. The edge
 * checks only what it can check alone (frame shape, rate, a one-to-one chat's members, a forward's source); the
 * sequencer owns every rule that depends on conversation state.
 */
final class ConversationActions {
    private static final Logger LOG = LoggerFactory.getLogger(ConversationActions.class);

    private final Context context;
    private final EdgeConfig config;
    private final ActionLog log;
    private final EdgeReadModel readModel;
    private final PendingActions pending;
    private final ConversationReach reach;
    private final ActionRateLimiter rateLimiter;
    private final Consumer<String> out;
    private final String userId;
    private final String deviceId;
    private final IconKeys iconKeys;
    private final org.parley.edge.media.AttachmentObjects attachments;
    private DeviceSets deviceSets;
    /**
     * Actions of this connection appended and still awaiting the sequencer's result, by clientMessageId (at most
     * edge.result-wait-ms each). A resend of one joins it instead of being appended again: after a slow start the
     * clients' resends of timed-out sends once multiplied the sequencer's input by ten, and it never caught up.
     */
    private final Map<String, Future<ActionResult>> inFlight = new HashMap<>();

    ConversationActions(Context context, EdgeConfig config, ActionLog log, EdgeReadModel readModel,
                        PendingActions pending, Consumer<String> out, String userId, String deviceId,
                        IconKeys iconKeys) {
        this.iconKeys = iconKeys;
        // Forwarded attachments name the conversation checked, so the search limit of MediaAccess is never used.
        this.attachments = new org.parley.edge.media.AttachmentObjects(iconKeys.media(),
                new org.parley.edge.media.MediaAccess(readModel, 1));
        this.context = context;
        this.config = config;
        this.log = log;
        this.readModel = readModel;
        this.pending = pending;
        this.reach = new ConversationReach(readModel);
        this.rateLimiter = new ActionRateLimiter(config.rateLimitPerSecond(), config.rateLimitBurst(),
                System.currentTimeMillis());
        this.out = out;
        this.userId = userId;
        this.deviceId = deviceId;
    }

    /** The current device sets that envelopes are checked against; without them the edge refuses envelopes. */
    void deviceSets(DeviceSets deviceSets) {
        this.deviceSets = deviceSets;
    }

    void send(ClientFrame.Send s) {
        if (!admit(s.conversationId(), s.clientMessageId()) || joinedInFlight(s.clientMessageId())) {
            return;
        }
        Future<Void> devicesMatch = s.distributesKeys() ? checkMemberDevices(s)
                : s.encrypted() ? checkDevices(s.conversationId(), s.clientMessageId(), s.envelopes())
                : Future.succeededFuture();
        devicesMatch.compose(v -> s.forwardOf() == null ? Future.succeededFuture(0) : forwardCount(s))
                .compose(count -> attachments.check(userId, s.mediaObjectId(),
                        s.forwardOf() == null ? null : s.forwardOf().conversationId(),
                        s.forwardOf() == null ? null : s.forwardOf().seq(), s.clientMessageId()).map(count))
                .onFailure(err -> fail(err, s.clientMessageId())).onSuccess(count -> submit(
                action(ActionType.SEND_MESSAGE, s.conversationId(), s.clientMessageId())
                        .setMediaType(s.mediaType()).setMediaObjectId(s.mediaObjectId())
                        .setPayload(ByteBuffer.wrap(s.payload()))
                        .setEnvelopes(s.encrypted() ? s.envelopes() : null)
                        .setReplyToSeq(s.replyToSeq()).setForwardCount(count).build()));
    }

    /**
     * Envelopes must name exactly the recipient's current devices and the sender's other current devices (Signal's
     * mismatched devices). A mismatch is answered with the lists; nothing is appended, so a resend with the same
     * clientMessageId is a first send. The sets come from the read model and may lag a link or an upload on another
     * edge by a moment: the refusal is retryable.
     */
    private Future<Void> checkDevices(String conversationId, String clientMessageId, List<DeviceEnvelope> envelopes) {
        if (deviceSets == null) {
            return Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "this edge does not accept"
                    + " 'envelopes' (no key directory)", clientMessageId));
        }
        String recipient = Conversations.members(conversationId).orElse(List.of()).stream()
                .filter(u -> !u.equals(userId)).findFirst().orElse(userId);
        Future<Set<String>> mine = deviceSets.current(userId);
        Future<Set<String>> theirs = recipient.equals(userId) ? mine : deviceSets.current(recipient);
        return Future.all(mine, theirs).compose(v -> {
            DeviceSetCheck.Mismatch m = DeviceSetCheck.compare(userId, deviceId, mine.result(), recipient,
                    theirs.result(), envelopes.stream().map(DeviceEnvelope::getDeviceId).toList());
            if (m == null) {
                // Each envelope names its device's user, so the fan-out copies a member only its own (ADR 0006).
                envelopes.forEach(e -> e.setUserId(mine.result().contains(e.getDeviceId()) ? userId : recipient));
                return Future.<Void>succeededFuture();
            }
            out.accept(ServerFrames.mismatchedDevices(clientMessageId, m.missing(), m.extra()));
            return Future.<Void>failedFuture(ALREADY_ANSWERED);
        });
    }

    /**
     * A group send's envelopes carry the sender's key distribution (docs/adr/0012): each must be for a current device
     * of a current member of the group, and not for the sending device. Devices that already hold the sender's key
     * need none, so nothing is "missing"; an envelope for any other device is answered {@code MISMATCHED_DEVICES} with
     * it in {@code extraDevices} and nothing is appended. Membership is read from the group projection and may lag a
     * change by a moment; the sequencer's member list (the event's recipients) is what decides who receives anything.
     */
    private Future<Void> checkMemberDevices(ClientFrame.Send s) {
        if (deviceSets == null) {
            return Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "this edge does not accept"
                    + " 'envelopes' (no key directory)", s.clientMessageId()));
        }
        return readModel.members(s.conversationId()).compose(members -> {
            List<Future<Set<String>>> sets = members.stream().map(m -> deviceSets.current(m.userId())).toList();
            return Future.all(sets).compose(v -> {
                Map<String, String> userOf = new HashMap<>();
                for (int i = 0; i < members.size(); i++) {
                    String member = members.get(i).userId();
                    sets.get(i).result().forEach(d -> userOf.put(d, member));
                }
                userOf.remove(deviceId);
                List<String> extra = s.envelopes().stream().map(DeviceEnvelope::getDeviceId)
                        .filter(d -> !userOf.containsKey(d)).sorted().toList();
                if (extra.isEmpty()) {
                    // Each envelope names its device's user: the fan-out copies a member only its own (ADR 0006).
                    s.envelopes().forEach(e -> e.setUserId(userOf.get(e.getDeviceId())));
                    return Future.<Void>succeededFuture();
                }
                out.accept(ServerFrames.notMemberDevices(s.clientMessageId(), extra));
                return Future.<Void>failedFuture(ALREADY_ANSWERED);
            });
        });
    }

    /** A failure whose answer was already sent. */
    private static final Throwable ALREADY_ANSWERED = new Exception("answered", null, false, false) {
    };

    void act(ClientFrame.Act a) {
        if (!admit(a.conversationId(), a.clientMessageId()) || joinedInFlight(a.clientMessageId())) {
            return;
        }
        // A group's icon must be an object the sender uploaded (checked here: the sequencer cannot see the bucket).
        // An encrypted one-to-one edit or reaction names its devices like a send (the same MISMATCHED_DEVICES).
        Future<Void> devicesMatch = a.envelopes().isEmpty() ? Future.succeededFuture()
                : checkDevices(a.conversationId(), a.clientMessageId(), a.envelopes());
        devicesMatch.compose(v -> iconKeys.check(userId, a.groupInfo(), a.clientMessageId()))
                .onFailure(err -> fail(err, a.clientMessageId()))
                .onSuccess(v -> submit(action(a.type(), a.conversationId(), a.clientMessageId())
                        .setTargetSeq(a.targetSeq()).setReaction(a.reaction())
                        .setEnvelopes(a.envelopes().isEmpty() ? null : a.envelopes())
                        .setPayload(ByteBuffer.wrap(a.payload() == null ? new byte[0] : a.payload()))
                        .setSubjectUserIds(a.userIds() == null ? List.of() : a.userIds())
                        .setGroupInfo(a.groupInfo()).setMuteUntil(a.muteUntil()).build()));
    }

    /** "Read up to seq": one READ_RECEIPT; the sequencer tells the senders and the reader's other devices. */
    void read(ClientFrame.Read r) {
        if (!mayWrite(r.conversationId(), null)) {
            return;
        }
        log.append(action(ActionType.READ_RECEIPT, r.conversationId(), null).setTargetSeq(r.seq()).build())
                .onFailure(err -> out.accept(Failures.frame(err, "read receipt not stored", "retry", null)));
    }

    /** A device holds message {@code seq} from {@code senderUserId}: its delivery receipt. */
    void delivered(String conversationId, long seq, String senderUserId) {
        log.append(action(ActionType.DELIVERY_RECEIPT, conversationId, null).setTargetSeq(seq)
                        .setTargetUserId(senderUserId).build())
                .onFailure(err -> LOG.warn("receipt for {}#{} not stored: {}", conversationId, seq, err.toString()));
    }

    /** Rate and (for one-to-one chats) membership, before anything is appended. */
    private boolean admit(String conversationId, String clientMessageId) {
        if (!rateLimiter.tryAcquire(System.currentTimeMillis())) {
            out.accept(ServerFrames.error(ErrorCode.RATE_LIMITED, "more than " + config.rateLimitPerSecond()
                    + " actions per second; retry later with the same clientMessageId", clientMessageId));
            return false;
        }
        return mayWrite(conversationId, clientMessageId);
    }

    private boolean mayWrite(String conversationId, String ref) {
        if (Conversations.isGroup(conversationId)) {
            return true; // group membership is the sequencer's to judge, in order with membership changes
        }
        List<String> members = Conversations.members(conversationId).orElse(null);
        if (members == null) {
            out.accept(ServerFrames.error(ErrorCode.UNKNOWN_CONVERSATION, "no conversation '" + conversationId + "'", ref));
            return false;
        }
        if (!members.contains(userId)) {
            out.accept(ServerFrames.error(ErrorCode.NOT_A_MEMBER, "you are not a member of " + conversationId, ref));
            return false;
        }
        return true;
    }

    /**
     * A forward's hop count is the source's plus one. The source must be a message the forwarder can see (in its
     * reach, not deleted); content is end-to-end encrypted, so the client re-sends it and the edge only counts hops.
     */
    private Future<Integer> forwardCount(ClientFrame.Send s) {
        ClientFrame.Source src = s.forwardOf();
        return reach.of(userId, src.conversationId(), s.clientMessageId()).compose(range -> {
            if (!range.contains(src.seq())) {
                return Future.failedFuture(unknownSource(s));
            }
            return readModel.history(src.conversationId(), src.seq() + 1, 1).compose(page -> {
                ConversationHistory.Entry e = page.isEmpty() ? null : page.get(0);
                if (e == null || e.event().getSeq() != src.seq() || e.event().getType() != EventType.MESSAGE || e.deleted()) {
                    return Future.failedFuture(unknownSource(s));
                }
                return Future.succeededFuture(e.event().getForwardCount() + 1);
            });
        });
    }

    private static ProtocolException unknownSource(ClientFrame.Send s) {
        return new ProtocolException(ErrorCode.TARGET_UNKNOWN, "no message " + s.forwardOf().seq() + " you can see in "
                + s.forwardOf().conversationId() + " to forward", s.clientMessageId());
    }

    private void fail(Throwable err, String ref) {
        if (err == ALREADY_ANSWERED) {
            return;
        }
        if (err instanceof ProtocolException p) {
            out.accept(ServerFrames.error(p.code(), p.getMessage(), p.ref() != null ? p.ref() : ref));
        } else {
            out.accept(Failures.frame(err, "cannot check the message to forward or the devices to encrypt for",
                    "retry with the same clientMessageId",
                    ref));
        }
    }

    private ClientAction.Builder action(ActionType type, String conversationId, String clientMessageId) {
        return ClientAction.newBuilder()
                .setActionId(UUID.randomUUID().toString()).setType(type).setConversationId(conversationId)
                .setSenderUserId(userId).setSenderDeviceId(deviceId).setClientMessageId(clientMessageId)
                .setEdgeId(config.edgeId()).setReceivedAt(Instant.now()).setPayload(ByteBuffer.allocate(0));
    }

    /**
     * Appends the action and answers the device once the sequencer's result for it arrives: TIMEOUT if it has not
     * within edge.result-timeout-ms, and the result itself whenever it comes within edge.result-wait-ms (so a client
     * told TIMEOUT still learns its seq, and a resend meanwhile is joined rather than appended: {@link #inFlight}).
     */
    private void submit(ClientAction action) {
        String ref = action.getClientMessageId();
        Future<ActionResult> result = pending.await(context, action.getActionId(), config.resultWaitMs());
        if (ref != null) {
            inFlight.put(ref, result);
            result.onComplete(ar -> inFlight.remove(ref, result));
        }
        log.append(action).onFailure(err -> {
            pending.forget(action.getActionId());
            if (ref != null) {
                inFlight.remove(ref, result);
            }
            out.accept(Failures.frame(err, "not stored", "retry with the same clientMessageId", ref));
        }).onSuccess(v -> {
            answerTimeoutIfLate(result, ref);
            result.onSuccess(r -> answer(action, r));
        });
    }

    /** A resend of an action still in flight on this connection: it gets that action's answer, nothing is appended. */
    private boolean joinedInFlight(String ref) {
        Future<ActionResult> result = ref == null ? null : inFlight.get(ref);
        if (result == null) {
            return false;
        }
        answerTimeoutIfLate(result, ref);
        return true;
    }

    /** TIMEOUT to this request if the result has not come within edge.result-timeout-ms (it may still come later). */
    private void answerTimeoutIfLate(Future<ActionResult> result, String ref) {
        long timer = context.owner().setTimer(config.resultTimeoutMs(), t -> {
            if (!result.succeeded()) {
                out.accept(ServerFrames.error(ErrorCode.TIMEOUT, "stored but not yet sequenced; retry with the same"
                        + " clientMessageId to get its seq", ref));
            }
        });
        result.onSuccess(r -> context.owner().cancelTimer(timer));
    }

    private void answer(ClientAction action, ActionResult result) {
        String ref = action.getClientMessageId();
        if (result.getOutcome() == ActionOutcome.ACCEPTED) {
            out.accept(ServerFrames.sent(ref, action.getConversationId(), result.getSeq(), result.getDuplicate()));
            return;
        }
        ErrorCode code = errorCode(result.getErrorCode());
        if (code == ErrorCode.INTERNAL) {
            // A code this edge does not know: the sequencer's own words are not for clients.
            LOG.error("sequencer refused {} with unknown code {}: {}", action.getActionId(), result.getErrorCode(),
                    result.getErrorMessage());
            out.accept(ServerFrames.error(code, "refused by the sequencer for a reason this edge does not"
                    + " know; report it", ref));
        } else {
            out.accept(ServerFrames.error(code, String.valueOf(result.getErrorMessage()), ref));
        }
    }

    private static ErrorCode errorCode(String code) {
        try {
            return ErrorCode.valueOf(code);
        } catch (IllegalArgumentException | NullPointerException e) {
            return ErrorCode.INTERNAL;
        }
    }
}
