package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.projections.cql.RecordingSession;

/** The metadata search projection: which events leave rows, deletes remove them, bucket spans, replays. */
class MessageSearchTest {
    static {
        org.parley.serde.TrustedEventClasses.install();
    }

    private static final String G = "g:searchers";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static ConversationEvent.Builder event(long seq, EventType type, String sender, Instant at) {
        return ConversationEvent.newBuilder().setEventId(G + "/" + seq).setConversationId(G).setSeq(seq).setType(type)
                .setSenderUserId(sender).setSenderDeviceId(sender + "-phone").setClientMessageId("c" + seq)
                .setMemberUserIds(List.of("alice", "bob")).setSentAt(at).setPayload(ByteBuffer.allocate(0));
    }

    /** Messages across two buckets (seq 998..1002), one of them sent "earlier" than its predecessor (clock skew). */
    static List<ConversationEvent> events() {
        List<ConversationEvent> out = new ArrayList<>();
        out.add(event(998, EventType.MESSAGE, "alice", T0.plusSeconds(10)).build());
        out.add(event(999, EventType.MESSAGE, "bob", T0.plusSeconds(5)).setMediaType("Image/JPEG; q=1").build());
        out.add(event(1000, EventType.REACTION, "bob", T0.plusSeconds(20)).setTargetSeq(998L).setReaction("x").build());
        out.add(event(1001, EventType.MESSAGE, "alice", T0.plusSeconds(30)).setMediaType("video/mp4").build());
        out.add(event(1002, EventType.MESSAGE_DELETED, "alice", T0.plusSeconds(40)).setTargetSeq(1001L).build());
        out.add(event(1003, EventType.MESSAGE, "bob", T0.plusSeconds(50)).build());
        out.add(event(1004, EventType.HIDDEN_FOR_ME, "bob", T0.plusSeconds(60)).setPrivateToUserId("bob")
                .setTargetSeq(1003L).build());
        out.add(event(1005, EventType.MESSAGE_EDITED, "bob", T0.plusSeconds(70)).setTargetSeq(1003L).build());
        return out;
    }

    private static void project(MessageSearch search, List<ConversationEvent> events) {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        events.forEach(e -> writes.addAll(search.project(e)));
        CompletableFuture.allOf(writes.stream().map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new)).join();
    }

    private static Map<String, Map<String, Map<String, Object>>> projected(List<ConversationEvent> events) {
        RecordingSession cql = new RecordingSession();
        project(new MessageSearch(cql.session()), events);
        return cql.model().snapshot();
    }

    @Test
    void sharedMessagesAreRowsWithoutContentAndADeleteForEveryoneRemovesItsTarget() {
        Map<String, Map<String, Object>> rows = projected(events()).get("message_search");
        assertThat(rows).containsOnlyKeys("[g:searchers, 0, 998]", "[g:searchers, 0, 999]", "[g:searchers, 1, 1003]");
        assertThat(rows.get("[g:searchers, 0, 999]")).containsEntry("sender_user_id", "bob")
                .containsEntry("media_type", "image/jpeg").containsEntry("sent_at", T0.plusSeconds(5))
                .doesNotContainKey("payload");
        assertThat(rows.get("[g:searchers, 0, 998]")).doesNotContainKey("media_type");
    }

    @Test
    void eachBucketSpansItsEarliestAndLatestMessageWhateverTheirSeqOrder() {
        Map<String, Map<String, Object>> buckets = projected(events()).get("message_search_buckets");
        assertThat(buckets.get("[g:searchers, 0]")).containsEntry("min_at", T0.plusSeconds(5))
                .containsEntry("max_at", T0.plusSeconds(10));
        // The deleted message (1001) still widens its bucket: a span may be wider than its rows, never narrower.
        assertThat(buckets.get("[g:searchers, 1]")).containsEntry("min_at", T0.plusSeconds(30))
                .containsEntry("max_at", T0.plusSeconds(50));
    }

    @Test
    void anyOrderAndAnyRepetitionOfTheEventsLeavesTheSameRows() {
        List<ConversationEvent> events = events();
        Map<String, Map<String, Map<String, Object>>> expected = projected(events);
        Random random = new Random(11);
        for (int round = 0; round < 20; round++) {
            List<ConversationEvent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            RecordingSession cql = new RecordingSession();
            MessageSearch search = new MessageSearch(cql.session());
            project(search, events.subList(0, 1 + random.nextInt(events.size())));
            project(search, shuffled);
            assertThat(cql.model().snapshot()).as("round %d", round).isEqualTo(expected);
        }
    }

    @Test
    void aSpanWrittenAtTheWallClockWouldDependOnTheOrderOfWrites() {
        // The check above can fail: without the event-fixed timestamps the last write, not the earliest message, wins.
        RecordingSession cql = new RecordingSession();
        var naive = cql.session().prepare("UPDATE message_search_buckets SET min_at = ? WHERE conversation_id = ?"
                + " AND bucket = ?");
        List<ConversationEvent> events = events();
        for (ConversationEvent e : List.of(events.get(1), events.get(0))) {
            cql.session().executeAsync(naive.bind(e.getSentAt(), G, 0L)).toCompletableFuture().join();
        }
        assertThat(cql.model().table("message_search_buckets").get("[g:searchers, 0]"))
                .containsEntry("min_at", T0.plusSeconds(10));
    }

    @Test
    void aMessageCostsTwoRequestsItsRowAndItsBucketSpanAsOneBatch() {
        RecordingSession cql = new RecordingSession();
        project(new MessageSearch(cql.session()), List.of(events().get(0)));
        assertThat(cql.requests()).isEqualTo(2);
        assertThat(cql.executed()).extracting(RecordingSession.Executed::cql)
                .anyMatch(q -> q.contains("SET min_at")).anyMatch(q -> q.contains("SET max_at"));
    }

    @Test
    void mediaTypesAreComparedWithoutParametersAndCase() {
        assertThat(MessageSearch.normalizedMediaType(" Image/PNG ;name=x")).isEqualTo("image/png");
        assertThat(MessageSearch.normalizedMediaType(null)).isNull();
        assertThat(MessageSearch.normalizedMediaType(";x")).isNull();
    }
}
