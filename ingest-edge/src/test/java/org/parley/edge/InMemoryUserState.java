package org.parley.edge;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.presence.PresenceStore;
import org.parley.edge.settings.SettingsStore;
import org.parley.edge.typing.ConversationMembership;
import org.parley.events.Presence;
import org.parley.events.UserSettings;
import org.parley.schemas.Conversations;

/** Unit-test settings, presence rows and group members (the CQL ones are exercised by the integration tests). */
class InMemoryUserState implements SettingsStore, ConversationMembership {
    final Map<String, UserSettings> settings = new ConcurrentHashMap<>();
    final Map<String, Presence> presence = new ConcurrentHashMap<>();
    final Map<String, List<String>> groups = new ConcurrentHashMap<>();

    @Override
    public Future<Optional<UserSettings>> find(String userId) {
        return Future.succeededFuture(Optional.ofNullable(settings.get(userId)));
    }

    @Override
    public Future<Void> save(UserSettings s) {
        settings.put(s.getUserId(), s);
        return Future.succeededFuture();
    }

    PresenceStore presenceStore() {
        return userId -> Future.succeededFuture(Optional.ofNullable(presence.get(userId)));
    }

    @Override
    public Future<Optional<List<String>>> members(String conversationId) {
        Optional<List<String>> direct = Conversations.members(conversationId);
        return Future.succeededFuture(direct.isPresent() ? direct : Optional.ofNullable(groups.get(conversationId)));
    }
}
