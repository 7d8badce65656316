package org.parley.edge;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.parley.edge.log.SignalLog;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.TypingSignal;
import org.parley.events.UserSettings;

/** Unit-test signal log: remembers what was appended. */
class RecordingSignalLog implements SignalLog {
    final List<TypingSignal> typing = new CopyOnWriteArrayList<>();
    final List<EdgeHeartbeat> heartbeats = new CopyOnWriteArrayList<>();
    final List<UserSettings> settings = new CopyOnWriteArrayList<>();

    @Override
    public Future<Void> typing(TypingSignal signal) {
        typing.add(signal);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> heartbeat(EdgeHeartbeat beat) {
        heartbeats.add(beat);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> settings(UserSettings s) {
        settings.add(s);
        return Future.succeededFuture();
    }
}
