package org.parley.edge.readmodel;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.Map;
import java.util.Set;
import org.parley.events.DeviceRecord;
import org.parley.events.UserSettings;
import org.parley.projections.GroupDepartures;
import org.parley.projections.GroupDirectory;
import org.parley.projections.MediaReferences;
import org.parley.projections.UserConversations;
import org.parley.projections.UserSettingsDirectory;
import org.parley.projections.ConversationHistory;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;

/** The CQL read model, with driver futures brought back onto the calling Vert.x context. */
public class CqlEdgeReadModel implements EdgeReadModel {
    private final Vertx vertx;
    private final DeviceDirectory devices;
    private final ConversationHistory history;
    private final org.parley.projections.MessageEnvelopes envelopes;
    private final DeviceInbox inbox;
    private final UserConversations userConversations;
    private final GroupDirectory groups;
    private final UserSettingsDirectory userSettings;
    private final GroupDepartures departures;
    private final MediaReferences mediaReferences;
    private final org.parley.projections.MemberReceipts memberReceipts;
    private final CqlSession session;
    private final org.parley.projections.MessageSearch search;
    private final com.datastax.oss.driver.api.core.cql.PreparedStatement historyFrom;
    /** One-to-one marks seen on the log and maybe not projected yet; null: the table alone. */
    private RecentMarks recentMarks;

    public CqlEdgeReadModel(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.session = session;
        this.historyFrom = session.prepare("SELECT history_from FROM user_identities WHERE user_id = ?");
        this.devices = new DeviceDirectory(session);
        this.history = new ConversationHistory(session);
        this.envelopes = new org.parley.projections.MessageEnvelopes(session);
        this.inbox = new DeviceInbox(session);
        this.userConversations = new UserConversations(session);
        this.groups = new GroupDirectory(session);
        this.userSettings = new UserSettingsDirectory(session);
        this.departures = new GroupDepartures(session);
        this.mediaReferences = new MediaReferences(session);
        this.memberReceipts = new org.parley.projections.MemberReceipts(session);
        this.search = new org.parley.projections.MessageSearch(session);
    }

    /** Completes {@code member_receipts} with the marks this edge saw on the log more recently (docs/adr/0014). */
    public CqlEdgeReadModel withRecentMarks(RecentMarks recentMarks) {
        this.recentMarks = recentMarks;
        return this;
    }

    @Override
    public Future<List<org.parley.projections.MessageSearch.Bucket>> searchBuckets(String conversationId) {
        return onContext(search.buckets(conversationId));
    }

    @Override
    public Future<List<org.parley.projections.MessageSearch.Hit>> searchBucket(String conversationId, long bucket) {
        return onContext(search.bucket(conversationId, bucket));
    }

    @Override
    public Future<List<ConversationHistory.Entry>> historyAfter(String conversationId, long afterSeq, long headSeq, int limit) {
        return onContext(history.after(conversationId, afterSeq, headSeq, limit));
    }

    @Override
    public Future<Map<Long, Map<String, String>>> reactions(String conversationId, long fromSeq, long toSeq) {
        return onContext(history.reactions(conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<ConversationHistory.LastActivity>> lastActivity(String conversationId) {
        return onContext(history.lastActivity(conversationId));
    }

    @Override
    public Future<Optional<UserConversations.Membership>> membership(String userId, String conversationId) {
        return onContext(userConversations.find(userId, conversationId));
    }

    @Override
    public Future<List<UserConversations.Membership>> conversations(String userId) {
        return onContext(userConversations.all(userId));
    }

    @Override
    public Future<Set<Long>> hidden(String userId, String conversationId, long fromSeq, long toSeq) {
        return onContext(userConversations.hiddenBetween(userId, conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<GroupDirectory.Group>> group(String conversationId) {
        return onContext(groups.find(conversationId));
    }

    @Override
    public Future<List<GroupDirectory.Member>> members(String conversationId) {
        return onContext(groups.members(conversationId));
    }

    @Override
    public Future<Optional<UserSettings>> settings(String userId) {
        return onContext(userSettings.find(userId));
    }

    @Override
    public Future<Void> saveSettings(UserSettings settings) {
        return onContext(userSettings.write(settings));
    }

    @Override
    public Future<Optional<DeviceDirectory.Device>> device(String deviceId) {
        return onContext(devices.find(deviceId));
    }

    @Override
    public Future<Void> saveDevice(DeviceRecord device) {
        return onContext(devices.write(device));
    }

    @Override
    public Future<org.parley.projections.MessageEnvelopes.ForDevice> envelopes(String conversationId, String deviceId,
                                                                               long fromSeq, long toSeq) {
        return onContext(envelopes.forDevice(conversationId, deviceId, fromSeq, toSeq));
    }

    @Override
    public Future<List<ConversationHistory.Entry>> history(String conversationId, long beforeSeq, int limit) {
        return onContext(history.page(conversationId, beforeSeq, limit));
    }

    @Override
    public Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit) {
        return onContext(inbox.range(deviceId, afterSeq, upToSeq, limit));
    }

    @Override
    public Future<Long> cursor(String deviceId) {
        return onContext(inbox.cursor(deviceId));
    }

    @Override
    public Future<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        return onContext(inbox.saveCursor(deviceId, ackedInboxSeq));
    }

    @Override
    public Future<Long> head(String conversationId) {
        return onContext(history.head(conversationId));
    }

    @Override
    public Future<Map<String, org.parley.projections.MemberReceipts.Status>> memberStatus(String conversationId,
            long seq, long headSeq, List<String> userIds) {
        RecentMarks recent = recentMarks;
        return onContext(memberReceipts.status(conversationId, seq, headSeq, userIds))
                .map(stored -> recent == null ? stored : recent.merge(conversationId, seq, userIds, stored));
    }

    @Override
    public Future<Optional<GroupDepartures.Departure>> departure(String userId, String conversationId) {
        return onContext(departures.find(userId, conversationId));
    }

    @Override
    public Future<List<String>> mediaConversations(String mediaKey, int limit) {
        return onContext(mediaReferences.conversations(mediaKey, limit));
    }

    @Override
    public Future<Boolean> mediaReferenced(String mediaKey, String conversationId, long fromSeq, long toSeq) {
        return onContext(mediaReferences.referencedWithin(mediaKey, conversationId, fromSeq, toSeq));
    }

    @Override
    public Future<Optional<java.time.Instant>> historyFrom(String userId) {
        return onContext(session.executeAsync(historyFrom.bind(userId)).thenApply(rs -> {
            var row = rs.one();
            return row == null ? Optional.<java.time.Instant>empty() : Optional.ofNullable(row.getInstant("history_from"));
        }));
    }

    private <T> Future<T> onContext(CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
    }
}
