package org.parley.edge.settings;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.parley.edge.log.SignalLog;
import org.parley.events.UserSettings;
import org.parley.projections.UserSettingsDirectory;

/** Settings in the log first (the system of record), then in CQL {@code user_settings} (read-your-writes). */
public class LoggedSettingsStore implements SettingsStore {
    private final Vertx vertx;
    private final SignalLog log;
    private final UserSettingsDirectory table;

    public LoggedSettingsStore(Vertx vertx, SignalLog log, CqlSession session) {
        this.vertx = vertx;
        this.log = log;
        this.table = new UserSettingsDirectory(session);
    }

    @Override
    public Future<Optional<UserSettings>> find(String userId) {
        return Future.fromCompletionStage(table.find(userId), vertx.getOrCreateContext());
    }

    @Override
    public Future<Void> save(UserSettings settings) {
        return log.settings(settings).compose(v -> Future.fromCompletionStage(table.write(settings), vertx.getOrCreateContext()));
    }
}
