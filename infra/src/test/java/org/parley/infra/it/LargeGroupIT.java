package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.schemas.CodeOutbox;

/**
 * A group at the default maximum, 1024 members, each with a device connected over a real WebSocket: one message
 * reaches all 1023 others exactly once, their acknowledgements come back as "delivered to all", and a 1025th member
 * is refused with GROUP_FULL.
 */
class LargeGroupIT {
    private static final int MEMBERS = 1024;
    private static final Duration WAIT = Duration.ofSeconds(180);
    @RegisterExtension
    static final EdgeClients EDGES = EdgeClients.oneEdge();

    @Test
    void oneMessageReachesAll1024MembersAndTheGroupRefusesA1025th() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<ParleyClient> clients = new ArrayList<>();
        try {
            List<Future<ParleyClient>> connecting = new ArrayList<>();
            String prefix = user("big");
            for (int i = 0; i < MEMBERS; i++) {
                String userId = prefix + "-" + i;
                Callable<ParleyClient> connect = () -> ParleyClient.connect(EDGES.vertx(), EDGES.url(),
                        ParleyClient.register(EDGES.url(), userId, CodeOutbox::latest), null, WAIT);
                connecting.add(pool.submit(connect));
            }
            for (Future<ParleyClient> f : connecting) {
                clients.add(f.get());
            }
            ParleyClient owner = clients.get(0);
            JsonArray others = new JsonArray();
            clients.subList(1, MEMBERS).forEach(c -> others.add(c.device().userId()));
            JsonObject created = owner.actRetrying(new JsonObject().put("type", "createGroup").put("clientMessageId", "create")
                    .put("name", "Everyone").put("members", others), WAIT, 5);
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String g = created.getString("conversationId");

            JsonObject sent = owner.actRetrying(new JsonObject().put("type", "send").put("clientMessageId", "all-hands")
                    .put("conversationId", g).put("payload", Base64.getEncoder().encodeToString("hello all".getBytes())), WAIT, 5);
            long seq = sent.getLong("seq");
            for (ParleyClient member : clients.subList(1, MEMBERS)) {
                JsonObject m = member.awaitFrame(f -> "message".equals(f.getString("type")) && g.equals(f.getString("conversationId"))
                        && f.getLong("seq") == seq, WAIT);
                member.ack(m.getLong("inboxSeq"));
            }
            for (ParleyClient member : clients.subList(1, MEMBERS)) {
                assertThat(member.frames("message")).filteredOn(f -> g.equals(f.getString("conversationId")))
                        .extracting(f -> f.getLong("seq")).containsExactly(1L, seq); // created, then the message: once each
            }
            JsonObject all = owner.awaitFrame(f -> "delivered_to_all".equals(f.getString("status")), WAIT);
            assertThat(all.getLong("seq")).isEqualTo(seq);

            JsonObject full = owner.actRetrying(new JsonObject().put("type", "addMembers").put("clientMessageId", "one-more")
                    .put("conversationId", g).put("userIds", new JsonArray().add(user("late"))), WAIT, 5);
            assertThat(full.getString("code")).isEqualTo("GROUP_FULL");
        } finally {
            clients.forEach(ParleyClient::close);
            pool.shutdownNow();
        }
    }
}
