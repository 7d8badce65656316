package org.parley.projections.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.KeyFactKind;
import org.parley.events.OneTimePublicPreKey;
import org.parley.events.SignedPublicPreKey;

/**
 * The projection of key facts, applied to a model of the CQL tables with their write-timestamp rules (the newest
 * write wins; a deletion wins a tie): the same rows whatever the replay, duplicates and order.
 */
class KeyMutationTest {
    static {
        org.parley.serde.TrustedEventClasses.install(); // as every process of Parley does before building events
    }

    /** The three tables as CQL resolves them. */
    static final class Tables {
        record Cell(String value, long ts) {
        }

        final Map<String, Cell> deviceCells = new HashMap<>();      // "device/column"
        final Map<String, Long> deviceRowDeleted = new HashMap<>(); // device -> tombstone ts
        final Map<String, Cell> stock = new HashMap<>();            // "device/keyId" -> public key
        final Map<String, Long> stockDeleted = new HashMap<>();     // "device/keyId" -> tombstone ts
        final Map<String, Long> stockPartitionDeleted = new HashMap<>();
        final Map<String, String> claims = new HashMap<>();

        void put(Map<String, Cell> cells, String key, String value, long ts) {
            Cell old = cells.get(key);
            if (old == null || ts > old.ts || ts == old.ts && value.compareTo(old.value) > 0) {
                cells.put(key, new Cell(value, ts));
            }
        }

        void apply(KeyMutation m) {
            if (m instanceof KeyMutation.SetIdentity s) {
                put(deviceCells, s.deviceId() + "/identity", s.registrationId() + ":" + hex(s.identityKey()), s.timestampMicros());
            } else if (m instanceof KeyMutation.SetSignedKey s) {
                put(deviceCells, s.deviceId() + (s.kyber() ? "/kyber" : "/signed"), s.keyId() + ":" + hex(s.publicKey()),
                        s.timestampMicros());
            } else if (m instanceof KeyMutation.SetGrant g) {
                put(deviceCells, g.deviceId() + "/grant", hex(g.linkKey()) + ":" + hex(g.signature()), g.timestampMicros());
            } else if (m instanceof KeyMutation.PutOneTimeKey p) {
                put(stock, p.deviceId() + "/" + p.keyId(), hex(p.publicKey()), p.timestampMicros());
            } else if (m instanceof KeyMutation.RecordClaim c) {
                claims.put(c.deviceId() + "/" + c.keyId() + "/" + hex(c.publicKey()), "claimed");
            } else if (m instanceof KeyMutation.DropOneTimeKey d) {
                stockDeleted.merge(d.deviceId() + "/" + d.keyId(), d.timestampMicros(), Math::max);
            } else if (m instanceof KeyMutation.RemoveDevice r) {
                deviceRowDeleted.merge(r.deviceId(), r.timestampMicros(), Math::max);
                stockPartitionDeleted.merge(r.deviceId(), r.timestampMicros(), Math::max);
            }
        }

        /** What a reader sees: live cells only. */
        Map<String, String> visible() {
            Map<String, String> out = new TreeMap<>();
            deviceCells.forEach((k, c) -> {
                if (c.ts > deviceRowDeleted.getOrDefault(k.substring(0, k.indexOf('/')), Long.MIN_VALUE)) {
                    out.put("device_keys " + k, c.value);
                }
            });
            stock.forEach((k, c) -> {
                long dead = Math.max(stockDeleted.getOrDefault(k, Long.MIN_VALUE),
                        stockPartitionDeleted.getOrDefault(k.substring(0, k.indexOf('/')), Long.MIN_VALUE));
                if (c.ts > dead) {
                    out.put("one_time_prekeys " + k, c.value);
                }
            });
            claims.forEach((k, v) -> out.put("prekey_claims " + k, v));
            return out;
        }
    }

