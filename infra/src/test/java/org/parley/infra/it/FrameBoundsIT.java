package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;

/**
 * The edge's bounds against the real stack (docs/security.md, "Frame and field bounds, errors"): the largest frames
 * the bounds allow become records every topic holds (sequenced, answered with {@code sent}, the sequencer and the
 * fan-out keep going), a message over the limit is closed with 1009, and ids outside their charset are refused with
 * 400 before they reach the store.
 */
class FrameBoundsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    /**
     * Carol, who receives the largest records, never connects: a message of the largest payload is a server frame
     * over 64 KiB, more than a Vert.x client reads by default. Dave's later message shows the pipeline went on.
     */
    @Test
    void theLargestFramesTheBoundsAllowAreStoredAndSequencedAndThePipelineGoesOn() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device c = ParleyClient.register(EDGES.url(), user("carol"), CodeOutbox::latest);
        ParleyClient.Device d = ParleyClient.register(EDGES.url(), user("dave"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT);
             ParleyClient dave = ParleyClient.connect(EDGES.vertx(), EDGES.url(), d, null, WAIT)) {
            byte[] payload = new byte[EDGES.stack().settings().getInt("edge.max-payload-bytes")];
            String mediaType = "x".repeat(127) + "/" + "y".repeat(127);
            JsonObject sent = alice.actRetrying(new JsonObject().put("type", "send").put("clientMessageId", "m".repeat(128))
                    .put("to", c.userId()).put("payload", Base64.getEncoder().encodeToString(payload))
                    .put("mediaType", mediaType), WAIT, 5);
            assertThat(sent.getString("type")).as("answer %s", sent.getString("message")).isEqualTo("sent");

            // A group at the member limit, every id at its longest, name and description at theirs: its events carry
            // the member list and the admin list on top of what the frame held.
            int max = EDGES.stack().settings().getInt("conversations.max-group-members");
            String prefix = user("m");
            JsonArray members = new JsonArray().add(c.userId());
            for (int i = members.size(); i < max - 1; i++) {
                String id = prefix + "-" + i + "-";
                members.add(id + "x".repeat(64 - id.length()));
            }
            JsonObject created = alice.actRetrying(new JsonObject().put("type", "createGroup").put("clientMessageId", "big")
                    .put("name", "n".repeat(100)).put("description", "\ud83d\ude00".repeat(1024))
                    .put("members", members), WAIT, 5);
            assertThat(created.getString("type")).as("answer %s", created.getString("message")).isEqualTo("sent");
            JsonObject inGroup = alice.actRetrying(new JsonObject().put("type", "send").put("clientMessageId", "in-group")
                    .put("conversationId", created.getString("conversationId")).put("payload", "AA=="), WAIT, 5);
            assertThat(inGroup.getString("type")).isEqualTo("sent");

            JsonObject after = alice.actRetrying(new JsonObject().put("type", "send").put("clientMessageId", "after")
                    .put("to", d.userId()).put("payload", "AA=="), WAIT, 5);
            assertThat(after.getString("type")).isEqualTo("sent");
            dave.awaitFrame(f -> "message".equals(f.getString("type")) && "after".equals(f.getString("clientMessageId")), WAIT);
        }
    }

    @Test
    void aMessageOverTheFrameLimitIsClosedWith1009() throws Exception {
        ParleyClient.Device a = ParleyClient.register(EDGES.url(), user("alice"), CodeOutbox::latest);
        try (ParleyClient alice = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT)) {
            alice.sendText("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(EDGES.stack().settings().getInt("edge.max-frame-bytes")) + "\"}");
            Awaitility.await().atMost(WAIT).until(alice::isClosed);
            assertThat(alice.closeCode()).isEqualTo((short) 1009);
        }
        try (ParleyClient again = ParleyClient.connect(EDGES.vertx(), EDGES.url(), a, null, WAIT)) {
            again.sendText("{\"type\":\"ping\"}");
            again.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
        }
    }

    @Test
    void idsOutsideTheirCharsetAreRefusedBeforeTheStore() throws Exception {
        for (String userId : new String[] {"..", ".", "-x"}) {
            // A proven identifier, so that the user id is what is refused.
            String identifier = user("bounds") + "@users.parley.test";
            ParleyClient.requestCode(EDGES.url(), identifier);
            String code = CodeOutbox.read(CodeOutbox.dir(Settings.load()), identifier).orElseThrow();
            HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(EDGES.url() + "/v1/devices"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("identifier", identifier)
                            .put("code", code).put("userId", userId).encode())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as("userId %s: %s", userId, res.body()).isEqualTo(400);
            assertThat(new JsonObject(res.body()).getString("error")).isEqualTo("INVALID_FIELD");
        }
    }
}
