package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.client.search.ChatSearch;
import org.parley.client.search.LocalSearchIndex;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * Search through the real stack (docs/search.md): the server's metadata answer from the {@code message_search}
 * projection within each user's reach, and the SDK's text search over the device's own index combined with it.
 */
class SearchIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();
    private final AtomicInteger ids = new AtomicInteger();

    private JsonObject frame(String type) {
        return EDGES.frame(type);
    }

    private JsonObject message(String conversationId, String text) {
        return frame("send").put("conversationId", conversationId)
                .put("payload", Base64.getEncoder().encodeToString(text.getBytes()));
    }

    private static long sent(ParleyClient c, JsonObject frame) throws Exception {
        JsonObject r = c.actRetrying(frame, WAIT, 5);
        assertThat(r.getString("type")).as("answer to %s: %s", frame, r).isEqualTo("sent");
        return r.getLong("seq");
    }

    private JsonObject search(ParleyClient c, JsonObject filters) throws Exception {
        JsonObject answer = c.request(filters.copy().put("type", "search").put("requestId", "s" + ids.incrementAndGet()), WAIT);
        c.forget(answer);
        return answer;
    }

    /** Every page of the search: the hits' seqs (one conversation) or "conv#seq" (all chats), in page order. */
    private List<Object> all(ParleyClient c, JsonObject filters) throws Exception {
        List<Object> out = new ArrayList<>();
        JsonObject f = filters.copy();
        for (int page = 0; page < 100; page++) {
            JsonObject answer = search(c, f);
            assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("search");
            for (Object o : answer.getJsonArray("hits")) {
                JsonObject h = (JsonObject) o;
                out.add(filters.containsKey("conversationId") ? (Object) h.getLong("seq")
                        : h.getString("conversationId") + "#" + h.getLong("seq"));
            }
            if (!answer.getBoolean("more")) {
                return out;
            }
            f.put("cursor", answer.getString("cursor"));
        }
        throw new AssertionError("no last page");
    }

    private static JsonObject in(String conversationId) {
        return new JsonObject().put("conversationId", conversationId);
    }

    @Test
    void searchFindsWhatEachUserMaySeeAndNothingElse() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(EDGES.vertx(), EDGES.url(), b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT);
             LocalSearchIndex bobIndex = LocalSearchIndex.inMemory()) {
            bob.onFrame(bobIndex::observe); // bob's device indexes what it receives (plain payloads here)

            JsonObject created = alice.actRetrying(frame("createGroup").put("name", "Hikers")
                    .put("members", new JsonArray(List.of(b.userId(), c.userId()))), WAIT, 5);
            String g = created.getString("conversationId");
            long hello = sent(alice, message(g, "hello hikers, summit on saturday"));
            long photo = sent(bob, message(g, "summit photo").put("mediaType", "image/jpeg"));
            long carols = sent(carol, message(g, "carol packs the tent"));
            long oops = sent(alice, message(g, "oops, the wrong summit"));
            sent(alice, frame("delete").put("conversationId", g).put("targetSeq", oops).put("scope", "everyone"));
            sent(alice, frame("delete").put("conversationId", g).put("targetSeq", photo).put("scope", "me"));
            long removed = sent(alice, frame("removeMember").put("conversationId", g).put("userId", c.userId()));
            long later = sent(bob, message(g, "summit without carol").put("mediaType", "video/mp4"));
            String dm = Conversations.direct(a.userId(), b.userId());
            long direct = sent(alice, frame("send").put("to", b.userId())
                    .put("payload", Base64.getEncoder().encodeToString("summit lunch?".getBytes())));

            // Once the projection has the last message: bob sees every live message, newest first, across chats.
            await().atMost(WAIT).untilAsserted(() -> assertThat(all(bob, new JsonObject()))
                    .containsExactly(dm + "#" + direct, g + "#" + later, g + "#" + carols, g + "#" + photo,
                            g + "#" + hello));

            // Deleted for everyone: nobody finds it. Deleted for alice only: alice does not, bob does.
            assertThat(all(alice, in(g))).containsExactly(later, carols, hello);
            // Reach: carol, removed at `removed`, finds nothing after it, in the group or across her chats.
            assertThat(all(carol, in(g))).containsExactly(carols, photo, hello).allMatch(s -> (long) s < removed);
            assertThat(all(carol, new JsonObject())).containsExactly(g + "#" + carols, g + "#" + photo, g + "#" + hello);
            JsonObject notHers = search(carol, in(dm));
            assertThat(notHers.getString("code")).as(notHers.encode()).isEqualTo("NOT_A_MEMBER");

            // Paging: one hit a page, the same hits in the same order.
            assertThat(all(bob, new JsonObject().put("limit", 1))).containsExactlyElementsOf(all(bob, new JsonObject()));

            // Sender and media type.
            assertThat(all(bob, in(g).put("senderUserId", b.userId()))).containsExactly(later, photo);
            assertThat(all(bob, new JsonObject().put("mediaType", "image"))).containsExactly(g + "#" + photo);
            assertThat(all(bob, in(g).put("mediaType", "video/mp4"))).containsExactly(later);
            assertThat(all(bob, in(g).put("mediaType", "none"))).containsExactly(carols, hello);

            // Date range: fromTime inclusive, untilTime exclusive, at carol's message's own time.
            JsonObject carolsHit = search(bob, in(g).put("senderUserId", c.userId())).getJsonArray("hits").getJsonObject(0);
            long at = carolsHit.getLong("sentAt");
            assertThat(all(bob, in(g).put("fromTime", at))).contains(carols).doesNotContain(hello);
            assertThat(all(bob, in(g).put("untilTime", at))).doesNotContain(carols).contains(hello);
            assertThat(all(bob, in(g).put("fromTime", at).put("untilTime", at + 1))).containsExactly(carols);

            // Bad input: a precise error, the connection stays open.
            JsonObject bad = search(bob, new JsonObject().put("fromTime", 5).put("untilTime", 5));
            assertThat(bad.getString("code")).isEqualTo("INVALID_FIELD");

            // Text through the SDK: bob's device index, combined with the server's answer when filters are given.
            ChatSearch chat = new ChatSearch(bobIndex, ChatSearch.over(bob, WAIT));
            await().atMost(WAIT).until(() -> bobIndex.get(dm, direct) != null);
            assertThat(chat.search(ChatSearch.Query.text("summ")).hits())
                    .extracting(ChatSearch.Hit::conversationId, ChatSearch.Hit::seq)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(dm, direct), org.assertj.core.groups.Tuple.tuple(g, hello));
            assertThat(chat.search(ChatSearch.Query.text("oops")).hits()).as("deleted for everyone").isEmpty();
            ChatSearch.Result fromAlice = chat.search(ChatSearch.Query.text("summit").inConversation(g).from(a.userId()));
            assertThat(fromAlice.hits()).extracting(ChatSearch.Hit::seq).containsExactly(hello);
            assertThat(fromAlice.hits().get(0).text()).isEqualTo("hello hikers, summit on saturday");
            assertThat(fromAlice.complete()).isTrue();
            // A stale local entry the server no longer shows (deleted while this index missed it) is not a hit.
            bobIndex.index(new LocalSearchIndex.Entry(g, oops, a.userId(), System.currentTimeMillis(), null, "oops, the wrong summit"));
            assertThat(chat.search(ChatSearch.Query.text("wrong summit").inConversation(g)).hits()).isEmpty();
            // Metadata only: the server's pages, with the text this device has.
            ChatSearch.Result media = chat.search(ChatSearch.Query.metadata().media("any").inConversation(g));
            assertThat(media.hits()).extracting(ChatSearch.Hit::seq).containsExactly(later, photo);
        }
    }
}
