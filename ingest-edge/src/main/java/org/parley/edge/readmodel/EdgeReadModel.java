package org.parley.edge.readmodel;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import org.parley.events.DeviceRecord;
import org.parley.events.UserSettings;
import org.parley.projections.ConversationHistory;
import org.parley.projections.GroupDepartures;
import org.parley.projections.GroupDirectory;
import org.parley.projections.UserConversations;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;

/** The read side the edge uses: devices, history, inbox, cursors, chats, groups and settings. Futures complete on the caller's context. */
public interface EdgeReadModel {
    Future<Optional<DeviceDirectory.Device>> device(String deviceId);

    /** Writes the registry row straight away so a device can connect right after registering (same row the projection writes). */
    Future<Void> saveDevice(DeviceRecord device);

    /** Up to {@code limit} history entries with seq < beforeSeq, newest first. */
    Future<List<ConversationHistory.Entry>> history(String conversationId, long beforeSeq, int limit);

    /** Up to {@code limit} history entries with afterSeq < seq <= headSeq, oldest first. */
    Future<List<ConversationHistory.Entry>> historyAfter(String conversationId, long afterSeq, long headSeq, int limit);

    Future<Map<Long, Map<String, String>>> reactions(String conversationId, long fromSeq, long toSeq);

    /**
     * The end-to-end encrypted messages with seq in [fromSeq, toSeq] and {@code deviceId}'s own envelope of each
     * (docs/adr/0011). A read model without encrypted messages answers none.
     */
    default Future<org.parley.projections.MessageEnvelopes.ForDevice> envelopes(String conversationId, String deviceId,
                                                                                long fromSeq, long toSeq) {
        return Future.succeededFuture(org.parley.projections.MessageEnvelopes.ForDevice.NONE);
    }

    Future<Optional<ConversationHistory.LastActivity>> lastActivity(String conversationId);

    Future<Optional<UserConversations.Membership>> membership(String userId, String conversationId);

    Future<List<UserConversations.Membership>> conversations(String userId);

    Future<Set<Long>> hidden(String userId, String conversationId, long fromSeq, long toSeq);

    Future<Optional<GroupDirectory.Group>> group(String conversationId);

    Future<List<GroupDirectory.Member>> members(String conversationId);

    Future<Optional<UserSettings>> settings(String userId);

    /** Written straight away, like a device, so the user's next read sees its change (same row the projection writes). */
    Future<Void> saveSettings(UserSettings settings);

    Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit);

    Future<Long> cursor(String deviceId);

    Future<Void> saveCursor(String deviceId, long ackedInboxSeq);

    // ---- media and group access (docs/security.md) ----

    /** The latest seq the projection wrote for the conversation (0 if none): every row up to it is written. */
    Future<Long> head(String conversationId);

    /**
     * Each of {@code userIds}' delivered/read status of message {@code seq} ({@code member_receipts}, docs/adr/0014);
     * {@code headSeq} bounds the marks.
     */
    Future<java.util.Map<String, org.parley.projections.MemberReceipts.Status>> memberStatus(String conversationId,
            long seq, long headSeq, List<String> userIds);

    /** What a former member still sees of a group: the group right after it left or was removed. */
    Future<Optional<GroupDepartures.Departure>> departure(String userId, String conversationId);

    /** Up to {@code limit} conversations that referenced the media key, in conversation id order. */
    Future<List<String>> mediaConversations(String mediaKey, int limit);

    /** Whether the conversation referenced the media key at a seq in [fromSeq, toSeq]. */
    Future<Boolean> mediaReferenced(String mediaKey, String conversationId, long fromSeq, long toSeq);

    /**
     * When the user's current registration began, if it re-registered (proved its identifier again on a new primary):
     * conversation events from before are not its devices' to read. Empty for a user registered once.
     */
    default Future<Optional<java.time.Instant>> historyFrom(String userId) {
        return Future.succeededFuture(Optional.empty());
    }

    // ---- metadata search (docs/search.md) ----

    /** The conversation's {@code message_search} buckets with their time spans, newest first. None by default. */
    default Future<List<org.parley.projections.MessageSearch.Bucket>> searchBuckets(String conversationId) {
        return Future.succeededFuture(List.of());
    }

    /** Every searchable message of one bucket, newest (highest seq) first. None by default. */
    default Future<List<org.parley.projections.MessageSearch.Hit>> searchBucket(String conversationId, long bucket) {
        return Future.succeededFuture(List.of());
    }
}
