package org.parley.edge.identity;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@link IdentityStore} on the CQL tables {@code identities} (identifier → user id) and {@code user_identities}
 * (user id → identifier, and since when its history is visible). A binding claims the user id, then the identifier,
 * each with {@code INSERT ... IF NOT EXISTS}; if the identifier turns out to be taken, the user id claim is released.
 */
public class CqlIdentityStore implements IdentityStore {
    private final Vertx vertx;
    private final CqlSession session;
    private final PreparedStatement byIdentifier;
    private final PreparedStatement byUser;
    private final PreparedStatement claimUser;
    private final PreparedStatement claimIdentifier;
    private final PreparedStatement releaseUser;
    private final PreparedStatement anyDevice;
    private final PreparedStatement historyFrom;
    private final PreparedStatement lock;

    public CqlIdentityStore(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.session = session;
        this.byIdentifier = session.prepare("SELECT user_id, bound_at FROM identities WHERE identifier = ?");
        this.byUser = session.prepare("SELECT identifier, bound_at, registration_lock FROM user_identities WHERE user_id = ?");
        this.lock = session.prepare("UPDATE user_identities SET registration_lock = ? WHERE user_id = ?");
        this.claimUser = session.prepare("INSERT INTO user_identities (user_id, identifier, bound_at) VALUES (?,?,?)"
                + " IF NOT EXISTS");
        this.claimIdentifier = session.prepare("INSERT INTO identities (identifier, user_id, bound_at) VALUES (?,?,?)"
                + " IF NOT EXISTS");
        this.releaseUser = session.prepare("DELETE FROM user_identities WHERE user_id = ? IF identifier = ?");
        this.anyDevice = session.prepare("SELECT device_id FROM devices_by_user WHERE user_id = ? LIMIT 1");
        this.historyFrom = session.prepare("UPDATE user_identities SET history_from = ? WHERE user_id = ?");
    }

    /** The identifier's row, completed by its user's (the registration lock lives there). */
    @Override
    public Future<Optional<Binding>> byIdentifier(String identifier) {
        return on(session.executeAsync(byIdentifier.bind(identifier)).thenApply(rs -> {
            Row r = rs.one();
            return r == null ? null : r.getString("user_id");
        })).compose(userId -> userId == null ? Future.succeededFuture(Optional.<Binding>empty())
                : byUser(userId).map(b -> Optional.of(b.filter(x -> identifier.equals(x.identifier()))
                        .orElse(new Binding(userId, identifier, null, null)))));
    }

    @Override
    public Future<Optional<Binding>> byUser(String userId) {
        return on(session.executeAsync(byUser.bind(userId)).thenApply(rs -> {
            Row r = rs.one();
            return r == null ? Optional.<Binding>empty()
                    : Optional.of(new Binding(userId, r.getString("identifier"), r.getInstant("bound_at"),
                            r.getString("registration_lock")));
        }));
    }

    @Override
    public Future<BindOutcome> bind(String identifier, String userId, Instant at) {
        CompletionStage<BindOutcome> done = session.executeAsync(claimUser.bind(userId, identifier, at)).thenCompose(u -> {
            if (!u.wasApplied() && !identifier.equals(u.one().getString("identifier"))) {
                return java.util.concurrent.CompletableFuture.completedFuture(BindOutcome.USER_ID_TAKEN);
            }
            return session.executeAsync(claimIdentifier.bind(identifier, userId, at)).thenCompose(i -> {
                if (i.wasApplied() || userId.equals(i.one().getString("user_id"))) {
                    return java.util.concurrent.CompletableFuture.completedFuture(BindOutcome.BOUND);
                }
                return session.executeAsync(releaseUser.bind(userId, identifier)).thenApply(r -> BindOutcome.IDENTIFIER_BOUND);
            });
        });
        return on(done);
    }

    @Override
    public Future<Boolean> everUsed(String userId) {
        return on(session.executeAsync(anyDevice.bind(userId)).thenApply(rs -> rs.one() != null));
    }

    @Override
    public Future<Void> historyFrom(String userId, Instant from) {
        return on(session.executeAsync(historyFrom.bind(from, userId)).thenApply(rs -> null));
    }

    @Override
    public Future<Void> registrationLock(String userId, String encoded) {
        return on(session.executeAsync(lock.bind(encoded, userId)).thenApply(rs -> null));
    }

    private <T> Future<T> on(CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
    }
}
