package org.parley.edge;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;

/** Unit-test read model (the CQL one is exercised by the integration tests). */
class InMemoryReadModel implements EdgeReadModel {
    final Map<String, DeviceDirectory.Device> devices = new ConcurrentHashMap<>();
    final Map<String, ConcurrentSkipListMap<Long, byte[]>> inbox = new ConcurrentHashMap<>();
    final Map<String, Long> cursors = new ConcurrentHashMap<>();
    final Map<String, List<ConversationEvent>> history = new ConcurrentHashMap<>();

    @Override
    public Future<Optional<DeviceDirectory.Device>> device(String deviceId) {
        return Future.succeededFuture(Optional.ofNullable(devices.get(deviceId)));
    }

    @Override
    public Future<Void> saveDevice(DeviceRecord d) {
        devices.put(d.getDeviceId(), new DeviceDirectory.Device(d.getDeviceId(), d.getUserId(), d.getTokenHash(), d.getRevoked()));
        return Future.succeededFuture();
    }

    @Override
    public Future<List<ConversationEvent>> history(String conversationId, long beforeSeq, int limit) {
        List<ConversationEvent> out = new ArrayList<>();
        List<ConversationEvent> all = history.getOrDefault(conversationId, List.of());
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            if (all.get(i).getSeq() < beforeSeq) {
                out.add(all.get(i));
            }
        }
        return Future.succeededFuture(out);
    }

    @Override
    public Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit) {
        List<DeviceInbox.Entry> out = new ArrayList<>();
        inbox.getOrDefault(deviceId, new ConcurrentSkipListMap<>()).subMap(afterSeq, false, upToSeq, true)
                .forEach((k, v) -> {
                    if (out.size() < limit) {
                        out.add(new DeviceInbox.Entry(k, v));
                    }
                });
        return Future.succeededFuture(out);
    }

    @Override
    public Future<Long> cursor(String deviceId) {
        return Future.succeededFuture(cursors.getOrDefault(deviceId, 0L));
    }

    @Override
    public Future<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        cursors.put(deviceId, ackedInboxSeq);
        return Future.succeededFuture();
    }
}
