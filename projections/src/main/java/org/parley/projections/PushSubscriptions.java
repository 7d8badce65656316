package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The {@code push_subscriptions} table: where each device's pushes go. Written by the edge
 * ({@code PUT /v1/push-subscription}), read by the push dispatcher, which deletes a subscription its push service
 * reports gone.
 */
public class PushSubscriptions {
    /** One device's subscription; see {@code org.parley.push.PushSubscription} for the fields' meaning. */
    public record Subscription(String deviceId, String userId, String kind, String endpoint, String p256dh,
            String auth) {
    }

    private final CqlSession session;
    private final PreparedStatement upsert;
    private final PreparedStatement find;
    private final PreparedStatement deleteIfSame;
    private final PreparedStatement delete;

    public PushSubscriptions(CqlSession session) {
        this.session = session;
        this.upsert = session.prepare("INSERT INTO push_subscriptions (device_id, user_id, kind, endpoint, p256dh, "
                + "auth, updated_at) VALUES (?,?,?,?,?,?,?)");
        this.find = session.prepare("SELECT device_id, user_id, kind, endpoint, p256dh, auth FROM push_subscriptions "
                + "WHERE device_id = ?");
        // Only the subscription that was reported gone: the device may have registered a new one meanwhile.
        this.deleteIfSame = session.prepare("DELETE FROM push_subscriptions WHERE device_id = ? IF endpoint = ?");
        this.delete = session.prepare("DELETE FROM push_subscriptions WHERE device_id = ?");
    }

    /** Replaces the device's subscription (a device has one). */
    public CompletionStage<Void> save(Subscription s) {
        return session.executeAsync(upsert.bind(s.deviceId(), s.userId(), s.kind(), s.endpoint(), s.p256dh(),
                s.auth(), Instant.now())).thenApply(rs -> null);
    }

    public CompletionStage<Optional<Subscription>> find(String deviceId) {
        return session.executeAsync(find.bind(deviceId)).thenApply(rs -> {
            Row r = rs.one();
            return r == null ? Optional.empty() : Optional.of(new Subscription(r.getString("device_id"),
                    r.getString("user_id"), r.getString("kind"), r.getString("endpoint"), r.getString("p256dh"),
                    r.getString("auth")));
        });
    }

    /** The device unsubscribed. */
    public CompletionStage<Void> delete(String deviceId) {
        return session.executeAsync(delete.bind(deviceId)).thenApply(rs -> null);
    }

    /** The push service said the subscription is gone: delete it unless the device has replaced it since. */
    public CompletionStage<Boolean> deleteGone(String deviceId, String endpoint) {
        return session.executeAsync(deleteIfSame.bind(deviceId, endpoint)).thenApply(rs -> rs.wasApplied());
    }
}
