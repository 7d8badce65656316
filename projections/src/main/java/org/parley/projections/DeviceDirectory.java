package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.parley.events.DeviceRecord;

/** The {@code devices} and {@code devices_by_user} tables: the device registry's read model. */
public class DeviceDirectory {
    /** A registered device as the edge needs it to authenticate. */
    public record Device(String deviceId, String userId, String tokenHash, boolean revoked) {
    }

    private final CqlSession session;
    private final PreparedStatement upsert;
    private final PreparedStatement upsertByUser;
    private final PreparedStatement find;

    public DeviceDirectory(CqlSession session) {
        this.session = session;
        this.upsert = session.prepare("INSERT INTO devices (device_id, user_id, token_hash, registered_at, revoked)"
                + " VALUES (?,?,?,?,?)");
        this.upsertByUser = session.prepare("INSERT INTO devices_by_user (user_id, device_id, registered_at)"
                + " VALUES (?,?,?)");
        this.find = session.prepare("SELECT device_id, user_id, token_hash, revoked FROM devices WHERE device_id = ?");
    }

    /** Idempotent: the same record always writes the same rows. */
    public CompletionStage<Void> write(DeviceRecord d) {
        BatchStatement batch = BatchStatement.builder(DefaultBatchType.LOGGED)
                .addStatement(upsert.bind(d.getDeviceId(), d.getUserId(), d.getTokenHash(), d.getRegisteredAt(),
                        d.getRevoked()))
                .addStatement(upsertByUser.bind(d.getUserId(), d.getDeviceId(), d.getRegisteredAt()))
                .build();
        return session.executeAsync(batch).thenApply(rs -> null);
    }

    public CompletionStage<Optional<Device>> find(String deviceId) {
        return session.executeAsync(find.bind(deviceId)).thenApply(rs -> {
            Row row = rs.one();
            return row == null ? Optional.empty() : Optional.of(new Device(row.getString("device_id"),
                    row.getString("user_id"), row.getString("token_hash"), row.getBoolean("revoked")));
        });
    }
}
