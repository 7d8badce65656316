package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.events.Presence;

/** The {@code presence} table (from the compacted {@code presence} topic): each user's latest presence. */
public class PresenceTable {
    private final CqlSession session;
    private final PreparedStatement upsert;
    private final PreparedStatement find;

    public PresenceTable(CqlSession session) {
        this.session = session;
        this.upsert = session.prepare("INSERT INTO presence (user_id, online, last_seen_at, updated_at) VALUES (?,?,?,?)");
        this.find = session.prepare("SELECT user_id, online, last_seen_at, updated_at FROM presence WHERE user_id = ?");
    }

    /** Idempotent upsert: replaying the topic rewrites the same row. */
    public CompletionStage<Void> write(Presence p) {
        return session.executeAsync(upsert.bind(p.getUserId(), p.getOnline(), p.getLastSeenAt(), p.getAt()))
                .thenApply(rs -> null);
    }

    /** The user's presence, or empty if the user was never seen. */
    public CompletionStage<Optional<Presence>> find(String userId) {
        return session.executeAsync(find.bind(userId)).thenApply(rs -> {
            Row row = rs.one();
            return row == null ? Optional.empty() : Optional.of(Presence.newBuilder().setUserId(userId)
                    .setOnline(row.getBoolean("online")).setLastSeenAt(row.getInstant("last_seen_at"))
                    .setAt(row.getInstant("updated_at")).build());
        });
    }
}
