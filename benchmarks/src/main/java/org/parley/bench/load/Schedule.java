package org.parley.bench.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop schedule: operation {@code n} is due at {@code start + n / rate}, whatever happened to the operations
 * before it. Latency is measured from the due time, so a stalled sender (or a stalled server holding the sender up)
 * shows up in the figures instead of silently thinning the load ("coordinated omission").
 */
public final class Schedule {
    private final long startNanos;
    private final double ratePerSecond;
    private final long total;

    /** @param total operations in the whole run (warm-up and measured) */
    public Schedule(long startNanos, double ratePerSecond, long total) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0, got " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.ratePerSecond = ratePerSecond;
        this.total = total;
    }

    /** Operations in {@code seconds} at {@code rate} per second (rounded down). */
    public static long count(double ratePerSecond, double seconds) {
        return (long) Math.floor(ratePerSecond * seconds + 1e-9);
    }

    public long startNanos() {
        return startNanos;
    }

    public long total() {
        return total;
    }

    public double rate() {
        return ratePerSecond;
    }

    /** Due time of operation n; computed from n, never accumulated, so rounding errors do not drift. */
    public long due(long n) {
        return startNanos + (long) Math.floor(n * 1e9 / ratePerSecond);
    }

    /** How many operations are due at {@code now} (the operations 0 .. dueBy-1), at most {@link #total}. */
    public long dueBy(long now) {
        if (now < startNanos) {
            return 0;
        }
        long n = (long) Math.floor((now - startNanos) * ratePerSecond / 1e9) + 1;
        // guard the floating point edge: due(n) must be > now
        while (n > 0 && due(n - 1) > now) {
            n--;
        }
        while (n < total && due(n) <= now) {
            n++;
        }
        return Math.min(n, total);
    }

    /** Whether operation n falls in the measured window (after {@code warmupSeconds}). */
    public boolean measured(long n, double warmupSeconds) {
        return n >= count(ratePerSecond, warmupSeconds);
    }

    /** What the pacer calls for each operation: n and its due time. */
    @FunctionalInterface
    public interface Operation {
        void fire(long n, long dueNanos) throws Exception;
    }

    /** Source of time and waiting; tests pass a fake. */
    public interface Clock {
        long nanoTime();

        void parkUntil(long deadlineNanos);

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void parkUntil(long deadline) {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                }
            }
        };
    }

    /**
     * Fires every operation at (not before) its due time, on the calling thread. An operation that is late because
     * the previous ones took long is fired at once, in order: the backlog is caught up, never dropped.
     *
     * @return the number of operations that fired later than {@code lateNanos} after their due time
     */
    public long run(Clock clock, Operation op, long lateNanos, java.util.function.BooleanSupplier stop) throws Exception {
        long late = 0;
        for (long n = 0; n < total && !stop.getAsBoolean(); n++) {
            long due = due(n);
            long now = clock.nanoTime();
            if (now < due) {
                clock.parkUntil(due);
            } else if (now - due > lateNanos) {
                late++;
            }
            op.fire(n, due);
        }
        return late;
    }
}
