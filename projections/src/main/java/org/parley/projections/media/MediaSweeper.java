package org.parley.projections.media;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes media objects nothing references any more (docs/media.md, "Lifecycle"): for each upload of the ledger it
 * reads the object's references and applies {@link MediaSweepRules}; an object to sweep has its open multipart upload
 * aborted, is removed from the bucket, recorded in {@code media_swept} (downloads then answer 410 MEDIA_GONE) and its
 * ledger row deleted (its bytes leave the uploader's quota), in that order: a sweep cut short anywhere is finished by
 * the next one, and sweeping twice changes nothing. It writes no table the log rebuilds, so a replay is unaffected.
 */
public final class MediaSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(MediaSweeper.class);

    /** What one sweep saw and did. */
    public record Report(int scanned, int kept, int sweptOrphans, int sweptReleased, long freedBytes, int failed) {
        public int swept() {
            return sweptOrphans + sweptReleased;
        }
    }

    private final MediaLifecycleStore store;
    private final SweptObjects objects;
    private final MediaSweepRules rules;
    private final Clock clock;

    public MediaSweeper(MediaLifecycleStore store, SweptObjects objects, MediaSweepRules rules, Clock clock) {
        this.store = store;
        this.objects = objects;
        this.rules = rules;
        this.clock = clock;
    }

    /** One pass over every upload of the ledger. */
    public Report sweepAll() {
        Tally t = new Tally(clock.instant());
        store.forEachUpload(u -> consider(u, t));
        return t.report();
    }

    /** One pass over the uploads of the given users only. */
    public Report sweepUsers(Collection<String> userIds) {
        Tally t = new Tally(clock.instant());
        for (String user : userIds) {
            List<MediaSweepRules.Upload> uploads = store.uploadsOf(user);
            uploads.forEach(u -> consider(u, t));
        }
        return t.report();
    }

    private void consider(MediaSweepRules.Upload u, Tally t) {
        t.scanned++;
        MediaSweepRules.Decision d;
        try {
            d = rules.decide(u, store.references(u.key()), t.now);
        } catch (RuntimeException e) {
            t.failed++;
            LOG.warn("media sweep: references of {} not read; kept until the next sweep", u.key(), e);
            return;
        }
        if (!(d instanceof MediaSweepRules.Sweep sweep)) {
            t.kept++;
            return;
        }
        try {
            if (u.multipartOpen()) {
                objects.abortMultipart(u.key(), u.s3UploadId());
            }
            objects.remove(u.key());
            store.recordSwept(u, sweep.reason(), t.now);
            store.forget(u);
        } catch (Exception e) {
            t.failed++;
            LOG.warn("media sweep: {} not swept ({}); the next sweep tries again", u.key(), sweep.reason(), e);
            return;
        }
        if (sweep.reason() == MediaSweepRules.Reason.ORPHAN) {
            t.orphans++;
        } else {
            t.released++;
        }
        t.freed += u.bytes();
    }

    private static final class Tally {
        final Instant now;
        int scanned;
        int kept;
        int orphans;
        int released;
        long freed;
        int failed;

        Tally(Instant now) {
            this.now = now;
        }

        Report report() {
            return new Report(scanned, kept, orphans, released, freed, failed);
        }
    }
}
