package org.parley.edge;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.identity.IdentityStore;

/** Unit-test identity bindings; the history bound lands in the in-memory read model, where sessions read it. */
class InMemoryIdentityStore implements IdentityStore {
    final Map<String, Binding> byIdentifier = new ConcurrentHashMap<>();
    final Map<String, Binding> byUser = new ConcurrentHashMap<>();
    /** User ids that had devices before identities were bound. */
    final Set<String> legacyUsers = ConcurrentHashMap.newKeySet();
    private final InMemoryReadModel readModel;

    InMemoryIdentityStore(InMemoryReadModel readModel) {
        this.readModel = readModel;
    }

    @Override
    public Future<Optional<Binding>> byIdentifier(String identifier) {
        return Future.succeededFuture(Optional.ofNullable(byIdentifier.get(identifier)));
    }

    @Override
    public Future<Optional<Binding>> byUser(String userId) {
        return Future.succeededFuture(Optional.ofNullable(byUser.get(userId)));
    }

    @Override
    public synchronized Future<BindOutcome> bind(String identifier, String userId, Instant at) {
        Binding user = byUser.get(userId);
        if (user != null && !user.identifier().equals(identifier)) {
            return Future.succeededFuture(BindOutcome.USER_ID_TAKEN);
        }
        Binding id = byIdentifier.get(identifier);
        if (id != null && !id.userId().equals(userId)) {
            return Future.succeededFuture(BindOutcome.IDENTIFIER_BOUND);
        }
        Binding b = new Binding(userId, identifier, at, null);
        byUser.putIfAbsent(userId, b);
        byIdentifier.putIfAbsent(identifier, b);
        return Future.succeededFuture(BindOutcome.BOUND);
    }

    @Override
    public Future<Boolean> everUsed(String userId) {
        return Future.succeededFuture(legacyUsers.contains(userId)
                || readModel.devices.values().stream().anyMatch(d -> d.userId().equals(userId)));
    }

    @Override
    public synchronized Future<Void> registrationLock(String userId, String encoded) {
        Binding b = byUser.get(userId);
        Binding locked = new Binding(userId, b.identifier(), b.boundAt(), encoded);
        byUser.put(userId, locked);
        byIdentifier.put(b.identifier(), locked);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> historyFrom(String userId, Instant from) {
        readModel.historyFrom.put(userId, from);
        return Future.succeededFuture();
    }
}
