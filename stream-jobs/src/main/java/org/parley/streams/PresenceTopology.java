package org.parley.streams;

import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.parley.events.DeviceSession;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.Presence;
import org.parley.registry.SchemaRegistryClient;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerde;

/**
 * device-sessions (key device) → re-keyed by user → {@link PresenceTracker} → presence (key user, compacted);
 * edge-heartbeats → the global edge-liveness store the tracker's sweep reads.
 */
public final class PresenceTopology {
    private PresenceTopology() {
    }

    public static void build(StreamsBuilder builder, TopicCatalog topics, SchemaRegistryClient registry,
                             Duration edgeTimeout, Duration sweepInterval) {
        Serde<String> keys = Serdes.String();
        Serde<DeviceSession> sessions = new AvroWireSerde<>(registry, DeviceSession.getClassSchema(), false);
        Serde<EdgeHeartbeat> beats = new AvroWireSerde<>(registry, EdgeHeartbeat.getClassSchema(), false);
        Serde<Presence> presence = new AvroWireSerde<>(registry, Presence.getClassSchema(), false);
        // The repartition topic and the store changelogs are this app's own: it registers their subjects itself.
        Serde<DeviceSession> internalSessions = new AvroWireSerde<>(registry, DeviceSession.getClassSchema(), true);
        Serde<Presence> internalPresence = new AvroWireSerde<>(registry, Presence.getClassSchema(), true);

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PresenceTracker.SESSIONS_STORE), keys, internalSessions));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PresenceTracker.STATE_STORE), keys, internalPresence));
        // Global: every task must see every edge's liveness; the topic is its changelog (few keys, compacted).
        builder.addGlobalStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(PresenceTracker.EDGE_LIVENESS_STORE), keys, beats).withLoggingDisabled(),
                topics.edgeHeartbeats().name(), Consumed.with(keys, beats).withName("edge-heartbeats"),
                LatestHeartbeat::new);

        builder.stream(topics.deviceSessions().name(), Consumed.with(keys, sessions).withName("device-sessions"))
                .filter((device, s) -> s != null, Named.as("skip-tombstones"))
                .selectKey((device, s) -> s.getUserId(), Named.as("by-user"))
                // One device's records come from one partition in order, and go to one partition in order.
                .repartition(Repartitioned.with(keys, internalSessions).withName("sessions-by-user"))
                .process(() -> new PresenceTracker(edgeTimeout, sweepInterval), Named.as("presence-tracker"),
                        PresenceTracker.SESSIONS_STORE, PresenceTracker.STATE_STORE)
                .to(topics.presence().name(), Produced.with(keys, presence).withName("presence"));
    }

    /** Keeps each edge's latest heartbeat in the global store. */
    static final class LatestHeartbeat implements Processor<String, EdgeHeartbeat, Void, Void> {
        private KeyValueStore<String, EdgeHeartbeat> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(PresenceTracker.EDGE_LIVENESS_STORE);
        }

        @Override
        public void process(Record<String, EdgeHeartbeat> record) {
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