    static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    static ByteBuffer bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return ByteBuffer.wrap(out);
    }

    static KeyDirectoryFact.Builder fact(KeyFactKind kind, long at) {
        return KeyDirectoryFact.newBuilder().setKind(kind).setUserId("alice").setDeviceId("d1").setAt(Instant.ofEpochMilli(at));
    }

    static KeyDirectoryFact upload(long at, int signedId, int... oneTimeIds) {
        List<OneTimePublicPreKey> keys = new ArrayList<>();
        for (int id : oneTimeIds) {
            keys.add(OneTimePublicPreKey.newBuilder().setKeyId(id).setPublicKey(bytes(5, id)).build());
        }
        return fact(KeyFactKind.KEYS_UPLOADED, at).setRegistrationId(7).setIdentityKey(bytes(5, 1, 2))
                .setSignedPreKey(SignedPublicPreKey.newBuilder().setKeyId(signedId).setPublicKey(bytes(5, signedId))
                        .setSignature(bytes(9)).build())
                .setKyberLastResort(SignedPublicPreKey.newBuilder().setKeyId(1).setPublicKey(bytes(8, 1))
                        .setSignature(bytes(9)).build())
                .setOneTimePreKeys(keys).build();
    }

    static KeyDirectoryFact claim(long at, int keyId, int remaining) {
        return fact(KeyFactKind.PREKEY_CLAIMED, at).setClaimedKeyId(keyId).setClaimedPublicKey(bytes(5, keyId))
                .setRemainingOneTimePreKeys(remaining).build();
    }

    static Map<String, String> project(List<KeyDirectoryFact> facts) {
        Tables t = new Tables();
        facts.forEach(f -> KeyMutation.of(f).forEach(t::apply));
        return t.visible();
    }

    @Test
    void anUploadAndItsClaimsGiveTheStockLeftAndTheClaimRecords() {
        Map<String, String> rows = project(List.of(upload(1000, 1, 10, 11, 12), claim(2000, 11, 2)));
        assertThat(rows).containsKeys("device_keys d1/identity", "device_keys d1/signed", "device_keys d1/kyber",
                "one_time_prekeys d1/10", "one_time_prekeys d1/12", "prekey_claims d1/11/050b")
                .doesNotContainKey("one_time_prekeys d1/11");
    }

    @Test
    void replayingTheLogTwiceOrAnOlderFactAgainChangesNothing() {
        List<KeyDirectoryFact> log = List.of(upload(1000, 1, 10, 11), claim(2000, 10, 1),
                fact(KeyFactKind.KEYS_UPLOADED, 3000).setSignedPreKey(SignedPublicPreKey.newBuilder().setKeyId(2)
                        .setPublicKey(bytes(5, 2)).setSignature(bytes(9)).build()).build());
        Map<String, String> once = project(log);
        List<KeyDirectoryFact> twice = new ArrayList<>(log);
        twice.addAll(log);
        assertThat(project(twice)).isEqualTo(once);
        // The projection writer restarting from an older offset re-applies the upload after the claim and rotation:
        // the claimed key does not come back, the rotated signed prekey stays.
        List<KeyDirectoryFact> restarted = new ArrayList<>(log);
        restarted.add(log.get(0));
        assertThat(project(restarted)).isEqualTo(once).doesNotContainKey("one_time_prekeys d1/10")
                .containsEntry("device_keys d1/signed", "2:0502");
    }

    @Test
    void theSameFactsInAnyOrderGiveTheSameRows() {
        List<KeyDirectoryFact> log = List.of(upload(1000, 1, 10, 11, 12), claim(2000, 12, 2), claim(2001, 10, 1),
                upload(3000, 3, 13));
        Map<String, String> inOrder = project(log);
        for (int i = 0; i < 30; i++) {
            List<KeyDirectoryFact> shuffled = new ArrayList<>(log);
            Collections.shuffle(shuffled, new java.util.Random(i));
            assertThat(project(shuffled)).as("order %s", shuffled).isEqualTo(inOrder);
        }
    }

    @Test
    void aRemovedDeviceHasNoKeysLeftEvenIfItsUploadIsReplayedAfterwards() {
        KeyDirectoryFact removed = fact(KeyFactKind.KEYS_REMOVED, 5000).build();
        Map<String, String> rows = project(List.of(upload(1000, 1, 10, 11), claim(2000, 10, 1), removed, upload(1000, 1, 10, 11)));
        assertThat(rows).containsOnlyKeys("prekey_claims d1/10/050a");
    }

    @Test
    void aDevicesGrantIsKeptWithItsKeysAndGoesWithThem() {
        KeyDirectoryFact granted = KeyDirectoryFact.newBuilder(upload(1000, 1, 10)).setDeviceGrant(
                org.parley.events.DeviceGrant.newBuilder().setLinkKey(bytes(5, 3)).setSignature(bytes(9, 9)).build())
                .build();
        assertThat(KeyMutation.of(granted)).filteredOn(KeyMutation.SetGrant.class::isInstance).hasSize(1);
        assertThat(KeyMutation.of(upload(1000, 1, 10))).noneMatch(KeyMutation.SetGrant.class::isInstance);
        assertThat(project(List.of(granted))).containsEntry("device_keys d1/grant", "0503:0909");
        assertThat(project(List.of(granted, fact(KeyFactKind.KEYS_REMOVED, 2000).build(), granted)))
                .doesNotContainKey("device_keys d1/grant");
    }

    @Test
    void aClaimWithoutItsKeyChangesNothing() {
        assertThat(KeyMutation.of(fact(KeyFactKind.PREKEY_CLAIMED, 1).build())).isEmpty();
    }
}
