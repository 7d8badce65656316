package org.parley.bench.load;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Presence (docs/protocol.md {@code presence}, ADR 0008): {@code pairs} reserved pairs of users, a <em>subject</em>
 * and a <em>watcher</em>; every device of the watcher subscribes to the subject's presence. Operation n moves the next
 * idle subject across one transition: all its devices close cleanly (→ {@code offline}), or all reconnect with their
 * {@code lastInboxSeq} as in a reconnect storm (→ {@code online}). Every watcher device must get the matching
 * {@code presence} frame once; figure {@code presence.delivered} (scheduled transition → frame), split into
 * {@code presence.offline} and {@code presence.online}.
 *
 * <p>What the protocol promises, and so what is expected: PresenceTracker emits on a <em>user's</em> transitions only
 * (online while any device is connected; offline once the current session of the last one ends, which a clean close
 * announces at once), so a transition moves all of the subject's devices. Presence is at-least-once: the same state
 * again is counted ({@code presence-repeats}), not a duplicate.
 *
 * <p>Bounded and rate-limited: at most one transition per pair in flight (the next waits until every watcher device
 * was told), at least {@code minGapMillis} between two transitions of a pair; an operation finding no idle pair is
 * skipped and counted ({@code presence.skipped-busy}).
 */
public final class PresenceScenario implements Scenario {
    private static final long SET_UP_MILLIS = 60_000;

    /** One subject and its watcher; touched by the pacer thread only (and prepare, before it starts). */
    private static final class Pair {
        final int subject;
        final int watcher;
        boolean offline;
        int lastIndex = -1;
        long lastDueNanos;

        Pair(int subject, int watcher) {
            this.subject = subject;
            this.watcher = watcher;
        }
    }

    private final int pairs;
    private final long minGapNanos;
    private Pair[] layout;
    private int cursor;

    public PresenceScenario(int pairs, long minGapMillis) {
        if (pairs < 1 || minGapMillis < 0) {
            throw new IllegalArgumentException("presence: --presence-pairs >= 1, --presence-min-gap-ms >= 0");
        }
        this.pairs = pairs;
        this.minGapNanos = TimeUnit.MILLISECONDS.toNanos(minGapMillis);
    }

    @Override
    public String name() {
        return "presence";
    }

    @Override
    public int reservedUsers() {
        return 2 * pairs;
    }

    @Override
    public void reserve(int fromUser, int toUser) {
        layout = new Pair[pairs];
        for (int i = 0; i < pairs; i++) {
            layout[i] = new Pair(fromUser + 2 * i, fromUser + 2 * i + 1);
        }
    }

    int subject(int pair) {
        return layout[pair].subject;
    }

    int watcher(int pair) {
        return layout[pair].watcher;
    }

    private String userId(LoadRun run, int user) {
        return run.devices().get(run.devicesOf(user)[0]).userId();
    }

    @Override
    public void prepare(LoadRun run) {
        if (layout == null) {
            throw new IllegalStateException("presence: no users reserved");
        }
        // A subject left offline by the previous step comes back first, unwatched: that is set-up, not a transition.
        for (Pair p : layout) {
            for (int d : run.devicesOf(p.watcher)) {
                run.presence().unsubscribe(run.devices().get(d), userId(run, p.subject));
            }
        }
        List<Future<Void>> back = new ArrayList<>();
        for (Pair p : layout) {
            p.lastIndex = -1; // indices are per step
            if (p.offline) {
                for (int d : run.devicesOf(p.subject)) {
                    back.add(reconnect(run, run.devices().get(d)));
                }
                p.offline = false;
            }
        }
        await(Future.all(back), "subjects reconnected");
        // A watcher that reconnects (server close) subscribes again, as a client with the chat open does.
        run.onReconnected(d -> {
            for (Pair p : layout) {
                if (d.user == p.watcher) {
                    run.presence().subscribe(d, userId(run, p.subject));
                }
            }
        });
        for (Pair p : layout) {
            for (int d : run.devicesOf(p.watcher)) {
                run.presence().subscribe(run.devices().get(d), userId(run, p.subject));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SET_UP_MILLIS);
        while (!allWatchersSee(run, "online")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("presence: not every watcher was answered 'online' within "
                        + SET_UP_MILLIS + " ms (privacy settings of the bench users? presence app running?)");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        LoadBench.log("presence: %d watcher/subject pairs subscribed, every subject online", layout.length);
    }

    private boolean allWatchersSee(LoadRun run, String state) {
        for (Pair p : layout) {
            String subject = userId(run, p.subject);
            for (int d : run.devicesOf(p.watcher)) {
                if (!state.equals(run.presence().seen(run.devices().get(d), subject))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        for (int k = 0; k < layout.length; k++) {
            Pair p = layout[cursor];
            cursor = (cursor + 1) % layout.length;
            if (idle(run, p, dueNanos)) {
                transition(run, p, (int) n, dueNanos, measured);
                return;
            }
        }
        run.count(name() + ".skipped-busy");
    }

    /** The pair's last transition reached every watcher device, long enough ago, and its sockets are settled. */
    boolean idle(LoadRun run, Pair p, long dueNanos) {
        if (p.lastIndex >= 0 && (!run.accounting().complete(p.lastIndex) || dueNanos - p.lastDueNanos < minGapNanos)) {
            return false;
        }
        for (int d : run.devicesOf(p.subject)) {
            BenchDevice dev = run.devices().get(d);
            boolean settled = p.offline ? dev.ws == null || dev.ws.isClosed() : dev.live;
            if (!settled) {
                return false;
            }
        }
        return true;
    }

    private void transition(LoadRun run, Pair p, int index, long dueNanos, boolean measured) {
        int[] subjectDevices = run.devicesOf(p.subject);
        String state = p.offline ? "online" : "offline";
        // Registered before the sockets move, so the frame cannot come first.
        run.presence().expect(name(), index, subjectDevices[0], userId(run, p.subject), state, run.devicesOf(p.watcher),
                dueNanos, measured);
        for (int d : subjectDevices) {
            BenchDevice dev = run.devices().get(d);
            if (p.offline) {
                reconnect(run, dev);
            } else {
                dev.heldOffline = true;
                dev.closingOnPurpose = true;
                dev.live = false;
                dev.ws.close((short) 1000, "presence: going offline");
            }
        }
        p.offline = !p.offline;
        p.lastIndex = index;
        p.lastDueNanos = dueNanos;
    }

    /** Back online with lastInboxSeq; not a "reconnect" figure sample (the offline time is the scenario's). */
    private static Future<Void> reconnect(LoadRun run, BenchDevice d) {
        d.heldOffline = false;
        d.closingOnPurpose = false;
        return run.reconnect(d, 5);
    }

    private static void await(Future<?> f, String what) {
        try {
            f.toCompletionStage().toCompletableFuture().get(SET_UP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("presence: " + what + " failed: " + e, e);
        }
    }
}
