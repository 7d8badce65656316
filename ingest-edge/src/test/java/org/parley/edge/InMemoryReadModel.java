package org.parley.edge;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import java.util.Set;
import org.parley.events.UserSettings;
import org.parley.projections.ConversationHistory;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.GroupDepartures;
import org.parley.projections.GroupDirectory;
import org.parley.projections.UserConversations;
import org.parley.projections.DeviceInbox;

/** Unit-test read model (the CQL one is exercised by the integration tests). */
class InMemoryReadModel implements EdgeReadModel {
    final Map<String, DeviceDirectory.Device> devices = new ConcurrentHashMap<>();
    final Map<String, ConcurrentSkipListMap<Long, byte[]>> inbox = new ConcurrentHashMap<>();
    final Map<String, Long> cursors = new ConcurrentHashMap<>();
    final Map<String, List<ConversationEvent>> history = new ConcurrentHashMap<>();
    final Map<String, UserConversations.Membership> memberships = new ConcurrentHashMap<>();
    final Map<String, UserSettings> settings = new ConcurrentHashMap<>();
    final Map<String, GroupDirectory.Group> groups = new ConcurrentHashMap<>();
    final Map<String, List<GroupDirectory.Member>> members = new ConcurrentHashMap<>();
    /** Key: userId + "/" + conversationId. */
    final Map<String, GroupDepartures.Departure> departures = new ConcurrentHashMap<>();
    /** Media key → conversation → seqs that referenced it. */
    final Map<String, Map<String, Set<Long>>> mediaReferences = new ConcurrentHashMap<>();
    /** Heads written by the projection; absent: the last seq in {@link #history}, else 0. */
    final Map<String, Long> heads = new ConcurrentHashMap<>();

    void reference(String mediaKey, String conversationId, long seq) {
        mediaReferences.computeIfAbsent(mediaKey, k -> new java.util.concurrent.ConcurrentSkipListMap<>())
                .computeIfAbsent(conversationId, k -> new java.util.concurrent.ConcurrentSkipListSet<>()).add(seq);
    }

    final Map<String, java.time.Instant> historyFrom = new ConcurrentHashMap<>();

    /** member_receipts rows: conversation id → rows, in write order. */
    final Map<String, List<org.parley.projections.MemberReceipts.Entry>> memberMarks = new ConcurrentHashMap<>();

    @Override
    public Future<Map<String, org.parley.projections.MemberReceipts.Status>> memberStatus(String conversationId,
            long seq, long headSeq, List<String> userIds) {
        Map<String, org.parley.projections.MemberReceipts.Status> out = new java.util.LinkedHashMap<>();
        List<org.parley.projections.MemberReceipts.Entry> rows = memberMarks.getOrDefault(conversationId, List.of());
        for (String u : userIds) {
            java.time.Instant d = first(rows, u, org.parley.projections.MemberReceipts.Mark.DELIVERED, seq);
            java.time.Instant r = first(rows, u, org.parley.projections.MemberReceipts.Mark.READ, seq);
            out.put(u, new org.parley.projections.MemberReceipts.Status(u, r != null && (d == null || r.isBefore(d)) ? r : d, r));
        }
        return Future.succeededFuture(out);
    }

    private static java.time.Instant first(List<org.parley.projections.MemberReceipts.Entry> rows, String user,
                                           org.parley.projections.MemberReceipts.Mark mark, long seq) {
        return rows.stream().filter(e -> e.userId().equals(user) && e.mark() == mark && e.seq() >= seq)
                .min(java.util.Comparator.comparingLong(org.parley.projections.MemberReceipts.Entry::seq))
                .map(org.parley.projections.MemberReceipts.Entry::at).orElse(null);
    }

    @Override
    public Future<Optional<java.time.Instant>> historyFrom(String userId) {
        return Future.succeededFuture(Optional.ofNullable(historyFrom.get(userId)));
    }

    @Override
    public Future<Optional<DeviceDirectory.Device>> device(String deviceId) {
        return Future.succeededFuture(Optional.ofNullable(devices.get(deviceId)));
    }

    @Override
    public Future<Void> saveDevice(DeviceRecord d) {
        devices.put(d.getDeviceId(), new DeviceDirectory.Device(d.getDeviceId(), d.getUserId(), d.getTokenHash(), d.getRevoked()));
        return Future.succeededFuture();
    }

