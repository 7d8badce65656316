package org.parley.edge.devices;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Optional;

/**
 * The provisioning relay's entries (docs/protocol.md, "Provisioning"): one sealed provisioning message per link id,
 * put once by a primary and taken once by the new companion. The server never reads the message: it is encrypted to
 * the companion's ephemeral key.
 */
public interface ProvisioningStore {
    /** A relay entry: whose primary put it, the sealed message, until when it may be taken. */
    record Entry(String userId, byte[] message, Instant expiresAt) {
    }

    /** Stores the entry unless the link id has one already; false if it has. */
    Future<Boolean> put(String linkId, Entry entry);

    /** Removes and returns the entry; empty if there is none (never put, or taken). One caller at most gets it. */
    Future<Optional<Entry>> take(String linkId);
}
