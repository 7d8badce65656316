package org.parley.edge.session;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.parley.edge.log.ActionLog;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.EventType;
import org.parley.events.UserSettings;
import org.parley.projections.ConversationHistory;
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

    ConversationQueries(EdgeReadModel readModel, ActionLog log, Consumer<String> out, String userId) {
        this.readModel = readModel;
        this.log = log;
        this.reach = new ConversationReach(readModel);
        this.out = out;
        this.userId = userId;
    }

    void history(ClientFrame.History h) {
        reach.of(userId, h.conversationId(), h.requestId()).compose(range -> {
            long before = Math.min(h.beforeSeq(), range.to() == Long.MAX_VALUE ? Long.MAX_VALUE : range.to() + 1);
            return readModel.history(h.conversationId(), before, h.limit() + 1).compose(page -> {
                boolean hasMore = page.size() > h.limit();
                List<ConversationHistory.Entry> visible = new ArrayList<>();
                for (ConversationHistory.Entry e : hasMore ? page.subList(0, h.limit()) : page) {
                    if (range.contains(e.event().getSeq())) {
                        visible.add(e);
                    } else {
                        hasMore = false; // older than the user's reach: nothing further back is theirs
                    }
                }
                if (visible.isEmpty()) {
                    return Future.succeededFuture(ServerFrames.history(h.requestId(), h.conversationId(), visible,
                            Map.of(), false));
                }
                long lo = visible.get(visible.size() - 1).event().getSeq();
                long hi = visible.get(0).event().getSeq();
                boolean more = hasMore;
                return readModel.hidden(userId, h.conversationId(), lo, hi).compose(hidden -> {
                    visible.removeIf(e -> hidden.contains(e.event().getSeq()));
                    return readModel.reactions(h.conversationId(), lo, hi).map(reactions ->
                            ServerFrames.history(h.requestId(), h.conversationId(), visible, reactions, more));
                });
            });
        }).onComplete(ar -> reply(ar, h.requestId()));
    }

    void chats(ClientFrame.Chats c) {
        long now = System.currentTimeMillis();
        readModel.conversations(userId).compose(memberships -> {
            List<ServerFrames.ChatItem> items = new ArrayList<>();
            return chatItems(memberships, 0, now, items).map(done -> {
                List<ServerFrames.ChatItem> list = new ArrayList<>(items);
                list.sort(Comparator.comparing((ServerFrames.ChatItem i) -> i.last() == null || i.last().at() == null
                        ? Instant.EPOCH : i.last().at()).reversed().thenComparing(ServerFrames.ChatItem::conversationId));
                return ServerFrames.chats(c.requestId(), list);
            });
        }).onComplete(ar -> reply(ar, c.requestId()));
    }

    /**
     * The chats {@code from} on, {@link #CHATS_AT_ONCE} at a time: a user with hundreds of chats must not put
     * hundreds of reads in flight at once (the connection's and the edge's read gates would refuse them as BUSY).
     */
    private Future<Void> chatItems(List<UserConversations.Membership> memberships, int from, long now,
                                   List<ServerFrames.ChatItem> into) {
        if (from >= memberships.size()) {
            return Future.succeededFuture();
        }
        int to = Math.min(memberships.size(), from + CHATS_AT_ONCE);
        List<Future<ServerFrames.ChatItem>> batch = new ArrayList<>();
        for (UserConversations.Membership m : memberships.subList(from, to)) {
            batch.add(chatItem(m, now));
        }
        return Future.all(batch).compose(all -> {
            into.addAll(all.<ServerFrames.ChatItem>list());
            return chatItems(memberships, to, now, into);
        });
    }

    /**
     * One chat: its name (groups), its last activity the user may see, and how many messages from others arrived
     * after the user's read position (capped).
     */
    private Future<ServerFrames.ChatItem> chatItem(UserConversations.Membership m, long now) {
        String conv = m.conversationId();
        Future<Optional<String>> name = conv.startsWith("g:")
                ? readModel.group(conv).map(g -> g.map(x -> x.name())) : Future.succeededFuture(Optional.empty());
        Future<Optional<ConversationHistory.LastActivity>> last = readModel.lastActivity(conv).compose(a -> {
            if (m.leftSeq() == null || a.isEmpty() || a.get().seq() <= m.leftSeq()) {
                return Future.succeededFuture(a);
            }
            // A former member sees the chat as it was when it left.
            return readModel.history(conv, m.leftSeq() + 1, 1).map(p -> p.stream().findFirst().map(e ->
                    new ConversationHistory.LastActivity(conv, e.event().getSeq(), e.event().getType().name(),
                            e.event().getSenderUserId(), e.event().getSentAt(), e.event().getMediaType())));
        });
        Future<Integer> unread = last.compose(a -> {
            long from = Math.max(m.readSeq(), m.sinceSeq() - 1);
            if (a.isEmpty() || a.get().seq() <= from) {
                return Future.succeededFuture(0);
            }
            return readModel.historyAfter(conv, from, a.get().seq(), UNREAD_CAP).map(entries -> (int) entries.stream()
                    .filter(e -> e.event().getType() == EventType.MESSAGE && !e.deleted()
                            && !userId.equals(e.event().getSenderUserId()))
                    .count());
        });
        return Future.all(name, last, unread).map(v -> new ServerFrames.ChatItem(conv, name.result().orElse(null), m,
                last.result().orElse(null), unread.result(), unread.result() >= UNREAD_CAP, now));
    }

    void group(ClientFrame.GroupQuery g) {
        reach.of(userId, g.conversationId(), g.requestId())
                .compose(range -> readModel.group(g.conversationId()))
                .compose(group -> group.isEmpty()
                        ? Future.failedFuture(new ProtocolException(ErrorCode.NOT_A_GROUP, g.conversationId()
                                + " is not a group", g.requestId()))
                        : readModel.members(g.conversationId()).map(members -> ServerFrames.group(g.requestId(),
                                group.get(), members)))
                .onComplete(ar -> reply(ar, g.requestId()));
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
            out.accept(ServerFrames.error(ErrorCode.UNAVAILABLE, "read model unavailable: " + ar.cause().getMessage(), ref));
        }
    }
}
