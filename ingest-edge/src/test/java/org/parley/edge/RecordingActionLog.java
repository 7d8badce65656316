package org.parley.edge;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.parley.edge.log.ActionLog;
import org.parley.events.ClientAction;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.UserSettings;

/** Unit-test action log: remembers what was appended; can be made to fail like an unreachable broker. */
class RecordingActionLog implements ActionLog {
    final List<ClientAction> actions = new CopyOnWriteArrayList<>();
    final List<DeviceRecord> devices = new CopyOnWriteArrayList<>();
    final List<DeviceSession> sessions = new CopyOnWriteArrayList<>();
    final List<UserSettings> settings = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    @Override
    public Future<Void> append(ClientAction action) {
        if (failing) {
            return Future.failedFuture(new org.apache.kafka.common.errors.TimeoutException("broker unreachable"));
        }
        actions.add(action);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> register(DeviceRecord device) {
        devices.add(device);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> announce(DeviceSession session) {
        sessions.add(session);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> publishSettings(UserSettings s) {
        settings.add(s);
        return Future.succeededFuture();
    }
}
