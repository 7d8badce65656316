package org.parley.streams;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.parley.events.ClientAction;
import org.parley.events.EventType;
import org.parley.events.GroupInfoChange;
import org.parley.events.GroupMember;
import org.parley.events.GroupSnapshot;
import org.parley.events.GroupState;
import org.parley.schemas.Conversations;

/**
 * The group rules: who may create, change, add, remove, promote and demote, and what each change does to the group.
 * Pure functions of (state, action, seq), so a replay computes the same result. Members are kept sorted by user id
 * (a stored map comes back unordered), so every list derived from them is deterministic.
 */
final class GroupCommands {
    static final int MAX_NAME = 100;
    static final int MAX_DESCRIPTION = 2048;

    /** A validated change: the group after it, and the event's type, subjects, recipients and rendering. */
    record Change(GroupState next, EventType type, List<String> subjects, List<String> deliverTo, String systemText) {
    }

    private GroupCommands() {
    }

    static Change apply(GroupState current, ClientAction a, long seq, SequencerRules rules) {
        String actor = a.getSenderUserId();
        return switch (a.getType()) {
            case CREATE_GROUP -> create(current, a, seq, rules);
            case UPDATE_GROUP_INFO -> updateInfo(existing(current, a), a);
            case ADD_MEMBERS -> add(existing(current, a), a, seq, rules);
            case REMOVE_MEMBER -> remove(existing(current, a), a, actor);
            case LEAVE_GROUP -> leave(existing(current, a), actor);
            case PROMOTE_ADMIN, DEMOTE_ADMIN -> setAdmin(existing(current, a), a, a.getType() == org.parley.events.ActionType.PROMOTE_ADMIN);
            default -> throw new IllegalArgumentException("not a group action: " + a.getType());
        };
    }

    private static GroupState existing(GroupState current, ClientAction a) {
        if (current == null) {
            throw new Rejection(Conversations.isGroup(a.getConversationId()) ? "UNKNOWN_CONVERSATION" : "NOT_A_GROUP",
                    a.getConversationId() + " is not a group");
        }
        if (!current.getMembers().containsKey(a.getSenderUserId())) {
            throw new Rejection("NOT_A_MEMBER", a.getSenderUserId() + " is not a member of " + a.getConversationId());
        }
        return current;
    }

    private static Change create(GroupState current, ClientAction a, long seq, SequencerRules rules) {
        if (!Conversations.isGroup(a.getConversationId())) {
            throw new Rejection("INVALID_FIELD", "a group id is 'g:' and 8..64 letters, digits, '_' or '-'");
        }
        if (current != null || seq != 1) {
            throw new Rejection("CONVERSATION_EXISTS", a.getConversationId() + " already exists");
        }
        GroupInfoChange info = a.getGroupInfo();
        if (info == null || info.getName() == null || info.getName().isBlank()) {
            throw new Rejection("MISSING_FIELD", "a group needs a name");
        }
        Set<String> invited = validUsers(a.getSubjectUserIds());
        invited.remove(a.getSenderUserId());
        if (invited.size() + 1 > rules.maxGroupMembers()) {
            throw groupFull(a, rules);
        }
        Map<String, GroupMember> members = new TreeMap<>();
        members.put(a.getSenderUserId(), new GroupMember(true, seq));
        invited.forEach(u -> members.put(u, new GroupMember(false, seq)));
        GroupSnapshot snapshot = GroupSnapshot.newBuilder()
                .setName(checkedName(info.getName()))
                .setDescription(checkedDescription(info.getDescription()))
                .setIconKey(info.getIconKey())
                .setAdminUserIds(List.of(a.getSenderUserId()))
                .setOnlyAdminsEditInfo(info.getOnlyAdminsEditInfo() == null || info.getOnlyAdminsEditInfo())
                .setHistorySharing(info.getHistorySharing() != null && info.getHistorySharing())
                .setCreatedBy(a.getSenderUserId())
                .build();
        GroupState next = new GroupState(snapshot, members);
        return new Change(next, EventType.GROUP_CREATED, List.copyOf(invited), List.copyOf(members.keySet()),
                a.getSenderUserId() + " created group '" + snapshot.getName() + "'");
    }

