package org.parley.projections;

/**
 * Partition buckets keep CQL partitions bounded: 1000 seqs per (conversation, bucket) or (device, bucket).
 * Part of the stored data's layout: changing it needs a rebuild of the projections from the log.
 */
public final class Buckets {
    public static final long SIZE = 1000;

    private Buckets() {
    }

    public static long of(long seq) {
        return seq / SIZE;
    }
}
