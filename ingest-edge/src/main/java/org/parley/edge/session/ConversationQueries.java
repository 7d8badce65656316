package org.parley.edge.session;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.parley.edge.http.Failures;
import org.parley.edge.log.ActionLog;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.readmodel.ConversationReach;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.UserSettings;
import org.parley.events.DeviceEnvelope;
import org.parley.projections.ConversationHistory;
import org.parley.projections.MessageEnvelopes;
import org.parley.schemas.Conversations;
import org.parley.projections.UserConversations;

/**
 * A device's reads, all from the CQL read model: history pages (within the user's reach, without what it deleted
 * for itself, with reactions), the chat list (by last activity, with unread counts and mute), a group's info and
 * members, and the user's settings (whose changes it also publishes).
 */
final class ConversationQueries {
    /** Unread counts stop here ("99+"): counting further would read unbounded history per chat. */
    static final int UNREAD_CAP = 100;
    /** Chats whose reads run at once while answering {@code chats} (each takes up to three reads). */
    static final int CHATS_AT_ONCE = 16;

    private final EdgeReadModel readModel;
    private final ActionLog log;
    private final ConversationReach reach;
    private final Consumer<String> out;
    private final String userId;
    private final String deviceId;
    private Future<Optional<Instant>> visibleFrom;

    ConversationQueries(EdgeReadModel readModel, ActionLog log, Consumer<String> out, String userId, String deviceId) {
        this.deviceId = deviceId;
        this.readModel = readModel;
        this.log = log;
        this.reach = new ConversationReach(readModel);
        this.out = out;
        this.userId = userId;
    }

    /**
     * Since when this user's events are readable (a re-registered user: from its new registration on), read once per
     * session: it only changes when the user re-registers, which ends every session of its devices.
     */
    private Future<Optional<Instant>> visibleFrom() {
        if (visibleFrom == null || visibleFrom.failed()) {
            visibleFrom = readModel.historyFrom(userId);
        }
        return visibleFrom;
    }

    private static boolean visible(ConversationEvent e, Optional<Instant> from) {
        return from.isEmpty() || e.getSentAt() == null || !e.getSentAt().isBefore(from.get());
    }

    void history(ClientFrame.History h) {
        visibleFrom().compose(from -> reach.of(userId, h.conversationId(), h.requestId()).map(range -> Map.entry(range, from)))
                .compose(bounds -> {
            ConversationReach.Range range = bounds.getKey();
            Optional<Instant> from = bounds.getValue();
            long before = Math.min(h.beforeSeq(), range.to() == Long.MAX_VALUE ? Long.MAX_VALUE : range.to() + 1);
            return readModel.history(h.conversationId(), before, h.limit() + 1).compose(page -> {
                boolean hasMore = page.size() > h.limit();
                List<ConversationHistory.Entry> visible = new ArrayList<>();
                for (ConversationHistory.Entry e : hasMore ? page.subList(0, h.limit()) : page) {
                    if (range.contains(e.event().getSeq()) && visible(e.event(), from)) {
                        visible.add(e);
                    } else {
                        hasMore = false; // older than the user's reach: nothing further back is theirs
                        break;
                    }
                }
                if (visible.isEmpty()) {
                    return Future.succeededFuture(ServerFrames.history(h.requestId(), h.conversationId(), visible,
                            Map.of(), false, deviceId));
                }
                long lo = visible.get(visible.size() - 1).event().getSeq();
                long hi = visible.get(0).event().getSeq();
                boolean more = hasMore;
                return readModel.hidden(userId, h.conversationId(), lo, hi).compose(hidden -> {
                    visible.removeIf(e -> hidden.contains(e.event().getSeq()));
                    return readModel.reactions(h.conversationId(), lo, hi).compose(reactions ->
                            // Encrypted messages: this device's own envelope only (none: "waiting for this message").
                            (Conversations.isGroup(h.conversationId())
                                    ? Future.succeededFuture(MessageEnvelopes.ForDevice.NONE)
                                    : readModel.envelopes(h.conversationId(), deviceId, lo, hi))
                            .map(envelopes -> ServerFrames.history(h.requestId(), h.conversationId(),
                                    withEnvelopes(visible, envelopes), reactions, more, deviceId)));
                });
            });
        }).onComplete(ar -> reply(ar, h.requestId()));
    }

    /** Each encrypted message of the page with this device's own envelope, or marked encrypted without one. */
    static List<ConversationHistory.Entry> withEnvelopes(List<ConversationHistory.Entry> page,
                                                         MessageEnvelopes.ForDevice envelopes) {
        if (envelopes.encryptedSeqs().isEmpty()) {
            return page;
        }
        List<ConversationHistory.Entry> out = new ArrayList<>(page.size());
        for (ConversationHistory.Entry e : page) {
            long seq = e.event().getSeq();
            if (!envelopes.encryptedSeqs().contains(seq)) {
                out.add(e);
                continue;
            }
            DeviceEnvelope own = envelopes.own().get(seq);
            ConversationEvent event = ConversationEvent.newBuilder(e.event()).setEncrypted(true)
                    .setEnvelopes(own == null || e.deleted() ? List.of() : List.of(own)).build();
            out.add(new ConversationHistory.Entry(event, e.editedSeq(), e.editedAt(), e.deleted()));
        }
        return out;
    }

