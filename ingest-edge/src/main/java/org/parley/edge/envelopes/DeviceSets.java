package org.parley.edge.envelopes;

import io.vertx.core.Future;
import java.util.Set;

/**
 * A user's devices that a sender must encrypt for: linked now and with published keys (the devices
 * {@code GET /v1/keys/{userId}} answers bundles for). Futures complete on the caller's context.
 */
public interface DeviceSets {
    Future<Set<String>> current(String userId);
}
