package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.parley.events.DeviceRecord;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.Presence;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;
import org.parley.projections.cql.RecordingSession;
import org.parley.projections.keys.KeyDirectory;
import org.parley.projections.keys.KeyMutationTestFacts;

/**
 * The writers of the compacted and per-device topics ({@link DeviceInbox}, {@link DeviceDirectory},
 * {@link PresenceTable}, {@link UserSettingsDirectory}) and of the key directory ({@link KeyDirectory}): the CQL each
 * record becomes, and the same rows when the topic is replayed (these upserts carry no event seq: a replay in the
 * log's order rewrites the same values; the key directory's rows carry the fact's time and take any order).
 */
class DirectoryWritersTest {
    static {
        org.parley.serde.TrustedEventClasses.install();
    }

    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static void join(CompletionStage<Void> write) {
        write.toCompletableFuture().join();
    }

    @Test
    void anInboxRowIsTheDeliveryAsLoggedKeyedByDeviceAndInboxSeq() {
        RecordingSession cql = new RecordingSession();
        DeviceInbox inbox = new DeviceInbox(cql.session());
        byte[] delivery = "wire-format record".getBytes(StandardCharsets.UTF_8);
        join(inbox.write("bob-phone", 1234, "EVENT", "dm:alice:bob", 17, delivery));
        assertThat(cql.executed()).singleElement().hasToString("INSERT INTO inbox (device_id, bucket, inbox_seq, kind,"
                + " conversation_id, seq, delivery) VALUES (?,?,?,?,?,?,?) [bob-phone, 1, 1234, EVENT, dm:alice:bob, 17, 0x"
                + java.util.HexFormat.of().formatHex(delivery) + "]");
        Map<String, Map<String, Map<String, Object>>> once = cql.model().snapshot();
        join(inbox.write("bob-phone", 1234, "EVENT", "dm:alice:bob", 17, delivery));
        assertThat(cql.model().snapshot()).isEqualTo(once);
    }

    private static DeviceRecord device(String id, boolean revoked) {
        return DeviceRecord.newBuilder().setDeviceId(id).setUserId("alice").setTokenHash("sha256:" + id)
                .setRegisteredAt(T).setRevoked(revoked).build();
    }

    @Test
    void aDeviceIsOneLoggedBatchOfItsTwoRowsAndItsRevocationReplaysToTheSameRows() {
        RecordingSession cql = new RecordingSession();
        DeviceDirectory devices = new DeviceDirectory(cql.session());
        join(devices.write(device("d1", false)));
        assertThat(cql.executed()).extracting(RecordingSession.Executed::toString).containsExactly(
                "INSERT INTO devices (device_id, user_id, token_hash, registered_at, revoked) VALUES (?,?,?,?,?)"
                        + " [d1, alice, sha256:d1, 2026-12-01T10:00:00Z, false]",
                "INSERT INTO devices_by_user (user_id, device_id, registered_at) VALUES (?,?,?) [alice, d1, 2026-12-01T10:00:00Z]");
        join(devices.write(device("d1", true)));
        Map<String, Map<String, Map<String, Object>>> live = cql.model().snapshot();
        // The compacted topic keeps the last record: its replay alone, or the whole log again, gives the same rows.
        RecordingSession replay = new RecordingSession();
        join(new DeviceDirectory(replay.session()).write(device("d1", true)));
        assertThat(replay.model().snapshot()).isEqualTo(live);
        join(devices.write(device("d1", false)));
        join(devices.write(device("d1", true)));
        assertThat(cql.model().snapshot()).isEqualTo(live);
        assertThat(live.get("devices").get("[d1]")).containsEntry("revoked", true);
    }

    @Test
    void presenceAndSettingsAreUpsertsOfTheRecordsOwnValues() {
        RecordingSession cql = new RecordingSession();
        PresenceTable presence = new PresenceTable(cql.session());
        UserSettingsDirectory settings = new UserSettingsDirectory(cql.session());
        Presence off = Presence.newBuilder().setUserId("bob").setOnline(false).setLastSeenAt(T).setAt(T).build();
        UserSettings s = UserSettings.newBuilder().setUserId("bob").setReadReceipts(false)
                .setLastSeenVisibility(Visibility.CONTACTS).setOnlineVisibility(Visibility.EVERYONE)
                .setContactUserIds(List.of("alice", "carol")).setUpdatedAt(T).build();
        join(presence.write(off));
        join(settings.write(s));
        assertThat(cql.executed()).extracting(RecordingSession.Executed::toString).containsExactly(
                "INSERT INTO presence (user_id, online, last_seen_at, updated_at) VALUES (?,?,?,?)"
                        + " [bob, false, 2026-12-01T10:00:00Z, 2026-12-01T10:00:00Z]",
                "INSERT INTO user_settings (user_id, read_receipts, last_seen_visibility, online_visibility, push_sound,"
                        + " contact_user_ids, updated_at) VALUES (?,?,?,?,?,?,?) [bob, false, CONTACTS, EVERYONE, null,"
                        + " [alice, carol], 2026-12-01T10:00:00Z]",
                "INSERT INTO user_media_settings (user_id, auto_download, updated_at) VALUES (?,?,?)"
                        + " [bob, {}, 2026-12-01T10:00:00Z]");
        Map<String, Map<String, Map<String, Object>>> once = cql.model().snapshot();
        join(presence.write(off));
        join(settings.write(s));
        assertThat(cql.model().snapshot()).isEqualTo(once);
        // No wall-clock value anywhere: the rows hold the record's own times.
        assertThat(once.get("presence").get("[bob]")).containsEntry("updated_at", T);
    }

    @Test
    void keyFactsReplayedInAnyOrderLeaveTheRowsOfTheLogsOrder() {
        List<KeyDirectoryFact> facts = KeyMutationTestFacts.history();
        RecordingSession inOrder = new RecordingSession();
        KeyDirectory keys = new KeyDirectory(inOrder.session(), 86_400);
        facts.forEach(f -> join(keys.write(f)));
        Map<String, Map<String, Map<String, Object>>> expected = inOrder.model().snapshot();
        assertThat(expected).containsKeys("device_keys", "one_time_prekeys", "prekey_claims");
        assertThat(inOrder.executed()).anySatisfy(e -> assertThat(e.cql()).startsWith("UPDATE device_keys USING TIMESTAMP ?"));
        Random random = new Random(11);
        for (int round = 0; round < 20; round++) {
            List<KeyDirectoryFact> shuffled = new ArrayList<>(facts);
            Collections.shuffle(shuffled, random);
            RecordingSession cql = new RecordingSession();
            KeyDirectory replayed = new KeyDirectory(cql.session(), 86_400);
            facts.subList(0, random.nextInt(facts.size())).forEach(f -> join(replayed.write(f)));
            shuffled.forEach(f -> join(replayed.write(f)));
            assertThat(cql.model().snapshot()).as("round %d", round).isEqualTo(expected);
        }
    }
}
