package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;

/** The {@code user_settings} table, from the compacted 'user-settings' topic (latest record per user). */
public class UserSettingsDirectory {
    private final CqlSession session;
    private final PreparedStatement upsert;
    private final PreparedStatement find;
    private final PreparedStatement upsertMedia;
    private final PreparedStatement findMedia;

    public UserSettingsDirectory(CqlSession session) {
        this.session = session;
        this.upsert = session.prepare("INSERT INTO user_settings (user_id, read_receipts, last_seen_visibility,"
                + " online_visibility, push_sound, contact_user_ids, updated_at) VALUES (?,?,?,?,?,?,?)");
        this.find = session.prepare("SELECT user_id, read_receipts, last_seen_visibility, online_visibility, push_sound,"
                + " contact_user_ids, updated_at FROM user_settings WHERE user_id = ?");
        this.upsertMedia = session.prepare("INSERT INTO user_media_settings (user_id, auto_download, updated_at)"
                + " VALUES (?,?,?)");
        this.findMedia = session.prepare("SELECT auto_download FROM user_media_settings WHERE user_id = ?");
    }

    public CompletionStage<Void> write(UserSettings s) {
        return session.executeAsync(upsert.bind(s.getUserId(), s.getReadReceipts(), s.getLastSeenVisibility().name(),
                s.getOnlineVisibility().name(), s.getPushSound(), new LinkedHashSet<>(s.getContactUserIds()),
                s.getUpdatedAt()))
                .thenCompose(rs -> session.executeAsync(upsertMedia.bind(s.getUserId(), autoDownload(s), s.getUpdatedAt())))
                .thenApply(rs -> null);
    }

    private static java.util.Map<String, java.util.List<String>> autoDownload(UserSettings s) {
        java.util.Map<String, java.util.List<String>> out = new java.util.LinkedHashMap<>();
        if (s.getMediaAutoDownload() != null) {
            s.getMediaAutoDownload().forEach((k, v) -> out.put(k.toString(), v.stream().map(String::valueOf).toList()));
        }
        return out;
    }

    /** The user's settings, or empty if it never changed them (then the defaults apply). */
    public CompletionStage<Optional<UserSettings>> find(String userId) {
        return session.executeAsync(findMedia.bind(userId)).thenCompose(media -> {
            com.datastax.oss.driver.api.core.cql.Row m = media.one();
            java.util.Map<String, java.util.List<String>> auto = m == null || m.isNull("auto_download") ? null
                    : m.get("auto_download", com.datastax.oss.driver.api.core.type.reflect.GenericType.mapOf(
                            com.datastax.oss.driver.api.core.type.reflect.GenericType.STRING,
                            com.datastax.oss.driver.api.core.type.reflect.GenericType.listOf(String.class)));
            return findSettings(userId).thenApply(found -> found.map(s -> {
                if (auto != null && !auto.isEmpty()) {
                    s.setMediaAutoDownload(new java.util.HashMap<>(auto));
                }
                return s;
            }));
        });
    }

    private CompletionStage<Optional<UserSettings>> findSettings(String userId) {
        return session.executeAsync(find.bind(userId)).thenApply(rs -> Optional.ofNullable(rs.one()).map(r ->
                UserSettings.newBuilder()
                        .setUserId(userId)
                        .setReadReceipts(r.isNull("read_receipts") || r.getBoolean("read_receipts"))
                        .setLastSeenVisibility(visibility(r.getString("last_seen_visibility")))
                        .setOnlineVisibility(visibility(r.getString("online_visibility")))
                        .setPushSound(r.getString("push_sound"))
                        .setContactUserIds(new java.util.ArrayList<>(r.getSet("contact_user_ids", String.class)))
                        .setUpdatedAt(r.getInstant("updated_at") == null ? java.time.Instant.EPOCH : r.getInstant("updated_at"))
                        .build()));
    }

    private static Visibility visibility(String v) {
        return v == null ? Visibility.EVERYONE : Visibility.valueOf(v);
    }
}
