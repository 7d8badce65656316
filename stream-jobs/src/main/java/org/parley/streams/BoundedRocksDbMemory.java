package org.parley.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * One memory bound for every RocksDB store of the JVM (the sequencer's state, presence's stores, the global
 * settings table; every task's instance of each): a shared block cache that also holds index and filter blocks and is
 * charged for the memtables. Kafka Streams' default gives each store instance its own 50 MB cache and up to three
 * 16 MB memtables, with index and filter blocks outside any cache: bounded only by the number of instances (a dozen
 * here, ~1.2 GB) and filled slowly by data, which a soak showed as off-heap growth of the apps' process. Kafka Streams
 * documents this setter's shape ("BoundedMemoryRocksDBConfig").
 *
 * <p>The bound is per JVM: the first store opened sizes it from {@link #TOTAL_BYTES} and {@link #MEMTABLE_BYTES}
 * (settings {@code streams.rocksdb-memory-mb}, {@code streams.rocksdb-memtable-mb}); in the combined layout the
 * sequencer and presence share it.
 */
public class BoundedRocksDbMemory implements RocksDBConfigSetter {
    /** Streams config key: the shared cache's capacity in bytes, memtables included. */
    public static final String TOTAL_BYTES = "parley.rocksdb.total-bytes";
    /** Streams config key: the part of it memtables may take before RocksDB flushes them. */
    public static final String MEMTABLE_BYTES = "parley.rocksdb.memtable-bytes";

    private static Cache cache;
    private static WriteBufferManager writeBuffers;
    private static long capacity;

    /** The shared cache, created by the first store opened in this JVM. */
    private static synchronized void share(long total, long memtables) {
        if (cache == null) {
            RocksDB.loadLibrary();
            // High-priority pool (10 %) for index and filter blocks, so data blocks cannot evict them.
            cache = new LRUCache(total, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(memtables, cache);
            capacity = total;
            // What a soak reads to see the bound hold (Streams' per-store block-cache metrics each report this cache).
            io.micrometer.core.instrument.Gauge.builder("parley.rocksdb.shared.cache.usage", BoundedRocksDbMemory::usage)
                    .baseUnit("bytes").description("bytes held by the JVM's one RocksDB cache, memtable charges included")
                    .register(org.parley.metrics.ProcessMetrics.registry());
            io.micrometer.core.instrument.Gauge.builder("parley.rocksdb.shared.cache.capacity",
                    BoundedRocksDbMemory::capacity).baseUnit("bytes").description("the JVM's RocksDB memory bound")
                    .register(org.parley.metrics.ProcessMetrics.registry());
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long total = bytes(configs, TOTAL_BYTES);
        long memtables = Math.min(bytes(configs, MEMTABLE_BYTES), total / 2);
        share(total, memtables);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(writeBuffers);
        // Smaller memtables than Streams' 16 MB x 3: the manager flushes when all stores together reach its share.
        options.setWriteBufferSize(Math.max(1L << 20, memtables / 4));
        options.setMaxWriteBufferNumber(2);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store of the JVM: never closed with one.
    }

    /** Bytes the shared cache holds now (blocks, index and filter blocks, memtable charges); 0 before any store. */
    public static synchronized long usage() {
        return cache == null ? 0 : cache.getUsage();
    }

    /** The shared cache's capacity; 0 before any store. */
    public static synchronized long capacity() {
        return capacity;
    }

    private static long bytes(Map<String, Object> configs, String key) {
        Object v = configs.get(key);
        if (v == null) {
            throw new IllegalStateException(key + " is not set (SequencerApp.streamsConfig sets it from settings)");
        }
        return Long.parseLong(v.toString());
    }
}
