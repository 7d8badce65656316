package org.parley.projections.keys;

import java.util.List;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.KeyFactKind;

/** A device's key history for tests outside this package: upload, claims, a rotation, a removal, a new upload. */
public final class KeyMutationTestFacts {
    private KeyMutationTestFacts() {
    }

    public static List<KeyDirectoryFact> history() {
        return List.of(
                KeyMutationTest.upload(1_000, 1, 10, 11, 12),
                KeyMutationTest.claim(2_000, 10, 2),
                KeyMutationTest.upload(3_000, 2, 13),
                KeyMutationTest.claim(4_000, 11, 2),
                KeyMutationTest.fact(KeyFactKind.KEYS_REMOVED, 5_000).build(),
                KeyMutationTest.upload(6_000, 3, 20, 21));
    }
}
