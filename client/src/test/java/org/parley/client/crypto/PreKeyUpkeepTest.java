package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreKeyUpkeepTest {
    @TempDir
    Path dir;

    private final KeyDirectoryStub directory = new KeyDirectoryStub();
    private TestDevice bob;

    @BeforeEach
    void register() throws Exception {
        bob = TestDevice.register(dir, directory, "bob", 3, 1); // one-time ids 1..3, Kyber 1 (last resort) and 2
    }

    /** Bob's bundle as the directory would serve it, from the pieces of his uploads. */
    private KeyBundle.Device bundle(JsonObject signed, JsonObject kyber, JsonObject oneTime) {
        JsonObject upload = bob.keys.upload();
        JsonObject device = new JsonObject().put("deviceId", bob.address.deviceId())
                .put("registrationId", upload.getInteger("registrationId"))
                .put("identityKey", upload.getString("identityKey"))
                .put("signedPreKey", signed).put("kyberPreKey", kyber).put("oneTimePreKey", oneTime);
        return KeyBundle.fromJson(new JsonObject().put("userId", "bob").put("devices", new JsonArray().add(device)))
                .devices().get(0);
    }

    private TestDevice peer(String name) throws Exception {
        return TestDevice.register(dir, directory, name);
    }

    @Test
    void aRefillMakesKeysWithIdsNeverUsedBeforeAndKeepsTheirPrivateHalvesAcrossARestart() throws Exception {
        PreKeyUpkeep upkeep = new PreKeyUpkeep(bob.store);
        JsonArray first = upkeep.refill(5).getJsonArray("oneTimePreKeys");
        assertThat(first.stream().map(k -> ((JsonObject) k).getInteger("keyId"))).containsExactly(4, 5, 6, 7, 8);
        assertThat(bob.store.preKeyCount()).isEqualTo(8);

        TestDevice restarted = bob.restarted();
        JsonArray second = new PreKeyUpkeep(restarted.store).refill(2).getJsonArray("oneTimePreKeys");
        assertThat(second.stream().map(k -> ((JsonObject) k).getInteger("keyId"))).containsExactly(9, 10);

        // A peer starts a session with a bundle carrying a refilled key: the restarted device opens it and uses it up.
        TestDevice alice = peer("alice");
        JsonObject upload = bob.keys.upload();
        KeyBundle.Device b = bundle(upload.getJsonObject("signedPreKey"), upload.getJsonObject("kyberLastResort"),
                second.getJsonObject(1));
        assertThat(alice.pairwise.startSession(b)).isEqualTo(new PairwiseCipher.Started());
        Envelope hello = alice.send(restarted, "hello after the refill");
        assertThat(restarted.receive(alice, hello)).isEqualTo("hello after the refill");
        assertThat(restarted.store.containsPreKey(10)).isFalse();
        assertThat(restarted.store.preKeyCount()).isEqualTo(9);
    }

    @Test
    void aRefillTopsUpToTheTargetAtMostOneUploadsWorthAndNothingAtTheTarget() {
        assertThat(PreKeyUpkeep.refillCount(9, 100, 100)).isEqualTo(91);
        assertThat(PreKeyUpkeep.refillCount(0, 300, 100)).isEqualTo(100);
        assertThat(PreKeyUpkeep.refillCount(100, 100, 100)).isZero();
        assertThat(PreKeyUpkeep.refillCount(150, 100, 100)).isZero();
    }

    @Test
    void rotationMakesNewSignedKeysKeepsThePreviousOnesAndPrunesOlderOnesWithTheirLastResortUses() throws Exception {
        PreKeyUpkeep upkeep = new PreKeyUpkeep(bob.store);
        Instant now = Instant.now();
        assertThat(upkeep.rotationDue(Duration.ofDays(7), now)).isFalse();
        assertThat(upkeep.rotationDue(Duration.ofDays(7), now.plus(Duration.ofDays(8)))).isTrue();

        // alice fetched bob's first bundle (no one-time key: the last resort) before the rotation.
        JsonObject original = bob.keys.upload();
        TestDevice alice = peer("alice");
        alice.pairwise.startSession(bundle(original.getJsonObject("signedPreKey"),
                original.getJsonObject("kyberLastResort"), null));

        JsonObject rotation = upkeep.rotate(now.plus(Duration.ofDays(8)));
        assertThat(rotation.getJsonObject("signedPreKey").getInteger("keyId")).isEqualTo(2);
        assertThat(rotation.getJsonObject("kyberLastResort").getInteger("keyId")).isEqualTo(3);
        assertThat(rotation.fieldNames()).containsExactlyInAnyOrder("signedPreKey", "kyberLastResort");
        assertThat(upkeep.rotationDue(Duration.ofDays(7), now.plus(Duration.ofDays(9)))).isFalse();
        assertThat(bob.store.currentSignedPreKey().getId()).isEqualTo(2);

        // The previous keys still open alice's first message; a new peer's session is built on the new ones.
        assertThat(bob.receive(alice, alice.send(bob, "built on the old keys"))).isEqualTo("built on the old keys");
        assertThat(bob.store.lastResortUseCount()).isEqualTo(1);
        TestDevice carol = peer("carol");
        assertThat(carol.pairwise.startSession(bundle(rotation.getJsonObject("signedPreKey"),
                rotation.getJsonObject("kyberLastResort"), null))).isEqualTo(new PairwiseCipher.Started());
        assertThat(bob.receive(carol, carol.send(bob, "built on the new keys"))).isEqualTo("built on the new keys");
        assertThat(upkeep.pruneRetired(2)).isZero();

        // dave fetched the first bundle too, but sends only after a second rotation: those keys are gone.
        TestDevice dave = peer("dave");
        dave.pairwise.startSession(bundle(original.getJsonObject("signedPreKey"),
                original.getJsonObject("kyberLastResort"), null));
        assertThat(bob.store.lastResortUseCount()).isEqualTo(2); // alice's of Kyber 1, carol's of Kyber 3
        JsonObject second = upkeep.rotate(now.plus(Duration.ofDays(16)));
        assertThat(second.getJsonObject("signedPreKey").getInteger("keyId")).isEqualTo(3);
        assertThat(upkeep.pruneRetired(2)).isEqualTo(2); // signed prekey 1 and last-resort Kyber 1
        assertThat(bob.store.loadSignedPreKeys()).extracting(r -> r.getId()).containsExactlyInAnyOrder(2, 3);
        assertThat(bob.store.lastResortKyberPreKeys()).extracting(r -> r.getId()).containsExactlyInAnyOrder(3, 4);
        assertThat(bob.store.lastResortUseCount()).isEqualTo(1); // alice's use of Kyber 1 went with the key
        assertThat(bob.pairwise.decrypt(dave.address, dave.send(bob, "too late"))).isInstanceOf(Decrypted.Invalid.class);

        // All of it survives a restart.
        TestDevice restarted = bob.restarted();
        assertThat(restarted.store.currentSignedPreKey().getId()).isEqualTo(3);
        assertThat(new PreKeyUpkeep(restarted.store).rotate(now.plus(Duration.ofDays(24)))
                .getJsonObject("kyberLastResort").getInteger("keyId")).isEqualTo(5);
        assertThat(List.of(restarted.store.lastResortKyberPreKeys().size())).containsExactly(3);
    }
}
