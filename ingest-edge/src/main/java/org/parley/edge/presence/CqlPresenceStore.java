package org.parley.edge.presence;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.parley.events.Presence;
import org.parley.projections.PresenceTable;

/** {@link PresenceStore} on the CQL {@code presence} table. */
public class CqlPresenceStore implements PresenceStore {
    private final Vertx vertx;
    private final PresenceTable table;

    public CqlPresenceStore(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.table = new PresenceTable(session);
    }

    @Override
    public Future<Optional<Presence>> find(String userId) {
        return Future.fromCompletionStage(table.find(userId), vertx.getOrCreateContext());
    }
}