    @Override
    public Future<List<ConversationHistory.Entry>> history(String conversationId, long beforeSeq, int limit) {
        List<ConversationHistory.Entry> out = new ArrayList<>();
        List<ConversationEvent> all = history.getOrDefault(conversationId, List.of());
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            if (all.get(i).getSeq() < beforeSeq) {
                out.add(new ConversationHistory.Entry(all.get(i), null, null, false));
            }
        }
        return Future.succeededFuture(out);
    }

    @Override
    public Future<List<ConversationHistory.Entry>> historyAfter(String conversationId, long afterSeq, long headSeq, int limit) {
        return Future.succeededFuture(history.getOrDefault(conversationId, List.of()).stream()
                .filter(e -> e.getSeq() > afterSeq && e.getSeq() <= headSeq).limit(limit)
                .map(e -> new ConversationHistory.Entry(e, null, null, false)).toList());
    }

    @Override
    public Future<Map<Long, Map<String, String>>> reactions(String conversationId, long fromSeq, long toSeq) {
        return Future.succeededFuture(Map.of());
    }

    @Override
    public Future<Optional<ConversationHistory.LastActivity>> lastActivity(String conversationId) {
        List<ConversationEvent> all = history.getOrDefault(conversationId, List.of());
        return Future.succeededFuture(all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1)).map(e ->
                new ConversationHistory.LastActivity(conversationId, e.getSeq(), e.getType().name(), e.getSenderUserId(),
                        e.getSentAt(), e.getMediaType())));
    }

    @Override
    public Future<Optional<UserConversations.Membership>> membership(String userId, String conversationId) {
        return Future.succeededFuture(Optional.ofNullable(memberships.get(userId + "/" + conversationId)));
    }

    @Override
    public Future<List<UserConversations.Membership>> conversations(String userId) {
        return Future.succeededFuture(memberships.values().stream().filter(m -> m.userId().equals(userId)).toList());
    }

    @Override
    public Future<Set<Long>> hidden(String userId, String conversationId, long fromSeq, long toSeq) {
        return Future.succeededFuture(Set.of());
    }

    @Override
    public Future<Optional<GroupDirectory.Group>> group(String conversationId) {
        return Future.succeededFuture(Optional.ofNullable(groups.get(conversationId)));
    }

    @Override
    public Future<List<GroupDirectory.Member>> members(String conversationId) {
        return Future.succeededFuture(members.getOrDefault(conversationId, List.of()));
    }

    @Override
    public Future<Optional<UserSettings>> settings(String userId) {
        return Future.succeededFuture(Optional.ofNullable(settings.get(userId)));
    }

    @Override
    public Future<Void> saveSettings(UserSettings s) {
        settings.put(s.getUserId(), s);
        return Future.succeededFuture();
    }

    @Override
    public Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit) {
        List<DeviceInbox.Entry> out = new ArrayList<>();
        inbox.getOrDefault(deviceId, new ConcurrentSkipListMap<>()).subMap(afterSeq, false, upToSeq, true)
                .forEach((k, v) -> {
                    if (out.size() < limit) {
                        out.add(new DeviceInbox.Entry(k, v));
                    }
                });
        return Future.succeededFuture(out);
    }

    @Override
    public Future<Long> cursor(String deviceId) {
        return Future.succeededFuture(cursors.getOrDefault(deviceId, 0L));
    }

    @Override
    public Future<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        cursors.put(deviceId, ackedInboxSeq);
        return Future.succeededFuture();
    }

    @Override
    public Future<Long> head(String conversationId) {
        List<ConversationEvent> all = history.getOrDefault(conversationId, List.of());
        return Future.succeededFuture(heads.getOrDefault(conversationId, all.isEmpty() ? 0L : all.get(all.size() - 1).getSeq()));
    }

    @Override
    public Future<Optional<GroupDepartures.Departure>> departure(String userId, String conversationId) {
        return Future.succeededFuture(Optional.ofNullable(departures.get(userId + "/" + conversationId)));
    }

    @Override
    public Future<List<String>> mediaConversations(String mediaKey, int limit) {
        return Future.succeededFuture(mediaReferences.getOrDefault(mediaKey, Map.of()).keySet().stream().sorted()
                .limit(limit).toList());
    }

    @Override
    public Future<Boolean> mediaReferenced(String mediaKey, String conversationId, long fromSeq, long toSeq) {
        return Future.succeededFuture(mediaReferences.getOrDefault(mediaKey, Map.of())
                .getOrDefault(conversationId, Set.of()).stream().anyMatch(s -> s >= fromSeq && s <= toSeq));
    }
}
