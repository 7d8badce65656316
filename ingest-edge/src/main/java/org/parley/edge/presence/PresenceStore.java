package org.parley.edge.presence;

import io.vertx.core.Future;
import java.util.Optional;
import org.parley.events.Presence;

/** The projected presence of a user (CQL {@code presence}). Completes on the caller's context. */
public interface PresenceStore {
    /** Empty for a user never seen online. */
    Future<Optional<Presence>> find(String userId);
}
