package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;

/** The {@code user_settings} table (from the compacted {@code user-settings} topic). */
public class UserSettingsTable {
    private final CqlSession session;
    private final PreparedStatement upsert;
    private final PreparedStatement find;

    public UserSettingsTable(CqlSession session) {
        this.session = session;
        this.upsert = session.prepare("INSERT INTO user_settings (user_id, read_receipts, last_seen_visibility,"
                + " online_visibility, push_sound, contact_user_ids, updated_at) VALUES (?,?,?,?,?,?,?)");
        this.find = session.prepare("SELECT * FROM user_settings WHERE user_id = ?");
    }

    /** Idempotent upsert of the whole row. */
    public CompletionStage<Void> write(UserSettings s) {
        return session.executeAsync(upsert.bind(s.getUserId(), s.getReadReceipts(), s.getLastSeenVisibility().name(),
                s.getOnlineVisibility().name(), s.getPushSound(), new HashSet<>(s.getContactUserIds()), s.getUpdatedAt()))
                .thenApply(rs -> null);
    }

    /** The user's settings, or empty if the user never changed any (the schema defaults apply). */
    public CompletionStage<Optional<UserSettings>> find(String userId) {
        return session.executeAsync(find.bind(userId)).thenApply(rs -> {
            Row row = rs.one();
            if (row == null) {
                return Optional.empty();
            }
            return Optional.of(UserSettings.newBuilder().setUserId(userId).setReadReceipts(row.getBoolean("read_receipts"))
                    .setLastSeenVisibility(visibility(row.getString("last_seen_visibility")))
                    .setOnlineVisibility(visibility(row.getString("online_visibility")))
                    .setPushSound(row.getString("push_sound"))
                    .setContactUserIds(new ArrayList<>(row.getSet("contact_user_ids", String.class)))
                    .setUpdatedAt(row.getInstant("updated_at")).build());
        });
    }

    private static Visibility visibility(String v) {
        return v == null ? Visibility.EVERYONE : Visibility.valueOf(v);
    }
}
