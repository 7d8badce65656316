package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.projections.cql.RecordingSession;

/**
 * {@code media_reference_times}, which the media sweeper reads: a message's and a forward's attachment references
 * with the events' times, a delete for everyone releasing one of them, the same rows in whatever order and however
 * often the events are projected (a replay).
 */
class MediaReferenceTimesTest {
    private static final String KEY = "media/alice/0b6c3f3e-5f0e-4a4e-9d55-3c2f8f0d7a11";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static ConversationEvent event(String conversation, long seq, EventType type, String sender) {
        ConversationEvent.Builder b = ConversationEvent.newBuilder().setEventId(conversation + "/" + seq)
                .setConversationId(conversation).setSeq(seq).setType(type).setSenderUserId(sender)
                .setSenderDeviceId(sender + "-phone").setMemberUserIds(List.of()).setSubjectUserIds(List.of())
                .setSentAt(T0.plusSeconds(seq * 60)).setPayload(ByteBuffer.wrap(new byte[] {1}))
                .setMediaObjectId(KEY);
        if (type == EventType.MESSAGE_DELETED) {
            b.setTargetSeq(seq - 1);
        }
        return b.build();
    }

    private static final List<ConversationEvent> EVENTS = List.of(
            event("dm:alice:bob", 1, EventType.MESSAGE, "alice"),
            event("dm:bob:carol", 3, EventType.MESSAGE, "bob"), // bob's forward
            event("dm:alice:bob", 2, EventType.MESSAGE_DELETED, "alice"));

    private static RecordingSession projected(List<ConversationEvent> events) {
        RecordingSession cql = new RecordingSession();
        ConversationHistory history = new ConversationHistory(cql.session());
        EventProjector p = new EventProjector(history, new GroupDirectory(cql.session()),
                new UserConversations(cql.session()), new GroupDepartures(cql.session()),
                new MediaReferences(cql.session()), new MessageEnvelopes(cql.session()));
        List<CompletionStage<Void>> writes = new ArrayList<>();
        events.forEach(e -> writes.addAll(p.project(e)));
        writes.forEach(w -> w.toCompletableFuture().join());
        return cql;
    }

    @Test
    void eachReferenceHasItsTimeAndTheDeleteForEveryoneReleasesOnlyItsOwn() {
        var rows = projected(EVENTS).model().table("media_reference_times");
        assertThat(rows).containsOnlyKeys("[" + KEY + ", dm:alice:bob, 1]", "[" + KEY + ", dm:bob:carol, 3]");
        assertThat(rows.get("[" + KEY + ", dm:alice:bob, 1]")).containsEntry("referenced_at", T0.plusSeconds(60))
                .containsEntry("released_at", T0.plusSeconds(120));
        assertThat(rows.get("[" + KEY + ", dm:bob:carol, 3]")).containsEntry("referenced_at", T0.plusSeconds(180))
                .doesNotContainKey("released_at");
    }

    @Test
    void projectingAgainOrTheDeleteFirstLeavesTheSameRows() {
        var once = projected(EVENTS).model().snapshot();
        List<ConversationEvent> twice = new ArrayList<>(EVENTS);
        twice.addAll(EVENTS);
        assertThat(projected(twice).model().snapshot()).isEqualTo(once);
        List<ConversationEvent> reversed = new ArrayList<>(EVENTS);
        java.util.Collections.reverse(reversed);
        var rows = projected(reversed).model().table("media_reference_times");
        assertThat(rows).isEqualTo(projected(EVENTS).model().table("media_reference_times"));
    }
}
