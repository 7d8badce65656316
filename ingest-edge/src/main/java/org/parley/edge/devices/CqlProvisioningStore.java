package org.parley.edge.devices;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@link ProvisioningStore} on the CQL {@code device_provisioning} table: inserted with a lightweight transaction
 * ({@code IF NOT EXISTS}) and a TTL, taken by reading the row and deleting it {@code IF EXISTS}: of two concurrent takes
 * only the one whose delete applied gets the message. Linking is rare, so the lightweight transactions stay off the
 * message path.
 */
public class CqlProvisioningStore implements ProvisioningStore {
    private final Vertx vertx;
    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement find;
    private final PreparedStatement delete;

    public CqlProvisioningStore(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.session = session;
        this.insert = session.prepare("INSERT INTO device_provisioning (link_id, user_id, message, expires_at)"
                + " VALUES (?,?,?,?) IF NOT EXISTS USING TTL ?");
        this.find = session.prepare("SELECT user_id, message, expires_at FROM device_provisioning WHERE link_id = ?");
        this.delete = session.prepare("DELETE FROM device_provisioning WHERE link_id = ? IF EXISTS");
    }

    @Override
    public Future<Boolean> put(String linkId, Entry e) {
        int ttl = (int) Math.max(60, Duration.between(Instant.now(), e.expiresAt()).toSeconds() + 60);
        return Future.fromCompletionStage(session.executeAsync(insert.bind(linkId, e.userId(), ByteBuffer.wrap(e.message()),
                e.expiresAt(), ttl)).thenApply(rs -> rs.wasApplied()), vertx.getOrCreateContext());
    }

    @Override
    public Future<Optional<Entry>> take(String linkId) {
        return Future.fromCompletionStage(session.executeAsync(find.bind(linkId)).thenCompose(rs -> {
            Row r = rs.one();
            if (r == null) {
                return java.util.concurrent.CompletableFuture.completedFuture(Optional.<Entry>empty());
            }
            ByteBuffer b = r.getByteBuffer("message");
            byte[] message = new byte[b == null ? 0 : b.remaining()];
            if (b != null) {
                b.get(message);
            }
            Entry entry = new Entry(r.getString("user_id"), message, r.getInstant("expires_at"));
            return session.executeAsync(delete.bind(linkId))
                    .thenApply(del -> del.wasApplied() ? Optional.of(entry) : Optional.<Entry>empty());
        }), vertx.getOrCreateContext());
    }
}
