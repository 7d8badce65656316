package org.parley.push.dispatch;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The user's custom notification sound ({@code user_settings.push_sound}, projected from {@code user-settings}). */
public class PushSounds {
    private final CqlSession session;
    private final PreparedStatement find;

    public PushSounds(CqlSession session) {
        this.session = session;
        this.find = session.prepare("SELECT push_sound FROM user_settings WHERE user_id = ?");
    }

    public CompletionStage<Optional<String>> of(String userId) {
        return session.executeAsync(find.bind(userId)).thenApply(rs -> {
            Row r = rs.one();
            return Optional.ofNullable(r == null ? null : r.getString("push_sound")).filter(s -> !s.isBlank());
        });
    }
}
