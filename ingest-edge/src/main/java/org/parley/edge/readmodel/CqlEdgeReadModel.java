package org.parley.edge.readmodel;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.projections.ConversationHistory;
import org.parley.projections.DeviceDirectory;
import org.parley.projections.DeviceInbox;

/** The CQL read model, with driver futures brought back onto the calling Vert.x context. */
public class CqlEdgeReadModel implements EdgeReadModel {
    private final Vertx vertx;
    private final DeviceDirectory devices;
    private final ConversationHistory history;
    private final DeviceInbox inbox;

    public CqlEdgeReadModel(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.devices = new DeviceDirectory(session);
        this.history = new ConversationHistory(session);
        this.inbox = new DeviceInbox(session);
    }

    @Override
    public Future<Optional<DeviceDirectory.Device>> device(String deviceId) {
        return onContext(devices.find(deviceId));
    }

    @Override
    public Future<Void> saveDevice(DeviceRecord device) {
        return onContext(devices.write(device));
    }

    @Override
    public Future<List<ConversationEvent>> history(String conversationId, long beforeSeq, int limit) {
        return onContext(history.page(conversationId, beforeSeq, limit));
    }

    @Override
    public Future<List<DeviceInbox.Entry>> inbox(String deviceId, long afterSeq, long upToSeq, int limit) {
        return onContext(inbox.range(deviceId, afterSeq, upToSeq, limit));
    }

    @Override
    public Future<Long> cursor(String deviceId) {
        return onContext(inbox.cursor(deviceId));
    }

    @Override
    public Future<Void> saveCursor(String deviceId, long ackedInboxSeq) {
        return onContext(inbox.saveCursor(deviceId, ackedInboxSeq));
    }

    private <T> Future<T> onContext(CompletionStage<T> stage) {
        Context context = vertx.getOrCreateContext();
        Promise<T> promise = Promise.promise();
        stage.whenComplete((value, err) -> context.runOnContext(v -> {
            if (err == null) {
                promise.complete(value);
            } else {
                promise.fail(err);
            }
        }));
        return promise.future();
    }
}