    void chats(ClientFrame.Chats c) {
        long now = System.currentTimeMillis();
        visibleFrom().compose(from -> readModel.conversations(userId).compose(memberships -> {
            List<ServerFrames.ChatItem> items = new ArrayList<>();
            return chatItems(memberships, 0, now, from, items).map(done -> {
                List<ServerFrames.ChatItem> list = new ArrayList<>(items);
                list.sort(Comparator.comparing((ServerFrames.ChatItem i) -> i.last() == null || i.last().at() == null
                        ? Instant.EPOCH : i.last().at()).reversed().thenComparing(ServerFrames.ChatItem::conversationId));
                return ServerFrames.chats(c.requestId(), list);
            });
        })).onComplete(ar -> reply(ar, c.requestId()));
    }

    /**
     * The chats {@code from} on, {@link #CHATS_AT_ONCE} at a time: a user with hundreds of chats must not put
     * hundreds of reads in flight at once (the connection's and the edge's read gates would refuse them as BUSY).
     */
    private Future<Void> chatItems(List<UserConversations.Membership> memberships, int from, long now,
                                   Optional<Instant> bound, List<ServerFrames.ChatItem> into) {
        if (from >= memberships.size()) {
            return Future.succeededFuture();
        }
        int to = Math.min(memberships.size(), from + CHATS_AT_ONCE);
        List<Future<ServerFrames.ChatItem>> batch = new ArrayList<>();
        for (UserConversations.Membership m : memberships.subList(from, to)) {
            batch.add(chatItem(m, now, bound));
        }
        return Future.all(batch).compose(all -> {
            into.addAll(all.<ServerFrames.ChatItem>list());
            return chatItems(memberships, to, now, bound, into);
        });
    }

    /**
     * One chat: its name (groups), its last activity the user may see, and how many messages from others arrived
     * after the user's read position (capped); for a re-registered user, only what happened since it registered.
     */
    private Future<ServerFrames.ChatItem> chatItem(UserConversations.Membership m, long now, Optional<Instant> bound) {
        String conv = m.conversationId();
        // A former member sees the group's name as it was when it left, never a later one.
        Future<Optional<String>> name = !conv.startsWith("g:") ? Future.succeededFuture(Optional.empty())
                : m.leftSeq() != null ? readModel.departure(userId, conv).map(d -> d.map(x -> x.group().name()))
                : readModel.group(conv).map(g -> g.map(x -> x.name()));
        Future<Optional<ConversationHistory.LastActivity>> last = readModel.lastActivity(conv).compose(a -> {
            if (m.leftSeq() == null || a.isEmpty() || a.get().seq() <= m.leftSeq()) {
                return Future.succeededFuture(a);
            }
            // A former member sees the chat as it was when it left.
            return readModel.history(conv, m.leftSeq() + 1, 1).map(p -> p.stream().findFirst().map(e ->
                    new ConversationHistory.LastActivity(conv, e.event().getSeq(), e.event().getType().name(),
                            e.event().getSenderUserId(), e.event().getSentAt(), e.event().getMediaType())));
        }).map(a -> a.filter(x -> bound.isEmpty() || x.at() == null || !x.at().isBefore(bound.get())));
        Future<Integer> unread = last.compose(a -> {
            long from = Math.max(m.readSeq(), m.sinceSeq() - 1);
            if (a.isEmpty() || a.get().seq() <= from) {
                return Future.succeededFuture(0);
            }
            return readModel.historyAfter(conv, from, a.get().seq(), UNREAD_CAP).map(entries -> (int) entries.stream()
                    .filter(e -> e.event().getType() == EventType.MESSAGE && !e.deleted() && visible(e.event(), bound)
                            && !userId.equals(e.event().getSenderUserId()))
                    .count());
        });
        return Future.all(name, last, unread).map(v -> new ServerFrames.ChatItem(conv, name.result().orElse(null), m,
                last.result().orElse(null), unread.result(), unread.result() >= UNREAD_CAP, now));
    }

    /**
     * A group's info and members: as they are now for a member; for a former member as they were right after it left
     * or was removed (never a later state), or NOT_A_MEMBER while that view is not projected yet.
     */
    void group(ClientFrame.GroupQuery g) {
        reach.of(userId, g.conversationId(), g.requestId())
                .compose(range -> {
                    Long left = range.membership().map(UserConversations.Membership::leftSeq).orElse(null);
                    return left == null ? Future.succeededFuture((String) null) : formerGroup(g, left);
                })
                .compose(former -> former != null ? Future.succeededFuture(former) : currentGroup(g))
                .onComplete(ar -> reply(ar, g.requestId()));
    }

    private Future<String> formerGroup(ClientFrame.GroupQuery g, long leftSeq) {
        return readModel.departure(userId, g.conversationId()).compose(d -> d.isPresent()
                ? Future.succeededFuture(ServerFrames.formerGroup(g.requestId(), d.get()))
                : Future.failedFuture(new ProtocolException(ErrorCode.NOT_A_MEMBER, "you left " + g.conversationId()
                        + " at seq " + leftSeq + "; the group as it was then is not available yet, and what changed"
                        + " after is not yours to see", g.requestId())));
    }

