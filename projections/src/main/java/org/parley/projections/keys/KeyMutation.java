package org.parley.projections.keys;

import java.util.ArrayList;
import java.util.List;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.OneTimePublicPreKey;
import org.parley.events.SignedPublicPreKey;

/**
 * The row changes one {@link KeyDirectoryFact} makes, each stamped with the fact's time (microseconds, the CQL write
 * timestamp): the same fact always gives the same changes, and a replayed older fact loses against a newer one, so
 * the projection is idempotent and order-safe. {@link KeyDirectory} executes them; tests apply them to a model.
 */
public sealed interface KeyMutation {
    long timestampMicros();

    /** device_keys: registration id and identity key. */
    record SetIdentity(String userId, String deviceId, int registrationId, byte[] identityKey, long timestampMicros)
            implements KeyMutation {
    }

    /** device_keys: the signed EC prekey ({@code kyber} false) or the Kyber last-resort prekey. */
    record SetSignedKey(String userId, String deviceId, boolean kyber, int keyId, byte[] publicKey, byte[] signature,
            long timestampMicros) implements KeyMutation {
    }

    /** device_grants: the user's identity authorising the device. */
    record SetGrant(String userId, String deviceId, byte[] linkKey, byte[] signature, long timestampMicros)
            implements KeyMutation {
    }

    /** one_time_prekeys: a key added to the device's stock. */
    record PutOneTimeKey(String deviceId, int keyId, byte[] publicKey, long timestampMicros) implements KeyMutation {
    }

    /** prekey_claims: the key was handed out (its guard against a second hand-out). */
    record RecordClaim(String deviceId, int keyId, byte[] publicKey, long timestampMicros) implements KeyMutation {
    }

    /** one_time_prekeys: a key leaves the stock. */
    record DropOneTimeKey(String deviceId, int keyId, long timestampMicros) implements KeyMutation {
    }

    /** device_keys, device_grants and one_time_prekeys: everything of the device goes. */
    record RemoveDevice(String userId, String deviceId, long timestampMicros) implements KeyMutation {
    }

    static long micros(KeyDirectoryFact f) {
        return f.getAt().toEpochMilli() * 1000;
    }

    static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** What {@code f} changes. */
    static List<KeyMutation> of(KeyDirectoryFact f) {
        long ts = micros(f);
        String user = f.getUserId();
        String device = f.getDeviceId();
        List<KeyMutation> out = new ArrayList<>();
        switch (f.getKind()) {
            case KEYS_UPLOADED -> {
                if (f.getIdentityKey() != null && f.getRegistrationId() != null) {
                    out.add(new SetIdentity(user, device, f.getRegistrationId(), bytes(f.getIdentityKey()), ts));
                }
                SignedPublicPreKey signed = f.getSignedPreKey();
                if (signed != null) {
                    out.add(new SetSignedKey(user, device, false, signed.getKeyId(), bytes(signed.getPublicKey()),
                            bytes(signed.getSignature()), ts));
                }
                SignedPublicPreKey kyber = f.getKyberLastResort();
                if (kyber != null) {
                    out.add(new SetSignedKey(user, device, true, kyber.getKeyId(), bytes(kyber.getPublicKey()),
                            bytes(kyber.getSignature()), ts));
                }
                if (f.getDeviceGrant() != null) {
                    out.add(new SetGrant(user, device, bytes(f.getDeviceGrant().getLinkKey()),
                            bytes(f.getDeviceGrant().getSignature()), ts));
                }
                for (OneTimePublicPreKey k : f.getOneTimePreKeys()) {
                    out.add(new PutOneTimeKey(device, k.getKeyId(), bytes(k.getPublicKey()), ts));
                }
            }
            case PREKEY_CLAIMED -> {
                if (f.getClaimedKeyId() != null && f.getClaimedPublicKey() != null) {
                    out.add(new RecordClaim(device, f.getClaimedKeyId(), bytes(f.getClaimedPublicKey()), ts));
                    out.add(new DropOneTimeKey(device, f.getClaimedKeyId(), ts));
                }
            }
            case KEYS_REMOVED -> out.add(new RemoveDevice(user, device, ts));
            default -> throw new IllegalArgumentException("unknown key fact " + f.getKind());
        }
        return out;
    }
}