    private static Change updateInfo(GroupState g, ClientAction a) {
        GroupInfoChange info = a.getGroupInfo();
        if (info == null) {
            throw new Rejection("MISSING_FIELD", "groupInfo is required");
        }
        boolean admin = g.getMembers().get(a.getSenderUserId()).getAdmin();
        boolean changesSettings = info.getOnlyAdminsEditInfo() != null || info.getHistorySharing() != null;
        if (!admin && (changesSettings || g.getInfo().getOnlyAdminsEditInfo())) {
            throw new Rejection("NOT_AN_ADMIN", changesSettings
                    ? "only admins change the group's settings"
                    : "only admins edit this group's info");
        }
        GroupSnapshot.Builder s = GroupSnapshot.newBuilder(g.getInfo());
        List<String> changed = new ArrayList<>();
        if (info.getName() != null) {
            s.setName(checkedName(info.getName()));
            changed.add("the name to '" + info.getName() + "'");
        }
        if (info.getDescription() != null) {
            s.setDescription(checkedDescription(info.getDescription()));
            changed.add("the description");
        }
        if (info.getIconKey() != null) {
            s.setIconKey(info.getIconKey());
            changed.add("the icon");
        }
        if (info.getOnlyAdminsEditInfo() != null) {
            s.setOnlyAdminsEditInfo(info.getOnlyAdminsEditInfo());
            changed.add(info.getOnlyAdminsEditInfo() ? "info editing to admins only" : "info editing to all members");
        }
        if (info.getHistorySharing() != null) {
            s.setHistorySharing(info.getHistorySharing());
            changed.add(info.getHistorySharing() ? "history sharing on" : "history sharing off");
        }
        if (changed.isEmpty()) {
            throw new Rejection("MISSING_FIELD", "groupInfo changes nothing");
        }
        GroupState next = new GroupState(s.build(), g.getMembers());
        return new Change(next, EventType.GROUP_INFO_CHANGED, List.of(), List.copyOf(g.getMembers().keySet()),
                a.getSenderUserId() + " changed " + String.join(", ", changed));
    }

    private static Change add(GroupState g, ClientAction a, long seq, SequencerRules rules) {
        requireAdmin(g, a, "add members");
        Set<String> added = validUsers(a.getSubjectUserIds());
        added.removeAll(g.getMembers().keySet());
        if (added.isEmpty()) {
            throw new Rejection("ALREADY_A_MEMBER", "everyone named is already a member");
        }
        if (g.getMembers().size() + added.size() > rules.maxGroupMembers()) {
            throw groupFull(a, rules);
        }
        Map<String, GroupMember> members = new TreeMap<>(g.getMembers());
        added.forEach(u -> members.put(u, new GroupMember(false, seq)));
        GroupState next = new GroupState(g.getInfo(), members);
        return new Change(next, EventType.MEMBERS_ADDED, List.copyOf(added), List.copyOf(members.keySet()),
                a.getSenderUserId() + " added " + String.join(", ", added));
    }

    private static Change remove(GroupState g, ClientAction a, String actor) {
        requireAdmin(g, a, "remove members");
        String subject = oneSubject(g, a);
        if (subject.equals(actor)) {
            throw new Rejection("INVALID_FIELD", "to remove yourself, leave the group");
        }
        // The removed member still receives this event (it learns it was removed), and nothing after it.
        List<String> deliverTo = List.copyOf(g.getMembers().keySet());
        Map<String, GroupMember> members = new TreeMap<>(g.getMembers());
        members.remove(subject);
        return new Change(withAdminsOf(g.getInfo(), members), EventType.MEMBER_REMOVED, List.of(subject), deliverTo,
                actor + " removed " + subject);
    }

