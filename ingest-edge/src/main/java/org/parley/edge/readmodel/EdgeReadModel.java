package org.parley.edge.readmodel;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;

/** The read side the edge uses: devices, history, inbox and cursors. Futures complete on the caller's context. */
public interface EdgeReadModel {
    Future<Optional<DeviceDirectory.Device>> device(String deviceId);

    /** Writes the registry row straight away so a device can connect right after registering (same row the projection writes). */
    Future<Void> saveDevice(DeviceRecord device);

    Future<List<ConversationEvent>> history(String conversationId, long beforeSeq, int limit);

    Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit);

    Future<Long> cursor(String deviceId);

    Future<Void> saveCursor(String deviceId, long ackedInboxSeq);
}
