package org.parley.projections.keys;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.parley.events.KeyDirectoryFact;

/**
 * The end-to-end key directory's read model: {@code device_keys} (identity, signed EC prekey, Kyber last-resort
 * prekey per device), {@code device_grants} (each device's authorisation by the user's identity),
 * {@code one_time_prekeys} (each device's stock) and {@code prekey_claims} (the keys handed out).
 * {@link #write} projects a {@link KeyDirectoryFact} (the projection writer, and the edge right after appending it:
 * the same rows); {@link #claim} hands out a one-time prekey at most once ({@link PreKeyClaimer}).
 */
public class KeyDirectory implements PreKeyClaimer.Store {
    /** A signed prekey as stored: EC (the signed prekey) or Kyber-1024 (the last resort). */
    public record SignedKey(int keyId, byte[] publicKey, byte[] signature) {
    }

    /** A one-time EC prekey. */
    public record OneTimeKey(int keyId, byte[] publicKey) {
        @Override
        public boolean equals(Object o) {
            return o instanceof OneTimeKey k && k.keyId == keyId && Arrays.equals(k.publicKey, publicKey);
        }

        @Override
        public int hashCode() {
            return 31 * keyId + Arrays.hashCode(publicKey);
        }
    }

    /** The user's identity authorising a device: the link key and the signature (docs/e2e.md "Device grants"). */
    public record Grant(byte[] linkKey, byte[] signature) {
    }

    /**
     * A device's published keys (any part may be missing only if an upload was partial: the edge refuses that), and its
     * grant (null if it published none).
     */
    public record DeviceKeys(String userId, String deviceId, Integer registrationId, byte[] identityKey,
            SignedKey signedPreKey, SignedKey kyberPreKey, Grant grant) {
        public DeviceKeys(String userId, String deviceId, Integer registrationId, byte[] identityKey,
                SignedKey signedPreKey, SignedKey kyberPreKey) {
            this(userId, deviceId, registrationId, identityKey, signedPreKey, kyberPreKey, null);
        }

        DeviceKeys withGrant(Grant g) {
            return new DeviceKeys(userId, deviceId, registrationId, identityKey, signedPreKey, kyberPreKey, g);
        }

        public boolean complete() {
            return registrationId != null && identityKey != null && signedPreKey != null && kyberPreKey != null;
        }
    }

    private final CqlSession session;
    private final int claimTtlSeconds;
    private final PreparedStatement setIdentity;
    private final PreparedStatement setSigned;
    private final PreparedStatement setKyber;
    private final PreparedStatement putOneTime;
    private final PreparedStatement recordClaim;
    private final PreparedStatement dropOneTime;
    private final PreparedStatement removeDevice;
    private final PreparedStatement removeStock;
    private final PreparedStatement tryClaim;
    private final PreparedStatement ofUser;
    private final PreparedStatement ofDevice;
    private final PreparedStatement stock;
    private final PreparedStatement count;
    private final PreparedStatement setGrant;
    private final PreparedStatement removeGrant;
    private final PreparedStatement grantsOfUser;
    private final PreKeyClaimer claimer = new PreKeyClaimer(this);

