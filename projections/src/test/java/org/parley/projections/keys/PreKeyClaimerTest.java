package org.parley.projections.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The claim logic: each one-time prekey at most once, under concurrency, past stale stock and unknown outcomes. */
class PreKeyClaimerTest {
    /** Stock and claim records in maps; tryClaim is atomic as the CQL lightweight transaction is. */
    static final class MapStore implements PreKeyClaimer.Store {
        final Map<String, Map<Integer, KeyDirectory.OneTimeKey>> stock = new ConcurrentHashMap<>();
        final Set<String> claims = ConcurrentHashMap.newKeySet();
        final Set<Integer> unknownOutcome = ConcurrentHashMap.newKeySet();

        void add(String device, int... ids) {
            for (int id : ids) {
                stock.computeIfAbsent(device, d -> new ConcurrentHashMap<>()).put(id, key(id));
            }
        }

        @Override
        public CompletionStage<List<KeyDirectory.OneTimeKey>> stock(String deviceId) {
            return CompletableFuture.completedFuture(new ArrayList<>(stock.getOrDefault(deviceId, Map.of()).values()));
        }

        @Override
        public CompletionStage<PreKeyClaimer.Outcome> tryClaim(String deviceId, KeyDirectory.OneTimeKey key, Instant at) {
            if (unknownOutcome.contains(key.keyId())) {
                return CompletableFuture.completedFuture(PreKeyClaimer.Outcome.UNKNOWN);
            }
            return CompletableFuture.supplyAsync(() -> claims.add(record(deviceId, key)) ? PreKeyClaimer.Outcome.CLAIMED
                    : PreKeyClaimer.Outcome.TAKEN);
        }

        @Override
        public CompletionStage<Void> drop(String deviceId, KeyDirectory.OneTimeKey key, Instant at) {
            stock.getOrDefault(deviceId, new ConcurrentHashMap<>()).remove(key.keyId());
            return CompletableFuture.completedFuture(null);
        }
    }

    /** As prekey_claims' primary key: (device, key id, public key). */
    static String record(String device, KeyDirectory.OneTimeKey key) {
        return device + "/" + key.keyId() + "/" + java.util.Arrays.toString(key.publicKey());
    }

    static KeyDirectory.OneTimeKey key(int id) {
        return new KeyDirectory.OneTimeKey(id, new byte[] {5, (byte) id});
    }

    private static Optional<KeyDirectory.OneTimeKey> claim(PreKeyClaimer claimer, String device) throws Exception {
        return claimer.claim(device, Instant.now()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentClaimsHandEachKeyOutAtMostOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            MapStore store = new MapStore();
            store.add("d1", 1, 2, 3, 4, 5);
            PreKeyClaimer claimer = new PreKeyClaimer(store);
            ExecutorService pool = Executors.newFixedThreadPool(20);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<KeyDirectory.OneTimeKey>>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return claim(claimer, "d1");
                }));
            }
            start.countDown();
            List<Integer> handedOut = new ArrayList<>();
            for (Future<Optional<KeyDirectory.OneTimeKey>> r : results) {
                r.get(10, TimeUnit.SECONDS).ifPresent(k -> handedOut.add(k.keyId()));
            }
            pool.shutdown();
            assertThat(handedOut).doesNotHaveDuplicates().containsExactlyInAnyOrder(1, 2, 3, 4, 5);
            assertThat(store.stock.get("d1")).isEmpty();
            assertThat(claim(claimer, "d1")).isEmpty(); // the last resort from now on
        }
    }

    @Test
    void aKeyAlreadyClaimedThatCameBackIntoTheStockIsNeverHandedOutAgain() throws Exception {
        MapStore store = new MapStore();
        store.add("d1", 1);
        PreKeyClaimer claimer = new PreKeyClaimer(store);
        assertThat(claim(claimer, "d1")).contains(key(1));
        store.add("d1", 1, 2); // a lagging projection wrote key 1 back; key 2 is new
        assertThat(claim(claimer, "d1")).contains(key(2));
        assertThat(claim(claimer, "d1")).isEmpty();
        assertThat(store.stock.get("d1")).isEmpty(); // the stale row was dropped on the way
    }

    @Test
    void aKeyReusingAnIdWithAnotherPublicKeyIsANewKey() throws Exception {
        MapStore store = new MapStore();
        store.add("d1", 1);
        PreKeyClaimer claimer = new PreKeyClaimer(store);
        assertThat(claim(claimer, "d1")).contains(key(1));
        KeyDirectory.OneTimeKey reused = new KeyDirectory.OneTimeKey(1, new byte[] {5, 99});
        store.stock.get("d1").put(1, reused);
        assertThat(claim(claimer, "d1")).contains(reused);
    }

    @Test
    void aClaimWithAnUnknownOutcomeIsSkippedNotHandedOut() throws Exception {
        MapStore store = new MapStore();
        store.add("d1", 1, 2);
        store.unknownOutcome.add(1);
        PreKeyClaimer claimer = new PreKeyClaimer(store);
        assertThat(claim(claimer, "d1")).contains(key(2));
        assertThat(claim(claimer, "d1")).isEmpty();
        assertThat(store.claims).containsExactly(record("d1", key(2)));
    }

    @Test
    void devicesHaveTheirOwnStock() throws Exception {
        MapStore store = new MapStore();
        store.add("d1", 1);
        store.add("d2", 1);
        PreKeyClaimer claimer = new PreKeyClaimer(store);
        assertThat(claim(claimer, "d1")).contains(key(1));
        assertThat(claim(claimer, "d2")).contains(key(1));
        assertThat(claim(claimer, "d1")).isEmpty();
    }
}
