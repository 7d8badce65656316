package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.GroupSnapshot;

/**
 * The {@code group_departures} table: what a former member may still see of a group, the group's info and members
 * right after it left or was removed (from MEMBER_REMOVED and MEMBER_LEFT, whose snapshot is the state after the
 * event). A member who rejoins and leaves again gets the later view (cells at the event's seq).
 */
public class GroupDepartures {
    /** The group as {@code userId} last saw it as a member: after the event at {@code leftSeq} that ended it. */
    public record Departure(String userId, String conversationId, long leftSeq, GroupDirectory.Group group,
                            List<String> adminUserIds, List<String> memberUserIds) {
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement read;

    public GroupDepartures(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO group_departures (user_id, conversation_id, left_seq, name,"
                + " description, icon_key, created_by, only_admins_edit_info, history_sharing, admin_user_ids,"
                + " member_user_ids) VALUES (?,?,?,?,?,?,?,?,?,?,?) USING TIMESTAMP ?");
        this.read = session.prepare("SELECT left_seq, name, description, icon_key, created_by, only_admins_edit_info,"
                + " history_sharing, admin_user_ids, member_user_ids FROM group_departures"
                + " WHERE user_id = ? AND conversation_id = ?");
    }

    /** One departure per user leaving or removed by the event; none for other events. */
    public static List<Departure> of(ConversationEvent e) {
        GroupSnapshot g = e.getGroup();
        if (g == null) {
            return List.of();
        }
        return switch (e.getType()) {
            case MEMBER_REMOVED, MEMBER_LEFT -> {
                // memberUserIds holds the members at this seq, the one leaving included: the members after it are the rest.
                List<String> remaining = new ArrayList<>(e.getMemberUserIds());
                remaining.removeAll(e.getSubjectUserIds());
                GroupDirectory.Group info = new GroupDirectory.Group(e.getConversationId(), g.getName(),
                        g.getDescription(), g.getIconKey(), g.getCreatedBy(), g.getOnlyAdminsEditInfo(),
                        g.getHistorySharing());
                List<Departure> out = new ArrayList<>();
                for (String user : e.getSubjectUserIds()) {
                    out.add(new Departure(user, e.getConversationId(), e.getSeq(), info,
                            List.copyOf(g.getAdminUserIds()), List.copyOf(remaining)));
                }
                yield out;
            }
            default -> List.of();
        };
    }

    /** Idempotent: the same event writes the same row; a later departure overwrites an earlier one. */
    public CompletionStage<Void> write(Departure d) {
        GroupDirectory.Group g = d.group();
        return session.executeAsync(insert.bind(d.userId(), d.conversationId(), d.leftSeq(), g.name(), g.description(),
                g.iconKey(), g.createdBy(), g.onlyAdminsEditInfo(), g.historySharing(), d.adminUserIds(),
                d.memberUserIds(), d.leftSeq())).thenApply(rs -> null);
    }

    public CompletionStage<Optional<Departure>> find(String userId, String conversationId) {
        return session.executeAsync(read.bind(userId, conversationId)).thenApply(rs -> {
            Row r = rs.one();
            if (r == null || r.isNull("left_seq")) {
                return Optional.empty();
            }
            GroupDirectory.Group g = new GroupDirectory.Group(conversationId, r.getString("name"),
                    r.getString("description"), r.getString("icon_key"), r.getString("created_by"),
                    r.getBoolean("only_admins_edit_info"), r.getBoolean("history_sharing"));
            return Optional.of(new Departure(userId, conversationId, r.getLong("left_seq"), g,
                    r.getList("admin_user_ids", String.class), r.getList("member_user_ids", String.class)));
        });
    }
}