    private Future<String> currentGroup(ClientFrame.GroupQuery g) {
        return readModel.group(g.conversationId())
                .compose(group -> group.isEmpty()
                        ? Future.failedFuture(new ProtocolException(ErrorCode.NOT_A_GROUP, g.conversationId()
                                + " is not a group", g.requestId()))
                        : readModel.members(g.conversationId()).map(members -> ServerFrames.group(g.requestId(),
                                group.get(), members)));
    }

    /**
     * Each member's delivered/read status of one of the requester's own messages (docs/adr/0014): a member's marks are
     * state in {@code member_receipts}, not receipts pushed to the sender through the inbox. The message must be
     * within the requester's reach and sent by it (as WhatsApp's "message info"); the members listed are those who
     * were to receive it: in a group the current members that had joined by then, in a one-to-one chat the other
     * member (the requester excepted in both). A one-to-one chat's read mark exists only if both share read receipts.
     */
    void messageInfo(ClientFrame.MessageInfo m) {
        String ref = m.requestId();
        reach.of(userId, m.conversationId(), ref).compose(range -> {
            if (!range.contains(m.seq())) {
                return Future.<String>failedFuture(new ProtocolException(ErrorCode.TARGET_UNKNOWN, "message " + m.seq()
                        + " of " + m.conversationId() + " is not within your reach", ref));
            }
            return readModel.history(m.conversationId(), m.seq() + 1, 1).compose(page -> {
                ConversationEvent e = page.isEmpty() ? null : page.get(0).event();
                if (e == null || e.getSeq() != m.seq() || e.getType() != EventType.MESSAGE) {
                    return Future.failedFuture(new ProtocolException(ErrorCode.TARGET_UNKNOWN, "no message " + m.seq()
                            + " in " + m.conversationId(), ref));
                }
                if (!userId.equals(e.getSenderUserId())) {
                    return Future.failedFuture(new ProtocolException(ErrorCode.NOT_THE_SENDER, "message info is for"
                            + " your own messages; " + m.seq() + " was sent by " + e.getSenderUserId(), ref));
                }
                Future<List<String>> recipients = !Conversations.isGroup(m.conversationId())
                        ? Future.succeededFuture(Conversations.members(m.conversationId()).orElse(List.of()).stream()
                                .filter(x -> !x.equals(userId)).toList())
                        : readModel.members(m.conversationId()).map(members -> members.stream()
                                .filter(x -> !x.userId().equals(userId) && x.sinceSeq() <= m.seq())
                                .map(org.parley.projections.GroupDirectory.Member::userId).sorted().toList());
                return recipients.compose(users -> readModel.head(m.conversationId())
                        .compose(head -> users.isEmpty() ? Future.succeededFuture(Map.of())
                                : readModel.memberStatus(m.conversationId(), m.seq(), Math.max(head, m.seq()), users))
                        .map(status -> ServerFrames.messageInfo(ref, m.conversationId(), m.seq(), users, status)));
            });
        }).onComplete(ar -> reply(ar, ref));
    }

    /** Merges the change into the user's current settings, publishes them (the log first), then answers. */
    void settings(ClientFrame.SettingsUpdate s) {
        readModel.settings(userId).compose(current -> {
            UserSettings.Builder b = current.map(UserSettings::newBuilder)
                    .orElseGet(() -> UserSettings.newBuilder().setUserId(userId));
            if (s.readReceipts() != null) {
                b.setReadReceipts(s.readReceipts());
            }
            if (s.lastSeen() != null) {
                b.setLastSeenVisibility(s.lastSeen());
            }
            if (s.online() != null) {
                b.setOnlineVisibility(s.online());
            }
            if (s.pushSound() != null) {
                b.setPushSound(s.pushSound());
            }
            if (s.contacts() != null) {
                b.setContactUserIds(s.contacts());
            }
            if (s.mediaAutoDownloadChange() != null) {
                java.util.Map<String, List<String>> merged = new java.util.HashMap<>(
                        b.getMediaAutoDownload() == null ? java.util.Map.of() : b.getMediaAutoDownload());
                merged.putAll(s.mediaAutoDownloadChange());
                b.setMediaAutoDownload(merged);
            }
            UserSettings next = b.setUpdatedAt(Instant.now()).build();
            return log.publishSettings(next).compose(v -> readModel.saveSettings(next))
                    .map(v -> ServerFrames.settings(s.requestId(), next));
        }).onComplete(ar -> reply(ar, s.requestId()));
    }

    private void reply(io.vertx.core.AsyncResult<String> ar, String ref) {
        if (ar.succeeded()) {
            out.accept(ar.result());
        } else if (ar.cause() instanceof ProtocolException p) {
            out.accept(ServerFrames.error(p.code(), p.getMessage(), p.ref() != null ? p.ref() : ref));
        } else {
            out.accept(Failures.frame(ar.cause(), "not answered", "retry", ref));
        }
    }
}
