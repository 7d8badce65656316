package org.parley.client.crypto;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * A device's key upkeep, on the device: new one-time prekeys when the directory runs low, and a new signed prekey and
 * last-resort Kyber prekey when the current ones are old. The private halves go into the {@link DeviceStore} before
 * the public halves are returned for upload ({@code PUT /v1/keys}, docs/protocol.md "Keys"), so a bundle handed out
 * right after the upload always opens. Ids come from the store's counters ({@link DeviceStore#reserveKeyIds}): a new
 * key never has the id of one handed out before.
 */
public final class PreKeyUpkeep {
    private final DeviceStore store;

    public PreKeyUpkeep(DeviceStore store) {
        this.store = store;
    }

    /**
     * How many one-time prekeys to upload when the directory holds {@code stock} of them: up to {@code target}, at most
     * {@code perRequest} per upload; 0 when the stock is at the target already (several {@code keysLow} frames in a row
     * are answered by one refill).
     */
    public static int refillCount(int stock, int target, int perRequest) {
        return Math.max(0, Math.min(target - stock, perRequest));
    }

    /** Makes {@code count} new one-time EC prekeys, keeps their private halves, and returns the refill upload. */
    public JsonObject refill(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a refill has at least one key, not " + count);
        }
        int first = store.reserveKeyIds(DeviceStore.PRE_KEY, count);
        List<PreKeyRecord> records = new ArrayList<>(count);
        JsonArray keys = new JsonArray();
        for (int i = 0; i < count; i++) {
            PreKeyRecord r = new PreKeyRecord(first + i, ECKeyPair.generate());
            records.add(r);
            try {
                keys.add(new JsonObject().put("keyId", r.getId())
                        .put("publicKey", DeviceKeys.b64(r.getKeyPair().getPublicKey().serialize())));
            } catch (InvalidKeyException e) {
                throw new IllegalStateException("a record made here does not hold its own key pair", e);
            }
        }
        store.storePreKeys(records);
        return new JsonObject().put("oneTimePreKeys", keys);
    }

    /** True when the current signed prekey was made {@code maxAge} or longer before {@code now}. */
    public boolean rotationDue(Duration maxAge, Instant now) {
        SignedPreKeyRecord current = store.currentSignedPreKey();
        return current == null || !Instant.ofEpochMilli(current.getTimestamp()).plus(maxAge).isAfter(now);
    }

    /**
     * Makes a new signed EC prekey and a new last-resort Kyber-1024 prekey, both signed by the identity key, keeps them
     * (the previous ones stay until {@link #pruneRetired}: a peer may hold a bundle with them), and returns the rotation
     * upload {@code {"signedPreKey", "kyberLastResort"}}.
     */
    public JsonObject rotate(Instant now) {
        IdentityKeyPair identity = store.getIdentityKeyPair();
        long at = now.toEpochMilli();
        ECKeyPair pair = ECKeyPair.generate();
        SignedPreKeyRecord signed = new SignedPreKeyRecord(store.reserveKeyIds(DeviceStore.SIGNED_PRE_KEY, 1), at, pair,
                identity.getPrivateKey().calculateSignature(pair.getPublicKey().serialize()));
        KyberPreKeyRecord lastResort = DeviceKeys.kyberPreKey(identity,
                store.reserveKeyIds(DeviceStore.KYBER_PRE_KEY, 1), at);
        store.storeRotation(signed, lastResort);
        try {
            return new JsonObject()
                    .put("signedPreKey", new JsonObject().put("keyId", signed.getId())
                            .put("publicKey", DeviceKeys.b64(pair.getPublicKey().serialize()))
                            .put("signature", DeviceKeys.b64(signed.getSignature())))
                    .put("kyberLastResort", DeviceKeys.kyber(lastResort));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("a record made here does not hold its own key pair", e);
        }
    }

    /**
     * Deletes signed and last-resort prekeys older than the newest {@code keep} of each, with the record of the
     * deleted last-resort keys' uses. Called after a rotation's upload succeeded, with 2: the current keys and the
     * previous ones, which peers that fetched a bundle up to one rotation period ago still use.
     */
    public int pruneRetired(int keep) {
        return store.pruneRetiredPreKeys(keep);
    }
}
