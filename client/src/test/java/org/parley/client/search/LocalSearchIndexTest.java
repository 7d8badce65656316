package org.parley.client.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device's full-text index: words, prefixes, accents, metadata filters, edits, deletes, and its folder. */
class LocalSearchIndexTest {
    private static final String DM = "dm:alice:bob";
    private static final String G = "g:hikers01";

    private static LocalSearchIndex.Entry entry(String conv, long seq, String sender, long at, String media, String text) {
        return new LocalSearchIndex.Entry(conv, seq, sender, at, media, text);
    }

    private static List<String> ids(List<LocalSearchIndex.Entry> hits) {
        return hits.stream().map(h -> h.conversationId() + "#" + h.seq()).toList();
    }

    private static LocalSearchIndex filled() {
        LocalSearchIndex index = LocalSearchIndex.inMemory();
        index.index(entry(DM, 1, "alice", 1_000, null, "Meeting tomorrow at the Café?"));
        index.index(entry(DM, 2, "bob", 2_000, null, "yes, meeting at 10"));
        index.index(entry(G, 5, "carol", 2_000, "image/jpeg; q=0.9", "summit photo from the meeting point"));
        index.index(entry(G, 6, "alice", 3_000, "video/mp4", "the descent"));
        return index;
    }

    @Test
    void everyWordMustBeginAWordOfTheMessageAndCaseAndAccentsFold() {
        try (LocalSearchIndex index = filled()) {
            assertThat(ids(index.search(LocalSearchIndex.Request.text("meeting", 10))))
                    .containsExactly(G + "#5", DM + "#2", DM + "#1"); // newest first; same time: conversation desc
            assertThat(ids(index.search(LocalSearchIndex.Request.text("meet tom", 10)))).containsExactly(DM + "#1");
            assertThat(ids(index.search(LocalSearchIndex.Request.text("cafe", 10)))).containsExactly(DM + "#1");
            assertThat(index.search(LocalSearchIndex.Request.text("eeting", 10))).isEmpty(); // not inside a word
            assertThat(ids(index.search(LocalSearchIndex.Request.text("MEETING summit", 10)))).containsExactly(G + "#5");
            assertThat(index.search(LocalSearchIndex.Request.text("?!", 10))).isEmpty();
            assertThat(ids(index.search(LocalSearchIndex.Request.text("meeting", 1)))).containsExactly(G + "#5");
        }
    }

    @Test
    void metadataFiltersAndTimeBoundsFromInclusiveUntilExclusive() {
        try (LocalSearchIndex index = filled()) {
            assertThat(ids(index.search(new LocalSearchIndex.Request("meeting", DM, null, null, null, null, 10))))
                    .containsExactly(DM + "#2", DM + "#1");
            assertThat(ids(index.search(new LocalSearchIndex.Request(null, null, 2_000L, 3_000L, null, null, 10))))
                    .containsExactly(G + "#5", DM + "#2");
            assertThat(ids(index.search(new LocalSearchIndex.Request(null, null, null, null, "alice", null, 10))))
                    .containsExactly(G + "#6", DM + "#1");
            assertThat(ids(index.search(new LocalSearchIndex.Request(null, null, null, null, null, "image", 10))))
                    .containsExactly(G + "#5");
            assertThat(ids(index.search(new LocalSearchIndex.Request(null, null, null, null, null, "image/jpeg", 10))))
                    .containsExactly(G + "#5");
            assertThat(ids(index.search(new LocalSearchIndex.Request(null, null, null, null, null, "any", 10))))
                    .containsExactly(G + "#6", G + "#5");
            assertThat(ids(index.search(new LocalSearchIndex.Request(null, null, null, null, null, "none", 10))))
                    .containsExactly(DM + "#2", DM + "#1");
        }
    }

    private static JsonObject frame(String kind, String conv, long seq, Long target, String text) {
        JsonObject f = new JsonObject().put("type", "message").put("kind", kind).put("conversationId", conv)
                .put("seq", seq).put("senderUserId", "bob").put("sentAt", 5_000L);
        if (target != null) {
            f.put("targetSeq", target);
        }
        if (text != null) {
            f.put("payload", Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
        }
        return f;
    }

    @Test
    void framesIndexPlainMessagesReindexEditsAndRemoveDeletedAndHiddenOnes() {
        try (LocalSearchIndex index = filled()) {
            index.observe(frame("message", DM, 7, null, "picnic on sunday"));
            assertThat(ids(index.search(LocalSearchIndex.Request.text("picnic", 10)))).containsExactly(DM + "#7");
            index.observe(frame("message_edited", DM, 8, 7L, "barbecue on sunday"));
            assertThat(index.search(LocalSearchIndex.Request.text("picnic", 10))).isEmpty();
            assertThat(index.get(DM, 7).text()).isEqualTo("barbecue on sunday");
            assertThat(index.get(DM, 7).sentAt()).isEqualTo(5_000L); // the message's time, not the edit's
            index.observe(frame("message_deleted", DM, 9, 7L, null));
            index.observe(frame("hidden_for_me", DM, 10, 2L, null));
            assertThat(index.search(LocalSearchIndex.Request.text("sunday", 10))).isEmpty();
            assertThat(ids(index.search(LocalSearchIndex.Request.text("meeting", 10)))).containsExactly(G + "#5", DM + "#1");
            // An encrypted frame's metadata alone is not indexed: the messenger indexes what it decrypted.
            index.observe(frame("message", DM, 11, null, null).put("encrypted", true));
            assertThat(index.get(DM, 11)).isNull();
            assertThat(index.size()).isEqualTo(3);
        }
    }

    @Test
    void theIndexSurvivesInItsFolder(@TempDir Path folder) throws Exception {
        try (LocalSearchIndex index = LocalSearchIndex.open(folder.resolve("search"))) {
            index.index(entry(DM, 1, "alice", 1_000, null, "remember the tickets"));
        }
        try (LocalSearchIndex index = LocalSearchIndex.open(folder.resolve("search"))) {
            assertThat(ids(index.search(LocalSearchIndex.Request.text("tickets", 10)))).containsExactly(DM + "#1");
        }
    }
}
