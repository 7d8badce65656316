package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Reads {@code conversation_members}: who belongs to a (group) conversation now. */
public class ConversationMembers {
    private final CqlSession session;
    private final PreparedStatement members;

    public ConversationMembers(CqlSession session) {
        this.session = session;
        this.members = session.prepare("SELECT user_id FROM conversation_members WHERE conversation_id = ?");
    }

    /** The member user ids; empty for a conversation nobody belongs to (or that does not exist). */
    public CompletionStage<List<String>> of(String conversationId) {
        return session.executeAsync(members.bind(conversationId)).thenApply(rs -> {
            List<String> out = new ArrayList<>();
            for (Row row : rs.currentPage()) {
                out.add(row.getString("user_id"));
            }
            return out;
        });
    }
}
