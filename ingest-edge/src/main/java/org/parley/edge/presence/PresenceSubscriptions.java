package org.parley.edge.presence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.session.DeviceConnection;
import org.parley.edge.session.SessionExtension;
import org.parley.edge.settings.SettingsStore;
import org.parley.events.Presence;
import org.parley.events.UserSettings;

/**
 * Presence for the clients that asked: a {@code presence} subscribe frame (a chat opened) answers the user's current
 * presence, then every change while subscribed; unsubscribe (chat closed) or disconnecting ends it. Changes come from
 * the compacted {@code presence} topic, which every edge tails; each subscriber sees them through
 * {@link PresencePrivacy} (decided at subscribe time from both users' settings).
 */
public class PresenceSubscriptions implements SessionExtension {
    /** One connection following one user; {@code view} is null until both users' settings are read. */
    private static final class Subscription {
        final DeviceConnection viewer;
        volatile PresencePrivacy.View view;
        volatile Presence lastSent;

        Subscription(DeviceConnection viewer) {
            this.viewer = viewer;
        }
    }

    private final SettingsStore settings;
    private final PresenceStore presence;
    private final int maxPerConnection;
    /** target user → its subscriptions on this edge. */
    private final Map<String, Map<DeviceConnection, Subscription>> byTarget = new ConcurrentHashMap<>();
    /** connection → the users it follows (for the limit and the cleanup on close). */
    private final Map<DeviceConnection, Set<String>> byViewer = new ConcurrentHashMap<>();

    public PresenceSubscriptions(SettingsStore settings, PresenceStore presence, int maxPerConnection) {
        this.settings = settings;
        this.presence = presence;
        this.maxPerConnection = maxPerConnection;
    }

    @Override
    public boolean onFrame(DeviceConnection c, ClientFrame frame) {
        if (!(frame instanceof ClientFrame.PresenceSubscription p)) {
            return false;
        }
        if (p.subscribe()) {
            subscribe(c, p.userId());
        } else {
            unsubscribe(c, p.userId());
        }
        return true;
    }

    private void subscribe(DeviceConnection c, String target) {
        Set<String> following = byViewer.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet());
        if (following.contains(target)) {
            return;
        }
        if (following.size() >= maxPerConnection) {
            c.refuse(ErrorCode.SUBSCRIPTION_LIMIT, "already following " + maxPerConnection + " users' presence"
                    + " (presence.max-subscriptions); unsubscribe from one first", null);
            return;
        }
        following.add(target);
        Subscription sub = new Subscription(c);
        // Registered before reading, so a change that lands meanwhile is not lost; it then wins over the read.
        byTarget.computeIfAbsent(target, k -> new ConcurrentHashMap<>()).put(c, sub);
        Future<Optional<UserSettings>> theirs = settings.find(target);
        Future<Optional<UserSettings>> mine = settings.find(c.userId());
        Future<Optional<Presence>> now = presence.find(target);
        Future.all(theirs, mine, now).onComplete(ar -> {
            if (ar.failed()) {
                unsubscribe(c, target);
                c.refuse(ErrorCode.UNAVAILABLE, "presence of " + target + " unavailable; subscribe again", null);
                return;
            }
            sub.view = PresencePrivacy.of(target, theirs.result().orElse(null), c.userId(), mine.result().orElse(null));
            Presence pending = sub.lastSent;
            Presence current = newer(pending, now.result().orElse(null));
            sub.lastSent = null;
            send(sub, target, current);
        });
    }

    private void unsubscribe(DeviceConnection c, String target) {
        Set<String> following = byViewer.get(c);
        if (following != null) {
            following.remove(target);
        }
        byTarget.computeIfPresent(target, (k, subs) -> {
            subs.remove(c);
            return subs.isEmpty() ? null : subs;
        });
    }

    @Override
    public void onClose(DeviceConnection c) {
        Set<String> following = byViewer.remove(c);
        if (following != null) {
            following.forEach(target -> unsubscribe(c, target));
        }
    }

    /** From the presence tail's thread. */
    public void onPresence(Presence p) {
        Map<DeviceConnection, Subscription> subs = byTarget.get(p.getUserId());
        if (subs == null) {
            return;
        }
        for (Subscription sub : subs.values()) {
            sub.viewer.context().runOnContext(v -> {
                if (sub.view == null) {
                    sub.lastSent = newer(sub.lastSent, p); // the subscribe's read is still running: it sends it
                } else {
                    send(sub, p.getUserId(), p);
                }
            });
        }
    }

    private static Presence newer(Presence a, Presence b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.getAt().isAfter(b.getAt()) ? a : b;
    }

    private static void send(Subscription sub, String target, Presence p) {
        sub.viewer.push(frame(target, p, sub.view));
    }

    /** What the viewer may see: online, offline with a last seen, or unknown (hidden, or never seen). */
    static String frame(String target, Presence p, PresencePrivacy.View view) {
        JsonObject f = new JsonObject().put("type", "presence").put("userId", target);
        if (p != null && p.getOnline() && view.online()) {
            f.put("state", "online");
        } else if (p != null && !p.getOnline() && view.lastSeen() && p.getLastSeenAt() != null) {
            f.put("state", "offline").put("lastSeenAt", p.getLastSeenAt().toEpochMilli());
        } else {
            f.put("state", "unknown");
        }
        return f.encode();
    }
}