    public KeyDirectory(CqlSession session, int claimTtlSeconds) {
        this.session = session;
        this.claimTtlSeconds = claimTtlSeconds;
        this.setIdentity = session.prepare("UPDATE device_keys USING TIMESTAMP ? SET registration_id = ?,"
                + " identity_key = ? WHERE user_id = ? AND device_id = ?");
        this.setSigned = session.prepare("UPDATE device_keys USING TIMESTAMP ? SET signed_prekey_id = ?,"
                + " signed_prekey = ?, signed_prekey_signature = ? WHERE user_id = ? AND device_id = ?");
        this.setKyber = session.prepare("UPDATE device_keys USING TIMESTAMP ? SET kyber_prekey_id = ?,"
                + " kyber_prekey = ?, kyber_prekey_signature = ? WHERE user_id = ? AND device_id = ?");
        this.putOneTime = session.prepare("INSERT INTO one_time_prekeys (device_id, key_id, public_key)"
                + " VALUES (?,?,?) USING TIMESTAMP ?");
        this.recordClaim = session.prepare("INSERT INTO prekey_claims (device_id, key_id, public_key, claimed_at)"
                + " VALUES (?,?,?,?) USING TTL ?");
        this.dropOneTime = session.prepare("DELETE FROM one_time_prekeys USING TIMESTAMP ? WHERE device_id = ?"
                + " AND key_id = ?");
        this.removeDevice = session.prepare("DELETE FROM device_keys USING TIMESTAMP ? WHERE user_id = ?"
                + " AND device_id = ?");
        this.removeStock = session.prepare("DELETE FROM one_time_prekeys USING TIMESTAMP ? WHERE device_id = ?");
        this.tryClaim = session.prepare("INSERT INTO prekey_claims (device_id, key_id, public_key, claimed_at)"
                + " VALUES (?,?,?,?) IF NOT EXISTS USING TTL ?");
        String columns = "user_id, device_id, registration_id, identity_key, signed_prekey_id, signed_prekey,"
                + " signed_prekey_signature, kyber_prekey_id, kyber_prekey, kyber_prekey_signature";
        this.ofUser = session.prepare("SELECT " + columns + " FROM device_keys WHERE user_id = ?");
        this.ofDevice = session.prepare("SELECT " + columns + " FROM device_keys WHERE user_id = ? AND device_id = ?");
        this.stock = session.prepare("SELECT key_id, public_key FROM one_time_prekeys WHERE device_id = ?");
        this.count = session.prepare("SELECT COUNT(*) FROM one_time_prekeys WHERE device_id = ?");
        this.setGrant = session.prepare("UPDATE device_grants USING TIMESTAMP ? SET link_key = ?, signature = ?"
                + " WHERE user_id = ? AND device_id = ?");
        this.removeGrant = session.prepare("DELETE FROM device_grants USING TIMESTAMP ? WHERE user_id = ?"
                + " AND device_id = ?");
        this.grantsOfUser = session.prepare("SELECT device_id, link_key, signature FROM device_grants WHERE user_id = ?");
    }

    /** Projects one fact; idempotent, and an older fact replayed after a newer one changes nothing it changed. */
    public CompletionStage<Void> write(KeyDirectoryFact fact) {
        // The grant first, the keys after it: a device whose keys a reader finds complete has its grant in place
        // (ofUser reads the keys, then the grants). Written side by side, a fetch between the two found keys
        // without a grant, and peers refused the device as unauthorised.
        List<KeyMutation> all = KeyMutation.of(fact);
        List<KeyMutation> grants = all.stream().filter(m -> m instanceof KeyMutation.SetGrant).toList();
        List<KeyMutation> rest = all.stream().filter(m -> !(m instanceof KeyMutation.SetGrant)).toList();
        return executeAll(grants).thenCompose(v -> executeAll(rest));
    }

