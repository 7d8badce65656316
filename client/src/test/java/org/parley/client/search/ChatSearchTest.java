package org.parley.client.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How ChatSearch combines the device's text index with the server's metadata answer. */
class ChatSearchTest {
    private static final String DM = "dm:alice:bob";
    private final List<JsonObject> asked = new ArrayList<>();
    private final LocalSearchIndex index = LocalSearchIndex.inMemory();

    private static JsonObject hit(String conv, long seq, long at, String sender) {
        return new JsonObject().put("conversationId", conv).put("seq", seq).put("sentAt", at).put("senderUserId", sender);
    }

    /** A server that holds {@code hits} (already filtered) and answers in one page. */
    private ChatSearch over(JsonObject... hits) {
        return new ChatSearch(index, frame -> {
            asked.add(frame);
            return new JsonObject().put("type", "search").put("requestId", frame.getString("requestId"))
                    .put("hits", new JsonArray(List.of((Object[]) hits))).put("more", false);
        });
    }

    private static List<String> ids(ChatSearch.Result r) {
        return r.hits().stream().map(h -> h.conversationId() + "#" + h.seq()).toList();
    }

    @Test
    void metadataOnlyAsksTheServerAndAddsTheTextThisDeviceHas() {
        index.index(new LocalSearchIndex.Entry(DM, 2, "bob", 2_000, null, "see you"));
        ChatSearch.Result r = over(hit(DM, 2, 2_000, "bob"), hit(DM, 1, 1_000, "bob"))
                .search(ChatSearch.Query.metadata().from("bob").between(0L, 5_000L).limit(10));
        assertThat(ids(r)).containsExactly(DM + "#2", DM + "#1");
        assertThat(r.hits().get(0).text()).isEqualTo("see you");
        assertThat(r.hits().get(1).text()).isNull();
        assertThat(asked).singleElement().satisfies(f -> assertThat(f.getMap()).containsEntry("type", "search")
                .containsEntry("senderUserId", "bob").containsEntry("fromTime", 0L).containsEntry("untilTime", 5_000L)
                .containsEntry("limit", 10).doesNotContainKey("text"));
    }

    @Test
    void textOnlyNeverLeavesTheDevice() {
        index.index(new LocalSearchIndex.Entry(DM, 1, "alice", 1_000, null, "the secret plan"));
        ChatSearch.Result r = over().search(ChatSearch.Query.text("secret"));
        assertThat(ids(r)).containsExactly(DM + "#1");
        assertThat(asked).isEmpty();
    }

    @Test
    void textAndMetadataKeepOnlyTheLocalHitsTheServerStillShows() {
        index.index(new LocalSearchIndex.Entry(DM, 1, "bob", 1_000, null, "lunch at noon"));
        index.index(new LocalSearchIndex.Entry(DM, 3, "bob", 3_000, null, "lunch moved")); // deleted on the server
        index.index(new LocalSearchIndex.Entry(DM, 4, "alice", 4_000, null, "lunch ok"));  // another sender
        ChatSearch.Result r = over(hit(DM, 1, 1_000, "bob")).search(ChatSearch.Query.text("lunch").from("bob"));
        assertThat(ids(r)).containsExactly(DM + "#1");
        assertThat(r.complete()).isTrue();
        // The server was asked only about the local hits' time span (with the clock slack), never about the text.
        assertThat(asked).singleElement().satisfies(f -> {
            assertThat(f.getLong("fromTime")).isEqualTo(0L);
            assertThat(f.getLong("untilTime")).isEqualTo(3_000L + 1 + ChatSearch.CLOCK_SLACK_MS);
            assertThat(f.encode()).doesNotContain("lunch");
        });
    }

    @Test
    void aRefusalBecomesSearchFailedWithItsCode() {
        ChatSearch search = new ChatSearch(index, frame -> new JsonObject().put("type", "error")
                .put("code", "NOT_A_MEMBER").put("message", "you are not a member of g:x").put("ref", frame.getString("requestId")));
        assertThatThrownBy(() -> search.search(ChatSearch.Query.metadata().inConversation("g:xxxxxxxx")))
                .isInstanceOfSatisfying(ChatSearch.SearchFailed.class, e -> assertThat(e.code()).isEqualTo("NOT_A_MEMBER"));
    }
}
