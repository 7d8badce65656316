package org.parley.edge.limits;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.DeviceRecord;
import org.parley.events.UserSettings;
import org.parley.projections.ConversationHistory;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;
import org.parley.projections.GroupDepartures;
import org.parley.projections.GroupDirectory;
import org.parley.projections.UserConversations;

/**
 * A read model that runs at most {@code maxInFlight} calls at once; further calls wait in a FIFO queue of at most
 * {@code maxQueued}, and past that fail at once with {@code BUSY}. The edge puts one in front of the CQL read model
 * (so it never sends the driver more than its connection pool takes: past that the driver fails reads as
 * unavailable) and one per connection in front of that (so one connection cannot take the edge's whole share).
 * Thread-safe: the edge's gate is shared by its verticle instances; a queued call runs on the context it was made on.
 */
public final class GatedReadModel implements EdgeReadModel {
    /** A queued call and the context it was made on (null: not on a Vert.x thread), where it must run. */
    private record Waiting(Supplier<Future<Object>> call, Promise<Object> promise, Context context) {
    }

    private final EdgeReadModel delegate;
    private final int maxInFlight;
    private final int maxQueued;
    private final String scope;
    private final Deque<Waiting> queue = new ArrayDeque<>();
    private int inFlight;
    private boolean draining;

    /** {@code scope} names the limit in the BUSY message (e.g. "edge.cql-max-queued"). */
    public GatedReadModel(EdgeReadModel delegate, int maxInFlight, int maxQueued, String scope) {
        this.delegate = delegate;
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
        this.scope = scope;
    }

    @SuppressWarnings("unchecked")
    private <T> Future<T> gate(Supplier<Future<T>> call) {
        if (maxInFlight <= 0) {
            return call.get();
        }
        Supplier<Future<Object>> c = (Supplier<Future<Object>>) (Supplier<?>) call;
        synchronized (this) {
            if (inFlight >= maxInFlight) {
                if (queue.size() >= maxQueued) {
                    return Future.failedFuture(new ProtocolException(ErrorCode.BUSY, "the edge is busy: " + maxQueued
                            + " reads already wait (" + scope + "); retry in a moment", null));
                }
                Promise<Object> p = Promise.promise();
                queue.add(new Waiting(c, p, Vertx.currentContext()));
                return (Future<T>) p.future();
            }
            inFlight++;
        }
        return run(c).map(v -> (T) v);
    }

    private Future<Object> run(Supplier<Future<Object>> call) {
        Future<Object> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        return f.andThen(ar -> release());
    }

    private void release() {
        synchronized (this) {
            inFlight--;
        }
        drain();
    }

    /** Starts waiting calls while there is room; a trampoline, so calls completing at once do not nest. */
    private void drain() {
        while (true) {
            Waiting next;
            synchronized (this) {
                if (draining || inFlight >= maxInFlight || queue.isEmpty()) {
                    return;
                }
                next = queue.poll();
                inFlight++;
                draining = true;
            }
            try {
                Context caller = next.context();
                if (caller == null || caller == Vertx.currentContext()) {
                    run(next.call()).onComplete(next.promise());
                } else {
                    // Released on another event loop (the gate is the edge's, shared by its verticle instances):
                    // the call and what follows it run on the caller's, where its connection's state lives.
                    caller.runOnContext(v -> run(next.call()).onComplete(next.promise()));
                }
            } finally {
                synchronized (this) {
                    draining = false;
                }
            }
        }
    }

    /** Calls waiting now (tests). */
    synchronized int queued() {
        return queue.size();
    }

    /** Calls running now (tests). */
    synchronized int inFlight() {
        return inFlight;
    }

    @Override
    public Future<Optional<DeviceDirectory.Device>> device(String deviceId) {
        return gate(() -> delegate.device(deviceId));
    }

    @Override
    public Future<Void> saveDevice(DeviceRecord device) {
        return gate(() -> delegate.saveDevice(device));
    }

