package org.parley.edge.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;

class PresencePrivacyTest {
    private static UserSettings settings(String user, Visibility lastSeen, Visibility online, String... contacts) {
        return UserSettings.newBuilder().setUserId(user).setLastSeenVisibility(lastSeen).setOnlineVisibility(online)
                .setContactUserIds(List.of(contacts)).setUpdatedAt(Instant.EPOCH).build();
    }

    @Test
    void everyoneSeesEveryoneByDefault() {
        assertThat(PresencePrivacy.of("bob", null, "alice", null)).isEqualTo(new PresencePrivacy.View(true, true));
    }

    @Test
    void contactsOnlyMeansTheOwnersContactList() {
        UserSettings bob = settings("bob", Visibility.CONTACTS, Visibility.CONTACTS, "alice");
        assertThat(PresencePrivacy.of("bob", bob, "alice", null)).isEqualTo(new PresencePrivacy.View(true, true));
        assertThat(PresencePrivacy.of("bob", bob, "carol", null)).isEqualTo(new PresencePrivacy.View(false, false));
    }

    @Test
    void nobodyHidesFromEveryone() {
        UserSettings bob = settings("bob", Visibility.NOBODY, Visibility.EVERYONE);
        assertThat(PresencePrivacy.of("bob", bob, "alice", null)).isEqualTo(new PresencePrivacy.View(true, false));
    }

    @Test
    void whoHidesTheirsCannotSeeOthers() {
        UserSettings alice = settings("alice", Visibility.NOBODY, Visibility.NOBODY);
        assertThat(PresencePrivacy.of("bob", null, "alice", alice)).isEqualTo(new PresencePrivacy.View(false, false));
        UserSettings carol = settings("carol", Visibility.CONTACTS, Visibility.EVERYONE, "dave");
        assertThat(PresencePrivacy.of("bob", null, "carol", carol))
                .as("carol hides her last seen from bob, who is not her contact").isEqualTo(new PresencePrivacy.View(true, false));
        assertThat(PresencePrivacy.of("dave", null, "carol", carol)).isEqualTo(new PresencePrivacy.View(true, true));
    }
}
