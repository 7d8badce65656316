package org.parley.edge.log;

import io.vertx.core.Future;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.TypingSignal;
import org.parley.events.UserSettings;

/** What the edge appends besides client actions: typing signals, its own heartbeat, user settings. */
public interface SignalLog {
    Future<Void> typing(TypingSignal signal);

    Future<Void> heartbeat(EdgeHeartbeat beat);

    Future<Void> settings(UserSettings settings);
}
