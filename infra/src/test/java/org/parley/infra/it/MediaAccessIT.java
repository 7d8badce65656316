package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;

/**
 * Media and group access through the whole pipeline (edge → Kafka → sequencer → projection writer → CQL → edge):
 * a media object reaches its uploader and the members a conversation showed it to within their reach, is served as
 * a download of a safe type, and a removed member keeps the group (and its icon) as it was at its removal only.
 */
class MediaAccessIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();
    private final AtomicInteger ids = new AtomicInteger();

    private JsonObject frame(String type) {
        return EDGES.frame(type);
    }

    private static JsonObject answer(ParleyClient c, JsonObject frame) throws Exception {
        return c.actRetrying(frame, WAIT, 5);
    }

    private static long sent(ParleyClient c, JsonObject frame) throws Exception {
        JsonObject r = answer(c, frame);
        assertThat(r.getString("type")).as("answer to %s: %s", frame, r).isEqualTo("sent");
        return r.getLong("seq");
    }

    private static String upload(ParleyClient.Device d, String type, byte[] bytes) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(EDGES.url() + "/v1/media"))
                .header("Authorization", "Bearer " + d.token()).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(201);
        return new JsonObject(res.body()).getString("key");
    }

    /** GET /v1/<key><query>, waiting out 503s (the read model catching up with the named seq). */
    private static HttpResponse<byte[]> fetch(ParleyClient.Device d, String key, String query) {
        HttpRequest get = HttpRequest.newBuilder(URI.create(EDGES.url() + "/v1/" + key + query))
                .header("Authorization", "Bearer " + d.token()).build();
        return await().atMost(WAIT).until(() -> HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.ofByteArray()),
                r -> r.statusCode() != 503);
    }

    private static String at(String g, long seq) {
        return "?conversationId=" + g + "&seq=" + seq;
    }

    @Test
    void mediaReachesOnlyItsUploaderAndTheMembersItWasShownToWithinTheirReach() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b = ParleyClient.register(EDGES.url(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);
        ParleyClient.Device s = ParleyClient.register(EDGES.url(), user("stranger"), CodeOutbox::latest);
        byte[] first = {(byte) 0x89, 'P', 'N', 'G', 1};
        byte[] second = {(byte) 0x89, 'P', 'N', 'G', 2};
        String icon1 = upload(a, "image/png", first);
        String page = upload(a, "text/html", "<script>alert(1)</script>".getBytes());
        String bobs = upload(b, "image/png", second);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient carol = ParleyClient.connect(EDGES.vertx(), EDGES.url(), c, null, WAIT)) {
            // Only an object of one's own can become a group's icon.
            JsonObject foreign = answer(alice, frame("createGroup").put("name", "Nope").put("iconKey", bobs)
                    .put("members", new JsonArray().add(b.userId())));
            assertThat(foreign.getString("code")).as(foreign.encode()).isEqualTo("INVALID_FIELD");

            JsonObject created = answer(alice, frame("createGroup").put("name", "Book club").put("iconKey", icon1)
                    .put("members", new JsonArray(List.of(b.userId(), c.userId()))));
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g = created.getString("conversationId");

            HttpResponse<byte[]> bobGets = fetch(b, icon1, at(g, 1));
            assertThat(bobGets.statusCode()).isEqualTo(200);
            assertThat(bobGets.body()).isEqualTo(first);
            assertThat(bobGets.headers().firstValue("Content-Type")).contains("image/png");
            assertThat(bobGets.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(bobGets.headers().firstValue("Content-Disposition")).contains("attachment");
            // The read model has the reference now: no hint needed.
            assertThat(fetch(b, icon1, "").statusCode()).isEqualTo(200);
            // A valid token of someone the key was never shown to opens nothing.
            assertThat(fetch(s, icon1, "").statusCode()).isEqualTo(403);
            assertThat(fetch(s, icon1, at(g, 1)).statusCode()).isEqualTo(403);
            // Never served as something a browser renders.
            assertThat(fetch(a, page, "").headers().firstValue("Content-Type")).contains("application/octet-stream");

            // Carol is removed; then the icon and the name change.
            long removed = sent(alice, frame("removeMember").put("conversationId", g).put("userId", c.userId()));
            String icon2 = upload(a, "image/png", second);
            long changed = sent(alice, frame("updateGroup").put("conversationId", g).put("name", "Without Carol")
                    .put("iconKey", icon2));
            assertThat(fetch(b, icon2, at(g, changed)).statusCode()).isEqualTo(200);
            assertThat(fetch(c, icon2, at(g, changed)).statusCode()).isEqualTo(403);
            assertThat(fetch(c, icon1, at(g, 1)).statusCode()).isEqualTo(200); // shown while she was a member

            // Dave joins later (no history sharing): the join shows him the current icon, not the old one.
            long added = sent(alice, frame("addMembers").put("conversationId", g).put("userIds", new JsonArray().add(d.userId())));
            assertThat(fetch(d, icon2, at(g, added)).statusCode()).isEqualTo(200);
            assertThat(fetch(d, icon1, at(g, added)).statusCode()).isEqualTo(403);

            // Carol sees the group as it was at her removal, never as it is now.
            await().atMost(WAIT).untilAsserted(() -> {
                JsonObject info = carol.request(new JsonObject().put("type", "group")
                        .put("requestId", "g" + ids.incrementAndGet()).put("conversationId", g), WAIT);
                assertThat(info.getString("type")).as(info.encode()).isEqualTo("group");
                assertThat(info.getString("name")).isEqualTo("Book club");
                assertThat(info.getString("iconKey")).isEqualTo(icon1);
                assertThat(info.getBoolean("member")).isFalse();
                assertThat(info.getLong("leftSeq")).isEqualTo(removed);
                assertThat(info.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("userId")).toList())
                        .containsExactlyInAnyOrder(a.userId(), b.userId());
            });
        }
    }
}
