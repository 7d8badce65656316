package org.parley.projections.keys;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out one one-time prekey of a device, at most once: the candidates are the device's stock, in random order
 * (concurrent fetches then mostly try different keys); a key is the caller's only if its claim record was inserted by
 * this call (a lightweight transaction, {@link Store#tryClaim}). A key someone else claimed is dropped from the stock
 * and the next is tried; a claim whose outcome is unknown (a contention timeout) is skipped: that key may be lost,
 * never handed out twice. Empty when no key is left: the sender then uses the last-resort keys.
 */
public final class PreKeyClaimer {
    /** The outcome of one claim attempt. */
    public enum Outcome { CLAIMED, TAKEN, UNKNOWN }

    /** Where the stock and the claim records live (CQL in production, a map in tests). */
    public interface Store {
        CompletionStage<List<KeyDirectory.OneTimeKey>> stock(String deviceId);

        CompletionStage<Outcome> tryClaim(String deviceId, KeyDirectory.OneTimeKey key, java.time.Instant at);

        /** Removes the key from the stock (it was handed out). */
        CompletionStage<Void> drop(String deviceId, KeyDirectory.OneTimeKey key, java.time.Instant at);
    }

    private final Store store;

    public PreKeyClaimer(Store store) {
        this.store = store;
    }

    /** A key of {@code deviceId}'s stock that nobody else will ever get, or empty. */
    public CompletionStage<Optional<KeyDirectory.OneTimeKey>> claim(String deviceId, java.time.Instant at) {
        return store.stock(deviceId).thenCompose(stock -> {
            List<KeyDirectory.OneTimeKey> order = new ArrayList<>(stock);
            Collections.shuffle(order, ThreadLocalRandom.current());
            return attempt(deviceId, order, 0, at);
        });
    }

    private CompletionStage<Optional<KeyDirectory.OneTimeKey>> attempt(String deviceId,
            List<KeyDirectory.OneTimeKey> order, int i, java.time.Instant at) {
        if (i >= order.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        KeyDirectory.OneTimeKey key = order.get(i);
        return store.tryClaim(deviceId, key, at).thenCompose(outcome -> switch (outcome) {
            case CLAIMED -> store.drop(deviceId, key, at).thenApply(v -> Optional.of(key));
            // Someone else has it: whatever is left of it in the stock is stale.
            case TAKEN -> store.drop(deviceId, key, at).thenCompose(v -> attempt(deviceId, order, i + 1, at));
            case UNKNOWN -> attempt(deviceId, order, i + 1, at);
        });
    }
}