    @Override
    public Future<List<ConversationHistory.Entry>> history(String conversationId, long beforeSeq, int limit) {
        return gate(() -> delegate.history(conversationId, beforeSeq, limit));
    }

    @Override
    public Future<org.parley.projections.MessageEnvelopes.ForDevice> envelopes(String conversationId, String deviceId,
                                                                               long fromSeq, long toSeq) {
        return gate(() -> delegate.envelopes(conversationId, deviceId, fromSeq, toSeq));
    }

    @Override
    public Future<List<org.parley.projections.MessageSearch.Bucket>> searchBuckets(String conversationId) {
        return gate(() -> delegate.searchBuckets(conversationId));
    }

    @Override
    public Future<List<org.parley.projections.MessageSearch.Hit>> searchBucket(String conversationId, long bucket) {
        return gate(() -> delegate.searchBucket(conversationId, bucket));
    }

    @Override
    public Future<List<ConversationHistory.Entry>> historyAfter(String conversationId, long afterSeq, long headSeq, int limit) {
        return gate(() -> delegate.historyAfter(conversationId, afterSeq, headSeq, limit));
    }

    @Override
    public Future<Map<Long, Map<String, String>>> reactions(String conversationId, long fromSeq, long toSeq) {
        return gate(() -> delegate.reactions(conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<ConversationHistory.LastActivity>> lastActivity(String conversationId) {
        return gate(() -> delegate.lastActivity(conversationId));
    }

    @Override
    public Future<Optional<UserConversations.Membership>> membership(String userId, String conversationId) {
        return gate(() -> delegate.membership(userId, conversationId));
    }

    @Override
    public Future<List<UserConversations.Membership>> conversations(String userId) {
        return gate(() -> delegate.conversations(userId));
    }

    @Override
    public Future<Set<Long>> hidden(String userId, String conversationId, long fromSeq, long toSeq) {
        return gate(() -> delegate.hidden(userId, conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<GroupDirectory.Group>> group(String conversationId) {
        return gate(() -> delegate.group(conversationId));
    }

    @Override
    public Future<List<GroupDirectory.Member>> members(String conversationId) {
        return gate(() -> delegate.members(conversationId));
    }

    @Override
    public Future<Optional<UserSettings>> settings(String userId) {
        return gate(() -> delegate.settings(userId));
    }

    @Override
    public Future<Void> saveSettings(UserSettings settings) {
        return gate(() -> delegate.saveSettings(settings));
    }

    @Override
    public Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit) {
        return gate(() -> delegate.inbox(deviceId, afterSeq, upToSeq, limit));
    }

    @Override
    public Future<Long> cursor(String deviceId) {
        return gate(() -> delegate.cursor(deviceId));
    }

    @Override
    public Future<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        return gate(() -> delegate.saveCursor(deviceId, ackedInboxSeq));
    }

    @Override
    public Future<Long> head(String conversationId) {
        return gate(() -> delegate.head(conversationId));
    }

    @Override
    public Future<java.util.Map<String, org.parley.projections.MemberReceipts.Status>> memberStatus(
            String conversationId, long seq, long headSeq, List<String> userIds) {
        return gate(() -> delegate.memberStatus(conversationId, seq, headSeq, userIds));
    }

    @Override
    public Future<Optional<GroupDepartures.Departure>> departure(String userId, String conversationId) {
        return gate(() -> delegate.departure(userId, conversationId));
    }

    @Override
    public Future<List<String>> mediaConversations(String mediaKey, int limit) {
        return gate(() -> delegate.mediaConversations(mediaKey, limit));
    }

    @Override
    public Future<Boolean> mediaReferenced(String mediaKey, String conversationId, long fromSeq, long toSeq) {
        return gate(() -> delegate.mediaReferenced(mediaKey, conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<java.time.Instant>> historyFrom(String userId) {
        return gate(() -> delegate.historyFrom(userId));
    }
}
