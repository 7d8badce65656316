package org.parley.edge;

import io.vertx.core.Future;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.devices.ProvisioningStore;

/** Unit-test provisioning relay: put once, taken once, as the CQL lightweight transactions do. */
class InMemoryProvisioning implements ProvisioningStore {
    final Map<String, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public Future<Boolean> put(String linkId, Entry entry) {
        return Future.succeededFuture(entries.putIfAbsent(linkId, entry) == null);
    }

    @Override
    public Future<Optional<Entry>> take(String linkId) {
        return Future.succeededFuture(Optional.ofNullable(entries.remove(linkId)));
    }
}
