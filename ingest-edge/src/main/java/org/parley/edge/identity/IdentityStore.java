package org.parley.edge.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Optional;

/**
 * The binding of user ids to proven identifiers: the first registration of an identifier binds it to the user id
 * the client chose, for good. An identifier has one user id and a user id one identifier; neither is ever bound to
 * another. Futures complete on the caller's context.
 */
public interface IdentityStore {
    /** A user id, the identifier it belongs to, and its registration lock (encoded PIN), if it set one. */
    record Binding(String userId, String identifier, Instant boundAt, String registrationLock) {
    }

    /** What {@link #bind} did. */
    enum BindOutcome {
        /** The pair is bound (now, or it already was: a retry). */
        BOUND,
        /** The user id belongs to another identifier. */
        USER_ID_TAKEN,
        /** The identifier belongs to another user id. */
        IDENTIFIER_BOUND
    }

    Future<Optional<Binding>> byIdentifier(String identifier);

    Future<Optional<Binding>> byUser(String userId);

    /** Atomically binds both ways, or changes nothing. */
    Future<BindOutcome> bind(String identifier, String userId, Instant at);

    /**
     * True if a device was ever registered under this user id (a user id from before identities were bound has devices
     * but no binding: it is nobody's to claim).
     */
    Future<Boolean> everUsed(String userId);

    /** Conversation events from before {@code from} are no longer the user's to read (a re-registration). */
    Future<Void> historyFrom(String userId, Instant from);

    /** Sets ({@link RegistrationLock#encode}) or, with null, removes the user's registration lock. */
    Future<Void> registrationLock(String userId, String encoded);
}
