package org.parley.consume;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * The one retry rule of the Kafka → CQL writers (the projection writer, the push dispatcher): a batch whose writes
 * failed is read again from its first record of every partition, after a back-off that doubles from
 * {@code initialMs} up to {@code maxMs} while the failures go on and starts over after a batch succeeds. Nothing of a
 * failed batch is committed, so a store outage delays the writer and loses nothing, and the writer neither spins
 * against a store that is down nor waits long once it is back.
 */
public final class BatchRetry {
    private final long initialMs;
    private final long maxMs;
    private final Sleeper sleeper;
    private long nextMs;
    private int failuresInARow;

    /** How the back-off waits (a test passes one that records instead of sleeping). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    public BatchRetry(long initialMs, long maxMs) {
        this(initialMs, maxMs, Thread::sleep);
    }

    public BatchRetry(long initialMs, long maxMs, Sleeper sleeper) {
        if (initialMs < 1 || maxMs < initialMs) {
            throw new IllegalArgumentException("back-off must be 1 <= initial <= max, not " + initialMs + ".." + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.sleeper = sleeper;
        this.nextMs = initialMs;
    }

    /**
     * After a failed batch: moves every partition of {@code batch} back to its first record, then waits the back-off.
     * Returns the wait, for the caller's log line.
     */
    public long rewind(Consumer<?, ?> consumer, ConsumerRecords<?, ?> batch) throws InterruptedException {
        for (TopicPartition tp : batch.partitions()) {
            consumer.seek(tp, batch.records(tp).get(0).offset());
        }
        long wait = nextMs;
        failuresInARow++;
        nextMs = Math.min(maxMs, nextMs * 2);
        sleeper.sleep(wait);
        return wait;
    }

    /** After a batch was written: the next failure waits the initial back-off again. */
    public void succeeded() {
        nextMs = initialMs;
        failuresInARow = 0;
    }

    /** Failed batches since the last success (for logs: the first failure warns, a long outage logs less). */
    public int failuresInARow() {
        return failuresInARow;
    }
}
