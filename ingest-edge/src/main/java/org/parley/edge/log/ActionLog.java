package org.parley.edge.log;

import io.vertx.core.Future;
import org.parley.events.ClientAction;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.UserSettings;

/** Where the edge appends what clients do. Each future completes once the log acknowledged the record (acks=all). */
public interface ActionLog {
    Future<Void> append(ClientAction action);

    Future<Void> register(DeviceRecord device);

    Future<Void> announce(DeviceSession session);

    /** A user's settings (compacted topic 'user-settings'). */
    Future<Void> publishSettings(UserSettings settings);
}
