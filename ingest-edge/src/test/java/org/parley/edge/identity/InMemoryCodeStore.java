package org.parley.edge.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Unit-test code store: the same compare-and-set on the version as the CQL lightweight transactions. */
public class InMemoryCodeStore implements CodeStore {
    public final Map<String, State> rows = new ConcurrentHashMap<>();
    /** When set, the next put loses its compare-and-set, as if another edge wrote first. */
    public volatile boolean loseNextPut;

    @Override
    public Future<Optional<State>> find(String identifier) {
        return Future.succeededFuture(Optional.ofNullable(rows.get(identifier)));
    }

    @Override
    public synchronized Future<Boolean> put(State next, Instant keepUntil) {
        if (loseNextPut) {
            loseNextPut = false;
            return Future.succeededFuture(false);
        }
        State current = rows.get(next.identifier());
        long have = current == null ? 0 : current.version();
        if (have != next.version() - 1) {
            return Future.succeededFuture(false);
        }
        rows.put(next.identifier(), next);
        return Future.succeededFuture(true);
    }
}
