package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The {@code device_slots} table: slot 0 holds a user's primary device, 1..N its companions. Claims are lightweight
 * transactions, so concurrent registrations or links of one user can never make two primaries or exceed N
 * (registration is rare: LWT stays off the hot path).
 */
public class DeviceSlots {
    public static final int PRIMARY = 0;

    /** One claimed slot. */
    public record Slot(int slot, String deviceId, Instant registeredAt) {
        public boolean primary() {
            return slot == PRIMARY;
        }
    }

    private final CqlSession session;
    private final PreparedStatement claim;
    private final PreparedStatement release;
    private final PreparedStatement ofUser;

    public DeviceSlots(CqlSession session) {
        this.session = session;
        this.claim = session.prepare("INSERT INTO device_slots (user_id, slot, device_id, registered_at)"
                + " VALUES (?,?,?,?) IF NOT EXISTS");
        this.release = session.prepare("DELETE FROM device_slots WHERE user_id = ? AND slot = ? IF device_id = ?");
        this.ofUser = session.prepare("SELECT slot, device_id, registered_at FROM device_slots WHERE user_id = ?");
    }

    /** True if this device now holds the slot; false if another device holds it. */
    public CompletionStage<Boolean> claim(String userId, int slot, String deviceId, Instant registeredAt) {
        return session.executeAsync(claim.bind(userId, slot, deviceId, registeredAt)).thenApply(rs -> rs.wasApplied());
    }

    /** Frees the slot if this device still holds it. */
    public CompletionStage<Void> release(String userId, int slot, String deviceId) {
        return session.executeAsync(release.bind(userId, slot, deviceId)).thenApply(rs -> null);
    }

    /** The user's claimed slots, by slot number. */
    public CompletionStage<List<Slot>> of(String userId) {
        return session.executeAsync(ofUser.bind(userId)).thenApply(rs -> {
            List<Slot> out = new ArrayList<>();
            for (Row row : rs.currentPage()) {
                out.add(new Slot(row.getInt("slot"), row.getString("device_id"), row.getInstant("registered_at")));
            }
            return out;
        });
    }
}
