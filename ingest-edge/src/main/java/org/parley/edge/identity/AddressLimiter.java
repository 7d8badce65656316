package org.parley.edge.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * At most {@code max} events per client address per fixed window, counted in this edge's memory (per-address limits
 * are a first line against one client hammering one edge; the per-identifier limits, which matter most, are in the
 * shared {@link CodeStore}). Addresses in {@code exempt} are not limited. The table is bounded: when it grows past
 * {@code maxAddresses}, windows that ended are dropped, and if that is not enough the new address is refused.
 */
public final class AddressLimiter {
    private static final class Window {
        Instant start;
        int count;
    }

    private final int max;
    private final Duration window;
    private final Set<String> exempt;
    private final Clock clock;
    private final int maxAddresses;
    private final Map<String, Window> windows = new HashMap<>();

    public AddressLimiter(int max, Duration window, Set<String> exempt, Clock clock, int maxAddresses) {
        this.max = max;
        this.window = window;
        this.exempt = Set.copyOf(exempt);
        this.clock = clock;
        this.maxAddresses = maxAddresses;
    }

    /** Counts one event of {@code address}; empty if allowed, else how long until its window ends. */
    public synchronized Optional<Duration> acquire(String address) {
        if (address == null || exempt.contains(address)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Window w = windows.get(address);
        if (w == null) {
            if (windows.size() >= maxAddresses) {
                purge(now);
                if (windows.size() >= maxAddresses) {
                    return Optional.of(window);
                }
            }
            w = new Window();
            w.start = now;
            windows.put(address, w);
        } else if (!now.isBefore(w.start.plus(window))) {
            w.start = now;
            w.count = 0;
        }
        if (w.count >= max) {
            return Optional.of(Duration.between(now, w.start.plus(window)));
        }
        w.count++;
        return Optional.empty();
    }

    private void purge(Instant now) {
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            if (!now.isBefore(it.next().start.plus(window))) {
                it.remove();
            }
        }
    }
}
