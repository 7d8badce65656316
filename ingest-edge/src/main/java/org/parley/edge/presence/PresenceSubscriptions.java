package org.parley.edge.presence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.http.Failures;
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
 * {@link PresencePrivacy}, decided from both users' settings at subscribe time and decided again whenever either
 * user's settings change ({@code user-settings}, which every edge tails too): a user who hides their last seen is
 * hidden from open chats at once, and (reciprocity) stops seeing others' at once. A change of view sends the
 * subscriber a fresh frame.
 */
public class PresenceSubscriptions implements SessionExtension {
    /**
     * One connection following one user. Changed only on the viewer's context. {@code view} is null until the
     * subscribe's reads are back; what arrives meanwhile (presence, settings) is kept and merged, newest wins.
     */
    private static final class Subscription {
        final DeviceConnection viewer;
        final String target;
        PresencePrivacy.View view;
        Presence presence;
        UserSettings targetSettings;
        UserSettings viewerSettings;
        String lastFrame;

        Subscription(DeviceConnection viewer, String target) {
            this.viewer = viewer;
            this.target = target;
        }

        PresencePrivacy.View decide() {
            return PresencePrivacy.of(target, targetSettings, viewer.userId(), viewerSettings);
        }
    }

    private final SettingsStore settings;
    private final PresenceStore presence;
    private final int maxPerConnection;
    /**
     * The latest presence this edge's tail has seen per user (bounded, least recently updated dropped first). A
     * subscribe prefers it to the CQL row, which lags the topic: a chat opened just after the other user came online
     * would otherwise read the old row and miss the change, which arrived before the subscription existed.
     */
    private final Map<String, Presence> recent;
    /** target user → its subscriptions on this edge. */
    private final Map<String, Map<DeviceConnection, Subscription>> byTarget = new ConcurrentHashMap<>();
    /** connection → the users it follows (for the limit and the cleanup on close). */
    private final Map<DeviceConnection, Set<String>> byViewer = new ConcurrentHashMap<>();

    public PresenceSubscriptions(SettingsStore settings, PresenceStore presence, int maxPerConnection) {
        this(settings, presence, maxPerConnection, DEFAULT_RECENT);
    }

    public PresenceSubscriptions(SettingsStore settings, PresenceStore presence, int maxPerConnection, int recentUsers) {
        this.settings = settings;
        this.presence = presence;
        this.maxPerConnection = maxPerConnection;
        this.recent = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Presence> eldest) {
                return size() > recentUsers;
            }
        });
    }

    /** Default bound of the recent-presence map: ~200 bytes each, so ~20 MB. */
    public static final int DEFAULT_RECENT = 100_000;

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
        Subscription sub = new Subscription(c, target);
        // Registered before reading, so a change that lands meanwhile is not lost; it then wins over the read.
        byTarget.computeIfAbsent(target, k -> new ConcurrentHashMap<>()).put(c, sub);
        Presence seen = recent.get(target);
        Future<Optional<UserSettings>> theirs = settings.find(target);
        Future<Optional<UserSettings>> mine = settings.find(c.userId());
        Future<Optional<Presence>> now = presence.find(target);
        Future.all(theirs, mine, now).onComplete(ar -> {
            if (ar.failed()) {
                unsubscribe(c, target);
                Failures.Outcome o = Failures.of(ar.cause(), "presence of " + target + " not read", "subscribe again");
                c.refuse(o.code(), o.message(), null);
                return;
            }
            sub.targetSettings = newer(sub.targetSettings, theirs.result().orElse(null));
            sub.viewerSettings = newer(sub.viewerSettings, mine.result().orElse(null));
            // Newest first: a change after registering, then what the tail saw before, then the (lagging) table.
            if (sub.presence == null) {
                sub.presence = seen != null ? seen : now.result().orElse(null);
            }
            sub.view = sub.decide();
            send(sub);
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
        recent.remove(p.getUserId()); // re-inserted last: the map drops the least recently changed users
        recent.put(p.getUserId(), p);
        Map<DeviceConnection, Subscription> subs = byTarget.get(p.getUserId());
        if (subs == null) {
            return;
        }
        for (Subscription sub : subs.values()) {
            sub.viewer.context().runOnContext(v -> {
                // The topic's order is the truth: an edge-crash "offline" carries the edge's last beat as its time,
                // which can be older than the "online" it ends.
                sub.presence = p;
                if (sub.view != null) { // else the subscribe's read is still running: it sends it
                    send(sub);
                }
            });
        }
    }

    /**
     * From the settings tail's thread: {@code changed} may change what its user shows to followers (as the target)
     * and, by reciprocity, what its user sees of others (as the viewer). The record comes from the log, which is
     * written before the CQL table: it is not read back from CQL, which may not have it yet.
     */
    public void onSettings(UserSettings changed) {
        String user = changed.getUserId();
        Map<DeviceConnection, Subscription> followers = byTarget.get(user);
        if (followers != null) {
            followers.values().forEach(sub -> sub.viewer.context().runOnContext(v -> {
                sub.targetSettings = newer(sub.targetSettings, changed);
                redecide(sub);
            }));
        }
        byViewer.forEach((c, targets) -> {
            if (!user.equals(c.userId())) {
                return;
            }
            for (String target : targets) {
                Subscription sub = byTarget.getOrDefault(target, Map.of()).get(c);
                if (sub != null) {
                    c.context().runOnContext(v -> {
                        sub.viewerSettings = newer(sub.viewerSettings, changed);
                        redecide(sub);
                    });
                }
            }
        });
    }

    private static void redecide(Subscription sub) {
        if (sub.view == null) {
            return; // the subscribe's read is running: it decides with the newest settings
        }
        sub.view = sub.decide();
        if (!frame(sub.target, sub.presence, sub.view).equals(sub.lastFrame)) {
            send(sub); // only what the subscriber can see changed is news
        }
    }

    private static UserSettings newer(UserSettings a, UserSettings b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.getUpdatedAt().isAfter(b.getUpdatedAt()) ? a : b;
    }

    private static void send(Subscription sub) {
        sub.lastFrame = frame(sub.target, sub.presence, sub.view);
        sub.viewer.push(sub.lastFrame);
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