    private CompletableFuture<Void> executeAll(List<KeyMutation> mutations) {
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (KeyMutation m : mutations) {
            for (BoundStatement st : bind(m)) {
                writes.add(session.executeAsync(st).toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    List<BoundStatement> bind(KeyMutation m) {
        if (m instanceof KeyMutation.SetIdentity s) {
            return List.of(setIdentity.bind(s.timestampMicros(), s.registrationId(), ByteBuffer.wrap(s.identityKey()),
                    s.userId(), s.deviceId()));
        } else if (m instanceof KeyMutation.SetSignedKey s) {
            return List.of((s.kyber() ? setKyber : setSigned).bind(s.timestampMicros(), s.keyId(),
                    ByteBuffer.wrap(s.publicKey()), ByteBuffer.wrap(s.signature()), s.userId(), s.deviceId()));
        } else if (m instanceof KeyMutation.SetGrant g) {
            return List.of(setGrant.bind(g.timestampMicros(), ByteBuffer.wrap(g.linkKey()), ByteBuffer.wrap(g.signature()),
                    g.userId(), g.deviceId()));
        } else if (m instanceof KeyMutation.PutOneTimeKey p) {
            return List.of(putOneTime.bind(p.deviceId(), p.keyId(), ByteBuffer.wrap(p.publicKey()), p.timestampMicros()));
        } else if (m instanceof KeyMutation.RecordClaim c) {
            return List.of(recordClaim.bind(c.deviceId(), c.keyId(), ByteBuffer.wrap(c.publicKey()),
                    Instant.ofEpochMilli(c.timestampMicros() / 1000), claimTtlSeconds));
        } else if (m instanceof KeyMutation.DropOneTimeKey d) {
            return List.of(dropOneTime.bind(d.timestampMicros(), d.deviceId(), d.keyId()));
        } else if (m instanceof KeyMutation.RemoveDevice r) {
            return List.of(removeDevice.bind(r.timestampMicros(), r.userId(), r.deviceId()),
                    removeStock.bind(r.timestampMicros(), r.deviceId()),
                    removeGrant.bind(r.timestampMicros(), r.userId(), r.deviceId()));
        }
        throw new IllegalArgumentException("unknown mutation " + m);
    }

    /** The device's published keys, if it has any (without its grant: {@link #ofUser} serves that). */
    public CompletionStage<Optional<DeviceKeys>> device(String userId, String deviceId) {
        return session.executeAsync(ofDevice.bind(userId, deviceId)).thenApply(rs -> Optional.ofNullable(rs.one())
                .map(KeyDirectory::keys));
    }

    /**
     * Every device of the user with published keys, each with its grant if it published one (the caller filters out
     * devices that are no longer linked).
     */
    public CompletionStage<List<DeviceKeys>> ofUser(String userId) {
        // The keys first, then the grants (write writes them the other way round): never complete keys without the
        // grant that was published with them.
        return session.executeAsync(ofUser.bind(userId)).thenCompose(keys -> grantsOf(userId).thenApply(byDevice -> {
            List<DeviceKeys> out = new ArrayList<>();
            for (Row r : keys.currentPage()) {
                DeviceKeys k = keys(r);
                out.add(k.withGrant(byDevice.get(k.deviceId())));
            }
            return out;
        }));
    }

    private CompletionStage<java.util.Map<String, Grant>> grantsOf(String userId) {
        return session.executeAsync(grantsOfUser.bind(userId))
                .thenApply(rs -> {
                    java.util.Map<String, Grant> out = new java.util.HashMap<>();
                    for (Row r : rs.currentPage()) {
                        if (!r.isNull("link_key") && !r.isNull("signature")) {
                            out.put(r.getString("device_id"), new Grant(bytes(r.getByteBuffer("link_key")),
                                    bytes(r.getByteBuffer("signature"))));
                        }
                    }
                    return out;
                });
    }

    /** How many one-time prekeys the device has in stock. */
    public CompletionStage<Integer> count(String deviceId) {
        return session.executeAsync(count.bind(deviceId)).thenApply(rs -> (int) rs.one().getLong(0));
    }

    /** Hands out one of the device's one-time prekeys, at most once ({@link PreKeyClaimer}); empty if none is left. */
    public CompletionStage<Optional<OneTimeKey>> claim(String deviceId, Instant at) {
        return claimer.claim(deviceId, at);
    }

    @Override
    public CompletionStage<List<OneTimeKey>> stock(String deviceId) {
        return session.executeAsync(stock.bind(deviceId)).thenApply(rs -> {
            List<OneTimeKey> out = new ArrayList<>();
            for (Row r : rs.currentPage()) {
                out.add(new OneTimeKey(r.getInt("key_id"), bytes(r.getByteBuffer("public_key"))));
            }
            return out;
        });
    }

    @Override
    public CompletionStage<PreKeyClaimer.Outcome> tryClaim(String deviceId, OneTimeKey key, Instant at) {
        return session.executeAsync(tryClaim.bind(deviceId, key.keyId(), ByteBuffer.wrap(key.publicKey()), at,
                claimTtlSeconds)).handle((rs, err) -> {
                    if (err == null) {
                        return rs.wasApplied() ? PreKeyClaimer.Outcome.CLAIMED : PreKeyClaimer.Outcome.TAKEN;
                    }
                    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                    if (cause instanceof WriteTimeoutException) {
                        return PreKeyClaimer.Outcome.UNKNOWN; // contention: it may or may not be ours; skip it
                    }
                    throw err instanceof CompletionException c ? c : new CompletionException(err);
                });
    }

    @Override
    public CompletionStage<Void> drop(String deviceId, OneTimeKey key, Instant at) {
        return session.executeAsync(dropOneTime.bind(at.toEpochMilli() * 1000, deviceId, key.keyId()))
                .thenApply(rs -> null);
    }

    private static DeviceKeys keys(Row r) {
        return new DeviceKeys(r.getString("user_id"), r.getString("device_id"),
                r.isNull("registration_id") ? null : r.getInt("registration_id"),
                r.isNull("identity_key") ? null : bytes(r.getByteBuffer("identity_key")),
                r.isNull("signed_prekey") ? null : new SignedKey(r.getInt("signed_prekey_id"),
                        bytes(r.getByteBuffer("signed_prekey")), bytes(r.getByteBuffer("signed_prekey_signature"))),
                r.isNull("kyber_prekey") ? null : new SignedKey(r.getInt("kyber_prekey_id"),
                        bytes(r.getByteBuffer("kyber_prekey")), bytes(r.getByteBuffer("kyber_prekey_signature"))));
    }

    private static byte[] bytes(ByteBuffer b) {
        return b == null ? null : KeyMutation.bytes(b);
    }
}
