package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;

class BoundedRocksDbMemoryTest {
    @TempDir
    Path state;

    @Test
    void theStreamsAppsBoundTheirRocksDbMemoryFromSettings() {
        Properties p = SequencerApp.streamsConfig(Settings.of(Map.of("streams.rocksdb-memory-mb", "48",
                "streams.rocksdb-memtable-mb", "12")));
        assertThat(p.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(BoundedRocksDbMemory.class.getName());
        assertThat(p.get(BoundedRocksDbMemory.TOTAL_BYTES)).isEqualTo(String.valueOf(48L << 20));
        assertThat(p.get(BoundedRocksDbMemory.MEMTABLE_BYTES)).isEqualTo(String.valueOf(12L << 20));
        assertThat(PresenceApp.streamsConfig(Settings.of(Map.of())).get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
                .as("presence inherits the sequencer's config").isEqualTo(BoundedRocksDbMemory.class.getName());
    }

    @Test
    void zeroLeavesEachStoreToStreamsOwnSizes() {
        Properties p = SequencerApp.streamsConfig(Settings.of(Map.of("streams.rocksdb-memory-mb", "0")));
        assertThat(p).doesNotContainKeys(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG,
                BoundedRocksDbMemory.TOTAL_BYTES, BoundedRocksDbMemory.MEMTABLE_BYTES);
    }

    @Test
    void everyPersistentStoreWritesThroughTheOneSharedCache() {
        StreamsBuilder builder = new StreamsBuilder();
        for (String store : new String[] {"first", "second"}) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
                    Serdes.String()).withCachingDisabled().withLoggingDisabled());
        }
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).process(() -> new Processor<String, String,
                Void, Void>() {
            private KeyValueStore<String, String> first;
            private KeyValueStore<String, String> second;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                first = context.getStateStore("first");
                second = context.getStateStore("second");
            }

            @Override
            public void process(Record<String, String> r) {
                first.put(r.key(), r.value());
                second.put(r.key(), r.value());
            }
        }, "first", "second");
        Properties props = SequencerApp.streamsConfig(Settings.of(Map.of("streams.rocksdb-memory-mb", "8",
                "streams.rocksdb-memtable-mb", "2")));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bounded-rocksdb-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.String().serializer());
            String value = "x".repeat(1024);
            for (int i = 0; i < 4_000; i++) {
                in.pipeInput("key-" + i, value);
            }
            KeyValueStore<String, String> first = driver.getKeyValueStore("first");
            assertThat(first.get("key-3999")).isEqualTo(value);
            // Without the setter no shared cache exists (usage 0); with it, both stores' memtables are charged to it.
            assertThat(BoundedRocksDbMemory.capacity()).isPositive();
            assertThat(BoundedRocksDbMemory.usage()).isPositive();
            assertThat(org.parley.metrics.ProcessMetrics.registry().get("parley.rocksdb.shared.cache.usage").gauge()
                    .value()).as("the process's /metrics shows the shared cache").isPositive();
        }
    }
}
