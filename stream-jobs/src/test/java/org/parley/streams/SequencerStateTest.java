package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionType;

/** The sequencer's state in one store: what a message costs in changelog records, and the kinds kept apart. */
class SequencerStateTest {
    private static final String DM = "dm:alice:bob";
    private final SequencerFixture f = new SequencerFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private List<String> changelogTopics() {
        return f.driver.producedTopicNames().stream().filter(t -> t.endsWith("-changelog")).sorted().toList();
    }

    /** The changelog records written since the last call, as "key" (kind tag first) or "key deleted". */
    private List<String> changelogRecords() {
        List<String> topics = changelogTopics();
        assertThat(topics).hasSize(1);
        TestOutputTopic<String, byte[]> changelog = f.driver.createOutputTopic(topics.get(0),
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        List<String> out = new ArrayList<>();
        changelog.readKeyValuesToList().forEach(kv -> out.add(kv.key.replace('\u0000', '/') + (kv.value == null ? " deleted" : "")));
        return out;
    }

    @Test
    void allOfTheSequencersStateGoesToOneChangelog() {
        f.accepted(f.createGroup("g:book-club", "alice", "Club", "bob", "carol"));
        f.accepted(f.message("g:book-club", "alice", "hi"));
        f.pipe(f.onTarget(ActionType.DELIVERY_RECEIPT, "g:book-club", "bob", 2).setTargetUserId("alice"));
        f.pipe(f.onTarget(ActionType.READ_RECEIPT, "g:book-club", "carol", 2));
        f.accepted(f.message(DM, "alice", "hi"));

        // One changelog: each transaction adds (and marks) one changelog partition per conversation partition.
        assertThat(changelogTopics()).containsExactly(f.driver.producedTopicNames().stream()
                .filter(t -> t.endsWith("-" + SequencerState.STORE + "-changelog")).findFirst().orElseThrow());
        assertThat(changelogRecords()).extracting(k -> k.charAt(0)).containsOnly('h', 'c', 'g', 'm', 'w');
    }

    @Test
    void aOneToOneMessageAndItsDeliveryWriteFourChangelogRecords() {
        f.accepted(f.message(DM, "alice", "hello"));
        f.pipe(f.onTarget(ActionType.DELIVERY_RECEIPT, DM, "bob", 1).setTargetUserId("alice"));

        // The head, the retry entry, the message ref and bob's delivered watermark; no "last sent" watermark for
        // alice (only a group's all-members receipts read it).
        assertThat(changelogRecords()).containsExactlyInAnyOrder(
                "h" + DM,
                "c" + DM + "/alice-phone/c1",
                "m" + DM + "/" + String.format("%019d", 1),
                "w" + DM + "/bob/d");
    }

    @Test
    void aGroupMessageStillRecordsItsSendersLastMessage() {
        f.accepted(f.createGroup("g:book-club", "alice", "Club", "bob", "carol"));
        changelogRecords();
        f.accepted(f.message("g:book-club", "alice", "hi"));
        assertThat(changelogRecords()).contains("wg:book-club/alice/s");
    }

    @Test
    void eachKindSeesOnlyItsOwnKeys() {
        KeyValueStore<String, Long> heads = f.longs(SequencerState.Kind.HEADS);
        KeyValueStore<String, Long> marks = f.longs(SequencerState.Kind.WATERMARKS);
        var dedup = SequencerState.timestampedLongs(f.state(), SequencerState.Kind.CLIENT_MESSAGE_IDS);
        heads.put("a", 1L);
        heads.put("b", 2L);
        marks.put("a", 10L);
        marks.put("b", 20L);
        marks.put("c", 30L);
        dedup.put("a", ValueAndTimestamp.make(7L, 1_000L));

        assertThat(heads.get("a")).isEqualTo(1L);
        assertThat(marks.get("a")).isEqualTo(10L);
        assertThat(dedup.get("a")).isEqualTo(ValueAndTimestamp.make(7L, 1_000L));
        assertThat(heads.get("c")).isNull();
        assertThat(entries(heads.all())).containsExactly("a=1", "b=2");
        assertThat(entries(marks.all())).containsExactly("a=10", "b=20", "c=30");
        assertThat(entries(marks.range("b", "c"))).containsExactly("b=20", "c=30");
        assertThat(entries(heads.range("b", "zzz"))).containsExactly("b=2");
        assertThat(entries(marks.reverseRange("a", "b"))).containsExactly("b=20", "a=10");
        assertThat(entries(marks.prefixScan("b", new org.apache.kafka.common.serialization.StringSerializer())))
                .containsExactly("b=20");

        assertThat(marks.delete("a")).isEqualTo(10L);
        assertThat(marks.get("a")).isNull();
        assertThat(heads.get("a")).isEqualTo(1L);
        assertThat(SequencerState.keys(f.state())).containsExactly("ca", "ha", "hb", "wb", "wc");
    }

    @Test
    void refusesToStartOnTheChangelogsOfTheStoresFromBefore() {
        String app = "parley-sequencer";
        assertThat(SequencerState.stateFromBefore(java.util.Set.of("actions", "conversation-events"), app)).isEmpty();
        assertThat(SequencerState.stateFromBefore(java.util.Set.of("conversation-events",
                "parley-sequencer-sequencer-state-changelog"), app)).isEmpty();
        assertThat(SequencerState.stateFromBefore(java.util.Set.of("conversation-events",
                "parley-sequencer-conversation-heads-changelog", "parley-sequencer-client-message-ids-v2-changelog"), app))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("parley-sequencer-conversation-heads-changelog", "./parley up --clean"));
        // Migrated (the new store's changelog exists): starts.
        assertThat(SequencerState.stateFromBefore(java.util.Set.of("parley-sequencer-conversation-heads-changelog",
                "parley-sequencer-sequencer-state-changelog"), app)).isEmpty();
        // Another application's topics are not this one's state.
        assertThat(SequencerState.stateFromBefore(java.util.Set.of("other-app-conversation-heads-changelog"), app)).isEmpty();
    }

    private static <V> List<String> entries(KeyValueIterator<String, V> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                KeyValue<String, V> e = it.next();
                out.add(e.key + "=" + e.value);
            }
        }
        return out;
    }
}