    private static Change leave(GroupState g, String actor) {
        List<String> deliverTo = List.copyOf(g.getMembers().keySet());
        Map<String, GroupMember> members = new TreeMap<>(g.getMembers());
        members.remove(actor);
        String text = actor + " left";
        // A group is never left without an admin: the longest-standing member takes over, as WhatsApp does.
        if (!members.isEmpty() && members.values().stream().noneMatch(GroupMember::getAdmin)) {
            String heir = members.entrySet().stream()
                    .min(java.util.Comparator.comparingLong((Map.Entry<String, GroupMember> e) -> e.getValue().getSinceSeq())
                            .thenComparing(Map.Entry::getKey))
                    .orElseThrow().getKey();
            members.put(heir, new GroupMember(true, members.get(heir).getSinceSeq()));
            text += "; " + heir + " is now an admin";
        }
        return new Change(withAdminsOf(g.getInfo(), members), EventType.MEMBER_LEFT, List.of(actor), deliverTo, text);
    }

    private static Change setAdmin(GroupState g, ClientAction a, boolean admin) {
        requireAdmin(g, a, admin ? "promote admins" : "demote admins");
        String subject = oneSubject(g, a);
        GroupMember m = g.getMembers().get(subject);
        if (m.getAdmin() == admin) {
            throw new Rejection("INVALID_FIELD", subject + (admin ? " is already an admin" : " is not an admin"));
        }
        Map<String, GroupMember> members = new TreeMap<>(g.getMembers());
        members.put(subject, new GroupMember(admin, m.getSinceSeq()));
        if (members.values().stream().noneMatch(GroupMember::getAdmin)) {
            throw new Rejection("LAST_ADMIN", "a group keeps at least one admin; promote another member first");
        }
        return new Change(withAdminsOf(g.getInfo(), members), admin ? EventType.ADMIN_PROMOTED : EventType.ADMIN_DEMOTED,
                List.of(subject), List.copyOf(members.keySet()),
                a.getSenderUserId() + (admin ? " made " + subject + " an admin" : " dismissed " + subject + " as admin"));
    }

    private static GroupState withAdminsOf(GroupSnapshot info, Map<String, GroupMember> members) {
        List<String> admins = members.entrySet().stream().filter(e -> e.getValue().getAdmin()).map(Map.Entry::getKey).toList();
        return new GroupState(GroupSnapshot.newBuilder(info).setAdminUserIds(admins).build(), members);
    }

    private static void requireAdmin(GroupState g, ClientAction a, String what) {
        if (!g.getMembers().get(a.getSenderUserId()).getAdmin()) {
            throw new Rejection("NOT_AN_ADMIN", "only admins " + what);
        }
    }

    private static String oneSubject(GroupState g, ClientAction a) {
        if (a.getSubjectUserIds().size() != 1) {
            throw new Rejection("MISSING_FIELD", "name exactly one user");
        }
        String subject = a.getSubjectUserIds().get(0);
        if (!g.getMembers().containsKey(subject)) {
            throw new Rejection("TARGET_UNKNOWN", subject + " is not a member of " + a.getConversationId());
        }
        return subject;
    }

    private static Set<String> validUsers(List<String> users) {
        Set<String> out = new LinkedHashSet<>();
        for (String u : users) {
            if (!Conversations.USER_ID.matcher(u).matches()) {
                throw new Rejection("INVALID_FIELD", "'" + u + "' is not a valid user id");
            }
            out.add(u);
        }
        return out;
    }

    private static Rejection groupFull(ClientAction a, SequencerRules rules) {
        return new Rejection("GROUP_FULL", a.getConversationId() + " would exceed " + rules.maxGroupMembers() + " members");
    }

    private static String checkedName(String name) {
        if (name.isBlank() || name.length() > MAX_NAME) {
            throw new Rejection("INVALID_FIELD", "a group name has 1.." + MAX_NAME + " characters");
        }
        return name;
    }

    private static String checkedDescription(String description) {
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw new Rejection("INVALID_FIELD", "a group description has at most " + MAX_DESCRIPTION + " characters");
        }
        return description;
    }
}
