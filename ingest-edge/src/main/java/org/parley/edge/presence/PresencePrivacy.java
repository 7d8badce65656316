package org.parley.edge.presence;

import java.util.List;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;

/**
 * Who may see whose presence, with WhatsApp's reciprocity: a viewer sees a user's last seen (online) only if the
 * user shares it with the viewer <em>and</em> the viewer shares theirs with the user. Who hides theirs from
 * someone cannot see that person's.
 */
public final class PresencePrivacy {
    /** What one viewer may see of one user. */
    public record View(boolean online, boolean lastSeen) {
    }

    private PresencePrivacy() {
    }

    /** {@code target}/{@code viewer} null: that user never changed a setting (everyone sees everything). */
    public static View of(String targetId, UserSettings target, String viewerId, UserSettings viewer) {
        boolean online = shares(target, true, viewerId) && shares(viewer, true, targetId);
        boolean lastSeen = shares(target, false, viewerId) && shares(viewer, false, targetId);
        return new View(online, lastSeen);
    }

    private static boolean shares(UserSettings owner, boolean online, String with) {
        if (owner == null) {
            return true;
        }
        Visibility v = online ? owner.getOnlineVisibility() : owner.getLastSeenVisibility();
        List<String> contacts = owner.getContactUserIds();
        return switch (v) {
            case EVERYONE -> true;
            case CONTACTS -> contacts.contains(with);
            case NOBODY -> false;
        };
    }
}
