package org.parley.edge.typing;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.projections.GroupDirectory;
import org.parley.schemas.Conversations;

/**
 * One-to-one conversations by their id; groups from {@code conversation_members}, remembered for
 * {@code typing.members-cache-ms} (someone types in bursts: one read per burst, not per frame). A member removed
 * within that window may still see typing for that long: typing carries no content.
 */
public class CqlConversationMembership implements ConversationMembership {
    private record Cached(List<String> members, long until) {
    }

    private final Vertx vertx;
    private final GroupDirectory table;
    private final long cacheMs;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public CqlConversationMembership(Vertx vertx, CqlSession session, long cacheMs) {
        this.vertx = vertx;
        this.table = new GroupDirectory(session);
        this.cacheMs = cacheMs;
    }

    @Override
    public Future<Optional<List<String>>> members(String conversationId) {
        Optional<List<String>> direct = Conversations.members(conversationId);
        if (direct.isPresent()) {
            return Future.succeededFuture(direct);
        }
        long now = System.currentTimeMillis();
        Cached c = cache.get(conversationId);
        if (c != null && c.until() > now) {
            return Future.succeededFuture(Optional.of(c.members()).filter(m -> !m.isEmpty()));
        }
        if (cache.size() > 100_000) {
            cache.clear(); // bounded: a cache, not a copy of the table
        }
        return Future.fromCompletionStage(table.members(conversationId).thenApply(ms -> ms.stream().map(GroupDirectory.Member::userId).toList()), vertx.getOrCreateContext())
                .map(members -> {
            cache.put(conversationId, new Cached(List.copyOf(members), now + cacheMs));
            return Optional.of(members).filter(m -> !m.isEmpty());
        });
    }
}
