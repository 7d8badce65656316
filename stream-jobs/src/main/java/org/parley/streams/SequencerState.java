package org.parley.streams;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The sequencer's one state store. Conversation heads, retry dedup entries, group states, message refs and member
 * watermarks each live under their own one-character key prefix ({@link Kind}) of a single changelogged, cached
 * store, instead of five stores:
 * <ul>
 *   <li>an exactly-once transaction writes a marker on every partition it touched and adds each partition to the
 *   transaction with a request of its own: one changelog instead of five touches (and marks) one partition per
 *   conversation partition processed instead of up to five;</li>
 *   <li>with the record cache the changelog records of a transaction go out together when it commits, and repeated
 *   puts of one key within a commit interval (a busy conversation's head, a group's frontiers) write one record.</li>
 * </ul>
 * The keys of one conversation still land in the conversation's partition (the changelog's partition is the task's),
 * so restore and ownership are as before. Each kind is used through a typed {@link KeyValueStore} view; ranges and
 * scans stay within the kind (a prefix never sorts between another kind's keys: every prefix is one character).
 */
final class SequencerState {
    static final String STORE = "sequencer-state";

    /** What a key holds; the key prefix is the kind's tag. */
    enum Kind {
        /** conversation id → the last seq handed out */
        HEADS('h', "conversation-heads"),
        /** (conversation, sender device, client message id) → seq, timestamped (retry dedup) */
        CLIENT_MESSAGE_IDS('c', "client-message-ids"),
        /** conversation id → GroupState */
        GROUPS('g', "group-states"),
        /** (conversation, seq) → MessageRef */
        MESSAGE_REFS('m', MessageTargets.STORE),
        /** (conversation, member, mark) → seq */
        WATERMARKS('w', ReceiptLedger.STORE);

        final char tag;
        final String label;

        Kind(char tag, String label) {
            this.tag = tag;
            this.label = label;
        }
    }

    private SequencerState() {
    }

    static StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                // Reads of hot keys (a group's member watermarks) from memory; changelog writes batched per commit.
                .withCachingEnabled();
    }

    /**
     * A typed view of one kind. {@code subject} names the values' schema subject for Avro serdes (the registry
     * subject "{subject}-value").
     */
    static <V> KeyValueStore<String, V> view(KeyValueStore<String, byte[]> store, Kind kind, Serde<V> values,
                                             String subject) {
        return new View<>(store, kind, values, subject);
    }

    static KeyValueStore<String, Long> longs(KeyValueStore<String, byte[]> store, Kind kind) {
        return new View<>(store, kind, Serdes.Long(), kind.label);
    }

    static TimestampedKeyValueStore<String, Long> timestampedLongs(KeyValueStore<String, byte[]> store, Kind kind) {
        return new TimestampedView(store, kind);
    }

    /** The kind's keys of the store, mapped to and from the whole store's keys by the kind's one-character prefix. */
    static class View<V> implements KeyValueStore<String, V> {
        private final KeyValueStore<String, byte[]> store;
        private final Kind kind;
        private final String prefix;
        private final Serializer<V> serializer;
        private final Deserializer<V> deserializer;
        private final String subject;

        View(KeyValueStore<String, byte[]> store, Kind kind, Serde<V> values, String subject) {
            this.store = store;
            this.kind = kind;
            this.prefix = String.valueOf(kind.tag);
            this.serializer = values.serializer();
            this.deserializer = values.deserializer();
            this.subject = subject;
        }

        private String inner(String key) {
            return prefix + key;
        }

        private byte[] bytes(V value) {
            return value == null ? null : serializer.serialize(subject, value);
        }

        private V value(byte[] bytes) {
            return bytes == null ? null : deserializer.deserialize(subject, bytes);
        }

        @Override
        public V get(String key) {
            return value(store.get(inner(key)));
        }

        @Override
        public void put(String key, V value) {
            if (value == null) {
                store.delete(inner(key));
            } else {
                store.put(inner(key), bytes(value));
            }
        }

        @Override
        public V putIfAbsent(String key, V value) {
            V old = get(key);
            if (old == null) {
                put(key, value);
            }
            return old;
        }

        @Override
        public void putAll(List<KeyValue<String, V>> entries) {
            entries.forEach(e -> put(e.key, e.value));
        }

        @Override
        public V delete(String key) {
            return value(store.delete(inner(key)));
        }

        @Override
        public KeyValueIterator<String, V> range(String from, String to) {
            return iterator(store.range(from == null ? prefix : inner(from), to == null ? upperBound() : inner(to)));
        }

        @Override
        public KeyValueIterator<String, V> reverseRange(String from, String to) {
            return iterator(store.reverseRange(from == null ? prefix : inner(from), to == null ? upperBound() : inner(to)));
        }

        @Override
        public KeyValueIterator<String, V> all() {
            return iterator(store.prefixScan(prefix, new StringSerializer()));
        }

        @Override
        public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P keyPrefix, PS prefixSerializer) {
            if (!(keyPrefix instanceof String p)) {
                throw new UnsupportedOperationException("the sequencer's state is scanned by string prefixes");
            }
            return iterator(store.prefixScan(inner(p), new StringSerializer()));
        }

        /** Beyond every key of the kind: the next tag (an inclusive bound no key of this kind reaches). */
        private String upperBound() {
            return String.valueOf((char) (kind.tag + 1));
        }

        @Override
        public long approximateNumEntries() {
            // Of the whole store (all kinds): RocksDB estimates it for the store, not for a prefix.
            return store.approximateNumEntries();
        }

        private KeyValueIterator<String, V> iterator(KeyValueIterator<String, byte[]> it) {
            return new KeyValueIterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public KeyValue<String, V> next() {
                    KeyValue<String, byte[]> e = it.next();
                    return KeyValue.pair(e.key.substring(1), value(e.value));
                }

                @Override
                public String peekNextKey() {
                    return it.peekNextKey().substring(1);
                }

                @Override
                public void close() {
                    it.close();
                }
            };
        }

        @Override
        public String name() {
            return STORE + "/" + kind.label;
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            throw new UnsupportedOperationException("a view of " + STORE + " is not registered on its own");
        }

        @Override
        public void flush() {
            store.flush();
        }

        @Override
        public void close() {
            throw new UnsupportedOperationException("a view of " + STORE + " is not closed on its own");
        }

        @Override
        public boolean persistent() {
            return store.persistent();
        }

        @Override
        public boolean isOpen() {
            return store.isOpen();
        }
    }

    /** A timestamped view: each value is stored as 8 bytes of timestamp, then 8 bytes of value. */
    static final class TimestampedView extends View<ValueAndTimestamp<Long>> implements TimestampedKeyValueStore<String, Long> {
        TimestampedView(KeyValueStore<String, byte[]> store, Kind kind) {
            super(store, kind, Serdes.serdeFrom(
                    (topic, v) -> v == null ? null : ByteBuffer.allocate(16).putLong(v.timestamp()).putLong(v.value()).array(),
                    (topic, b) -> {
                        if (b == null) {
                            return null;
                        }
                        ByteBuffer buf = ByteBuffer.wrap(b);
                        long timestamp = buf.getLong();
                        return ValueAndTimestamp.make(buf.getLong(), timestamp);
                    }), kind.label);
        }
    }

    /** The stores the sequencer kept before {@link #STORE}, each with its own changelog. */
    static final List<String> STORES_BEFORE = List.of("conversation-heads", "client-message-ids",
            "client-message-ids-v2", "group-states", "message-refs", "member-watermarks");

    /**
     * Why the sequencer must not start on these topics, if it must not: the changelogs of the stores from before
     * {@link #STORE} exist and its own does not. Started anyway, it would begin with empty state and hand out seqs
     * that conversations already have (invariant 2); the data is from before the store was merged.
     */
    static java.util.Optional<String> stateFromBefore(java.util.Set<String> topics, String applicationId) {
        if (topics.contains(changelog(applicationId, STORE))) {
            return java.util.Optional.empty();
        }
        List<String> old = STORES_BEFORE.stream().map(s -> changelog(applicationId, s)).filter(topics::contains).toList();
        if (old.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the sequencer's state is in changelogs from before its stores were merged into '"
                + STORE + "' (" + String.join(", ", old) + "); starting would hand out seqs again from 1. "
                + "Start from an empty data folder (./parley up --clean) or delete the application's state topics "
                + "together with conversation-events");
    }

    static String changelog(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /** Every key of the store with its kind's tag, for tests and diagnostics. */
    static List<String> keys(KeyValueStore<String, byte[]> store) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            all.forEachRemaining(e -> out.add(e.key));
        }
        return out;
    }
}
