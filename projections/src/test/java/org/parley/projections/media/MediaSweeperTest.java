package org.parley.projections.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.parley.projections.media.MediaSweepRules.Reason;
import org.parley.projections.media.MediaSweepRules.Reference;
import org.parley.projections.media.MediaSweepRules.Upload;

/** The sweep's actions on the ledger, the references and the bucket, with the clock injected. */
class MediaSweeperTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final MediaSweepRules RULES = new MediaSweepRules(Duration.ofDays(30), Duration.ofHours(24));

    /** The ledger, references and swept record in memory. */
    static final class Store implements MediaLifecycleStore {
        final Map<String, Upload> uploads = new LinkedHashMap<>();
        final Map<String, List<Reference>> references = new HashMap<>();
        final Map<String, Reason> swept = new LinkedHashMap<>();

        void add(Upload u) {
            uploads.put(u.userId() + "/" + u.uploadId(), u);
        }

        long used(String user) {
            return uploads.values().stream().filter(u -> u.userId().equals(user)).mapToLong(Upload::bytes).sum();
        }

        @Override
        public void forEachUpload(Consumer<Upload> each) {
            new ArrayList<>(uploads.values()).forEach(each);
        }

        @Override
        public List<Upload> uploadsOf(String userId) {
            return uploads.values().stream().filter(u -> u.userId().equals(userId)).toList();
        }

        @Override
        public List<Reference> references(String mediaKey) {
            return references.getOrDefault(mediaKey, List.of());
        }

        @Override
        public void recordSwept(Upload upload, Reason reason, Instant at) {
            swept.put(upload.key(), reason);
        }

        @Override
        public void forget(Upload upload) {
            uploads.remove(upload.userId() + "/" + upload.uploadId());
        }
    }

    /** A bucket: the keys it holds and the open multipart uploads; can be made to fail. */
    static final class Bucket implements SweptObjects {
        final List<String> objects = new ArrayList<>();
        final List<String> openMultiparts = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        boolean down;

        @Override
        public void remove(String key) throws Exception {
            if (down) {
                throw new java.io.IOException("S3 unreachable");
            }
            calls.add("remove " + key);
            objects.remove(key);
        }

        @Override
        public void abortMultipart(String key, String s3UploadId) throws Exception {
            if (down) {
                throw new java.io.IOException("S3 unreachable");
            }
            calls.add("abort " + key + " " + s3UploadId);
            openMultiparts.remove(s3UploadId);
        }
    }

    private final Store store = new Store();
    private final Bucket bucket = new Bucket();

    private MediaSweeper at(Instant now) {
        return new MediaSweeper(store, bucket, RULES, Clock.fixed(now, ZoneOffset.UTC));
    }

    private Upload upload(String user, String id, long bytes, String s3UploadId, boolean completed, Instant at) {
        Upload u = new Upload(user, id, "media/" + user + "/" + id, bytes, s3UploadId, completed, at);
        store.add(u);
        if (completed) {
            bucket.objects.add(u.key());
        } else if (s3UploadId != null) {
            bucket.openMultiparts.add(s3UploadId);
        }
        return u;
    }

    @Test
    void anOrphanIsRemovedItsMultipartAbortedAndItsBytesLeaveTheQuotaOnlyAfterTheTtl() {
        Upload sent = upload("alice", "sent", 500_000, null, true, T0);
        store.references.put(sent.key(), List.of(new Reference("dm:alice:bob", 4, T0, null)));
        Upload never = upload("alice", "never", 300_000, null, true, T0);
        Upload abandoned = upload("alice", "abandoned", 20_000_000, "mp-1", false, T0);
        assertThat(store.used("alice")).isEqualTo(20_800_000);

        MediaSweeper.Report early = at(T0.plus(Duration.ofHours(23))).sweepAll();
        assertThat(early).isEqualTo(new MediaSweeper.Report(3, 3, 0, 0, 0, 0));
        assertThat(bucket.objects).containsExactly(sent.key(), never.key());

        MediaSweeper.Report report = at(T0.plus(Duration.ofHours(24))).sweepAll();
        assertThat(report).isEqualTo(new MediaSweeper.Report(3, 1, 2, 0, 20_300_000, 0));
        assertThat(bucket.objects).containsExactly(sent.key());
        assertThat(bucket.openMultiparts).isEmpty();
        assertThat(bucket.calls).containsExactly("remove " + never.key(), "abort " + abandoned.key() + " mp-1",
                "remove " + abandoned.key());
        assertThat(store.swept).containsOnly(Map.entry(never.key(), Reason.ORPHAN), Map.entry(abandoned.key(), Reason.ORPHAN));
        assertThat(store.used("alice")).isEqualTo(500_000);
    }

    @Test
    void anObjectDeletedForEveryoneGoesAfterTheRetentionWhileAForwardKeepsItUntilItIsDeletedToo() {
        Upload photo = upload("alice", "photo", 500_000, null, true, T0);
        Instant deleted = T0.plus(Duration.ofDays(1));
        List<Reference> refs = new ArrayList<>(List.of(new Reference("dm:alice:bob", 3, T0, deleted),
                new Reference("dm:bob:carol", 7, T0.plusSeconds(30), null)));
        store.references.put(photo.key(), refs);

        assertThat(at(deleted.plus(Duration.ofDays(90))).sweepAll().swept()).isZero();
        assertThat(bucket.objects).containsExactly(photo.key());

        // Bob deletes his forward for everyone on day 10: the object stays 30 days past that, then goes.
        Instant forwardDeleted = T0.plus(Duration.ofDays(10));
        refs.set(1, new Reference("dm:bob:carol", 7, T0.plusSeconds(30), forwardDeleted));
        assertThat(at(forwardDeleted.plus(Duration.ofDays(29))).sweepAll().swept()).isZero();
        MediaSweeper.Report report = at(forwardDeleted.plus(Duration.ofDays(30))).sweepAll();
        assertThat(report.sweptReleased()).isEqualTo(1);
        assertThat(report.freedBytes()).isEqualTo(500_000);
        assertThat(bucket.objects).isEmpty();
        assertThat(bucket.calls).containsExactly("remove " + photo.key());
        assertThat(store.swept).containsExactly(Map.entry(photo.key(), Reason.RELEASED));
        assertThat(store.uploads).isEmpty();
    }

    @Test
    void sweepingAgainChangesNothingAndAFailedRemovalKeepsTheLedgerRowForTheNextSweep() {
        Upload never = upload("bob", "never", 1_000, null, true, T0);
        Instant later = T0.plus(Duration.ofDays(2));
        bucket.down = true;
        MediaSweeper.Report failed = at(later).sweepAll();
        assertThat(failed.failed()).isEqualTo(1);
        assertThat(failed.swept()).isZero();
        // Nothing recorded, the quota still counts it: the object is still there.
        assertThat(store.uploads).hasSize(1);
        assertThat(store.swept).isEmpty();

        bucket.down = false;
        assertThat(at(later).sweepAll().sweptOrphans()).isEqualTo(1);
        assertThat(bucket.objects).doesNotContain(never.key());
        MediaSweeper.Report again = at(later.plusSeconds(60)).sweepAll();
        assertThat(again).isEqualTo(new MediaSweeper.Report(0, 0, 0, 0, 0, 0));
        assertThat(bucket.calls).containsExactly("remove " + never.key());
    }

    @Test
    void aSweepOfSomeUsersLeavesTheOthersUploadsAlone() {
        upload("alice", "a", 10, null, true, T0);
        Upload bobs = upload("bob", "b", 20, null, true, T0);
        MediaSweeper.Report report = at(T0.plus(Duration.ofDays(2))).sweepUsers(List.of("alice"));
        assertThat(report.sweptOrphans()).isEqualTo(1);
        assertThat(bucket.objects).containsExactly(bobs.key());
        assertThat(store.used("bob")).isEqualTo(20);
    }
}
