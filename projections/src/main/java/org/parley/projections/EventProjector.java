package org.parley.projections;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;
import org.parley.schemas.Conversations;

/**
 * What one conversation event (or receipt) changes in the read model: history rows, the target of an edit, delete or
 * reaction, group info and members, each user's conversations, what former members still see of a group, and the
 * media keys events show. Private events touch only their user's rows.
 */
public class EventProjector {
    private final ConversationHistory history;
    private final GroupDirectory groups;
    private final UserConversations userConversations;
    private final GroupDepartures departures;
    private final MediaReferences mediaReferences;
    private final MessageEnvelopes envelopes;
    private MemberReceipts memberReceipts;
    private MessageSearch search;

    public EventProjector(ConversationHistory history, GroupDirectory groups, UserConversations userConversations,
                          GroupDepartures departures, MediaReferences mediaReferences) {
        this(history, groups, userConversations, departures, mediaReferences, null);
    }

    /** {@code envelopes} null: the per-device envelopes of encrypted messages are not written (tests of other tables). */
    public EventProjector(ConversationHistory history, GroupDirectory groups, UserConversations userConversations,
                          GroupDepartures departures, MediaReferences mediaReferences, MessageEnvelopes envelopes) {
        this.envelopes = envelopes;
        this.history = history;
        this.groups = groups;
        this.userConversations = userConversations;
        this.departures = departures;
        this.mediaReferences = mediaReferences;
    }

    public List<CompletionStage<Void>> project(ConversationEvent e) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        String conv = e.getConversationId();
        // A one-to-one chat has both members from its start: its first event (whatever its kind) says so.
        if (e.getSeq() == 1) {
            Conversations.members(conv).ifPresent(members -> members.forEach(u -> writes.add(userConversations.joined(u, conv, 1))));
        }
        if (search != null) {
            writes.addAll(search.project(e)); // the metadata search rows (docs/search.md)
        }
        switch (e.getType()) {
            case HIDDEN_FOR_ME -> writes.add(userConversations.hidden(e.getPrivateToUserId(), conv, e.getTargetSeq(), e.getSeq()));
            case MUTE_CHANGED -> writes.add(userConversations.muted(e.getPrivateToUserId(), conv, e.getMuteUntil(), e.getSeq()));
            default -> {
                writes.add(history.write(e));
                if (envelopes != null) {
                    writes.add(envelopes.write(e)); // encrypted messages only: each device's own envelope
                }
                switch (e.getType()) {
                    case MESSAGE_EDITED -> writes.add(history.applyEdit(e));
                    case MESSAGE_DELETED -> writes.add(history.applyDelete(e));
                    case REACTION -> writes.add(history.applyReaction(e));
                    case GROUP_CREATED, MEMBERS_ADDED -> {
                        writes.add(groups.apply(e));
                        List<String> joined = e.getType() == org.parley.events.EventType.GROUP_CREATED
                                ? e.getMemberUserIds() : e.getSubjectUserIds();
                        joined.forEach(u -> writes.add(userConversations.joined(u, conv, e.getSeq())));
                    }
                    case MEMBER_REMOVED, MEMBER_LEFT -> {
                        writes.add(groups.apply(e));
                        e.getSubjectUserIds().forEach(u -> writes.add(userConversations.left(u, conv, e.getSeq())));
                        GroupDepartures.of(e).forEach(d -> writes.add(departures.write(d)));
                    }
                    case GROUP_INFO_CHANGED, ADMIN_PROMOTED, ADMIN_DEMOTED -> writes.add(groups.apply(e));
                    default -> {
                    }
                }
                MediaReferences.of(e).forEach(r -> writes.add(mediaReferences.write(r, e.getSentAt())));
                MediaReferences.revokedBy(e).forEach(r -> writes.add(mediaReferences.revoke(r, e.getSentAt())));
            }
        }
        return writes;
    }

    /** Private events are not activity anyone else sees: they never move the chat list. */
    public static boolean isSharedActivity(ConversationEvent e) {
        return e.getPrivateToUserId() == null;
    }

    /** Per-member marks ({@code member_receipts}, docs/adr/0014) are written too; null: not (tests of other tables). */
    public EventProjector withMemberReceipts(MemberReceipts memberReceipts) {
        this.memberReceipts = memberReceipts;
        return this;
    }

    /** The metadata search tables ({@code message_search}, docs/search.md) are written too; null: not (tests of other tables). */
    public EventProjector withSearch(MessageSearch search) {
        this.search = search;
        return this;
    }

    /**
     * A reader's own READ receipt is its read state (the sequencer sends it once per advance); a member's delivered or
     * read mark is a {@code member_receipts} row ({@link MemberReceipts#of}).
     */
    public List<CompletionStage<Void>> project(Receipt r) {
        List<CompletionStage<Void>> writes = new ArrayList<>(2);
        if (r.getStatus() == ReceiptStatus.READ && r.getByUserId().equals(r.getToUserId())) {
            writes.add(userConversations.readUpTo(r.getByUserId(), r.getConversationId(), r.getSeq()));
        }
        if (memberReceipts != null) {
            MemberReceipts.of(r).ifPresent(row -> writes.add(memberReceipts.write(row)));
        }
        if (writes.isEmpty()) {
            writes.add(CompletableFuture.completedFuture(null));
        }
        return writes;
    }
}
