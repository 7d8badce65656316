package org.parley.edge.settings;

import io.vertx.core.Future;
import java.util.Optional;
import org.parley.events.UserSettings;

/** A user's settings as the edge reads and writes them. Futures complete on the caller's context. */
public interface SettingsStore {
    /** Empty when the user never changed a setting: the schema defaults apply. */
    Future<Optional<UserSettings>> find(String userId);

    /** Appends to the log ({@code user-settings}), then writes the row so the next read sees it. */
    Future<Void> save(UserSettings settings);
}
