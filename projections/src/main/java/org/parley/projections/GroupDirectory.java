package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.events.GroupSnapshot;

/** The {@code groups} and {@code conversation_members} tables, from group events (cells at the event's seq). */
public class GroupDirectory {
    public record Member(String userId, boolean admin, long sinceSeq) {
    }

    public record Group(String conversationId, String name, String description, String iconKey, String createdBy,
                        boolean onlyAdminsEditInfo, boolean historySharing) {
    }

    private final CqlSession session;
    private final PreparedStatement writeGroup;
    private final PreparedStatement addMember;
    private final PreparedStatement setAdmin;
    private final PreparedStatement removeMember;
    private final PreparedStatement readGroup;
    private final PreparedStatement readMembers;

    public GroupDirectory(CqlSession session) {
        this.session = session;
        this.writeGroup = session.prepare("UPDATE groups USING TIMESTAMP ? SET name = ?, description = ?, icon_key = ?,"
                + " created_by = ?, only_admins_edit_info = ?, history_sharing = ? WHERE conversation_id = ?");
        this.addMember = session.prepare("UPDATE conversation_members USING TIMESTAMP ? SET since_seq = ?, admin = ?"
                + " WHERE conversation_id = ? AND user_id = ?");
        this.setAdmin = session.prepare("UPDATE conversation_members USING TIMESTAMP ? SET admin = ?"
                + " WHERE conversation_id = ? AND user_id = ?");
        this.removeMember = session.prepare("DELETE FROM conversation_members USING TIMESTAMP ?"
                + " WHERE conversation_id = ? AND user_id = ?");
        this.readGroup = session.prepare("SELECT conversation_id, name, description, icon_key, created_by,"
                + " only_admins_edit_info, history_sharing FROM groups WHERE conversation_id = ?");
        this.readMembers = session.prepare("SELECT user_id, admin, since_seq FROM conversation_members"
                + " WHERE conversation_id = ?");
    }

    /**
     * Applies one group event: the group's info and admins from its snapshot, members added with their join seq,
     * the removed or leaving member deleted.
     */
    public CompletionStage<Void> apply(ConversationEvent e) {
        GroupSnapshot g = e.getGroup();
        String conv = e.getConversationId();
        long ts = e.getSeq();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        writes.add(session.executeAsync(writeGroup.bind(ts, g.getName(), g.getDescription(), g.getIconKey(),
                g.getCreatedBy(), g.getOnlyAdminsEditInfo(), g.getHistorySharing(), conv)).toCompletableFuture());
        List<String> gone = switch (e.getType()) {
            case MEMBER_REMOVED, MEMBER_LEFT -> e.getSubjectUserIds();
            default -> List.of();
        };
        List<String> joined = switch (e.getType()) {
            case GROUP_CREATED -> e.getMemberUserIds();
            case MEMBERS_ADDED -> e.getSubjectUserIds();
            default -> List.of();
        };
        for (String user : e.getMemberUserIds()) {
            boolean admin = g.getAdminUserIds().contains(user);
            if (gone.contains(user)) {
                writes.add(session.executeAsync(removeMember.bind(ts, conv, user)).toCompletableFuture());
            } else if (joined.contains(user)) {
                writes.add(session.executeAsync(addMember.bind(ts, ts, admin, conv, user)).toCompletableFuture());
            } else if (e.getType() == EventType.ADMIN_PROMOTED || e.getType() == EventType.ADMIN_DEMOTED
                    || e.getType() == EventType.MEMBER_LEFT) { // a leaving last admin hands over
                writes.add(session.executeAsync(setAdmin.bind(ts, admin, conv, user)).toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    public CompletionStage<Optional<Group>> find(String conversationId) {
        return session.executeAsync(readGroup.bind(conversationId)).thenApply(rs -> Optional.ofNullable(rs.one())
                .filter(r -> r.getString("name") != null)
                .map(r -> new Group(conversationId, r.getString("name"), r.getString("description"),
                        r.getString("icon_key"), r.getString("created_by"), r.getBoolean("only_admins_edit_info"),
                        r.getBoolean("history_sharing"))));
    }

    public CompletionStage<List<Member>> members(String conversationId) {
        return session.executeAsync(readMembers.bind(conversationId)).thenApply(rs -> {
            List<Member> out = new ArrayList<>();
            for (Row r : rs.currentPage()) {
                if (!r.isNull("since_seq")) {
                    out.add(new Member(r.getString("user_id"), !r.isNull("admin") && r.getBoolean("admin"), r.getLong("since_seq")));
                }
            }
            return out;
        });
    }
}
