package org.parley.edge;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.DeviceRecord;
import org.parley.events.UserSettings;
import org.parley.projections.ConversationHistory;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;
import org.parley.projections.GroupDirectory;
import org.parley.projections.UserConversations;

/** A read model passing every call through {@link #call}, which tests override to delay, count or fail reads. */
class ForwardingReadModel implements EdgeReadModel {
    final EdgeReadModel delegate;

    ForwardingReadModel(EdgeReadModel delegate) {
        this.delegate = delegate;
    }

    <T> Future<T> call(String method, Supplier<Future<T>> read) {
        return read.get();
    }

    @Override
    public Future<Optional<DeviceDirectory.Device>> device(String deviceId) {
        return call("device", () -> delegate.device(deviceId));
    }

    @Override
    public Future<Void> saveDevice(DeviceRecord device) {
        return call("saveDevice", () -> delegate.saveDevice(device));
    }

    @Override
    public Future<List<ConversationHistory.Entry>> history(String conversationId, long beforeSeq, int limit) {
        return call("history", () -> delegate.history(conversationId, beforeSeq, limit));
    }

    @Override
    public Future<List<ConversationHistory.Entry>> historyAfter(String conversationId, long afterSeq, long headSeq, int limit) {
        return call("historyAfter", () -> delegate.historyAfter(conversationId, afterSeq, headSeq, limit));
    }

    @Override
    public Future<Map<Long, Map<String, String>>> reactions(String conversationId, long fromSeq, long toSeq) {
        return call("reactions", () -> delegate.reactions(conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<org.parley.projections.MessageEnvelopes.ForDevice> envelopes(String conversationId, String deviceId,
                                                                               long fromSeq, long toSeq) {
        return call("envelopes", () -> delegate.envelopes(conversationId, deviceId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<ConversationHistory.LastActivity>> lastActivity(String conversationId) {
        return call("lastActivity", () -> delegate.lastActivity(conversationId));
    }

    @Override
    public Future<Optional<UserConversations.Membership>> membership(String userId, String conversationId) {
        return call("membership", () -> delegate.membership(userId, conversationId));
    }

    @Override
    public Future<List<UserConversations.Membership>> conversations(String userId) {
        return call("conversations", () -> delegate.conversations(userId));
    }

    @Override
    public Future<Set<Long>> hidden(String userId, String conversationId, long fromSeq, long toSeq) {
        return call("hidden", () -> delegate.hidden(userId, conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<GroupDirectory.Group>> group(String conversationId) {
        return call("group", () -> delegate.group(conversationId));
    }

    @Override
    public Future<List<GroupDirectory.Member>> members(String conversationId) {
        return call("members", () -> delegate.members(conversationId));
    }

    @Override
    public Future<Optional<UserSettings>> settings(String userId) {
        return call("settings", () -> delegate.settings(userId));
    }

    @Override
    public Future<Void> saveSettings(UserSettings settings) {
        return call("saveSettings", () -> delegate.saveSettings(settings));
    }

    @Override
    public Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit) {
        return call("inbox", () -> delegate.inbox(deviceId, afterSeq, upToSeq, limit));
    }

    @Override
    public Future<Long> cursor(String deviceId) {
        return call("cursor", () -> delegate.cursor(deviceId));
    }

    @Override
    public Future<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        return call("saveCursor", () -> delegate.saveCursor(deviceId, ackedInboxSeq));
    }

    @Override
    public Future<Long> head(String conversationId) {
        return call("head", () -> delegate.head(conversationId));
    }

    @Override
    public Future<java.util.Optional<org.parley.projections.GroupDepartures.Departure>> departure(String userId,
            String conversationId) {
        return call("departure", () -> delegate.departure(userId, conversationId));
    }

    @Override
    public Future<java.util.List<String>> mediaConversations(String mediaKey, int limit) {
        return call("mediaConversations", () -> delegate.mediaConversations(mediaKey, limit));
    }

    @Override
    public Future<Boolean> mediaReferenced(String mediaKey, String conversationId, long fromSeq, long toSeq) {
        return call("mediaReferenced", () -> delegate.mediaReferenced(mediaKey, conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<java.util.Map<String, org.parley.projections.MemberReceipts.Status>> memberStatus(
            String conversationId, long seq, long headSeq, java.util.List<String> userIds) {
        return call("memberStatus", () -> delegate.memberStatus(conversationId, seq, headSeq, userIds));
    }

    @Override
    public Future<java.util.Optional<java.time.Instant>> historyFrom(String userId) {
        return call("historyFrom", () -> delegate.historyFrom(userId));
    }
}
