package org.parley.projections.media;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the media sweeper does with one upload (docs/media.md, "Lifecycle"), from the upload's ledger row and the
 * object's references ({@code media_reference_times}, from the log):
 * <ul>
 *   <li>a reference that stands (a message or a forward not deleted for everyone) keeps the object;</li>
 *   <li>once every reference was released (deleted for everyone), the object is kept for {@code retention} after the
 *       latest release, then swept;</li>
 *   <li>an upload no message ever referenced is an orphan: swept {@code orphanTtl} after it started (an upload
 *       never completed is aborted then too).</li>
 * </ul>
 * Pure: the time is an argument, so the decisions are tested with any clock.
 */
public record MediaSweepRules(Duration retention, Duration orphanTtl) {
    public MediaSweepRules {
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(orphanTtl, "orphanTtl");
        if (retention.isNegative() || orphanTtl.isNegative()) {
            throw new IllegalArgumentException("retention and orphan TTL must not be negative");
        }
    }

    /** Why an object goes. */
    public enum Reason {
        /** No message referenced the upload within the orphan TTL. */
        ORPHAN,
        /** Every reference was deleted for everyone longer than the retention ago. */
        RELEASED
    }

    /** One reference as {@code media_reference_times} holds it; {@code releasedAt} null while it stands. */
    public record Reference(String conversationId, long seq, Instant referencedAt, Instant releasedAt) {
        public boolean stands() {
            return releasedAt == null;
        }
    }

    /** An upload as the ledger ({@code media_uploads}) holds it; {@code s3UploadId} null for a single PUT. */
    public record Upload(String userId, String uploadId, String key, long bytes, String s3UploadId, boolean completed,
                         Instant createdAt) {
        /** Whether S3 may hold parts of it that are not an object yet (a multipart upload never completed). */
        public boolean multipartOpen() {
            return s3UploadId != null && !completed;
        }
    }

    /** The decision for one upload. */
    public sealed interface Decision permits Keep, Sweep {
    }

    /** Keep the object; {@code notBefore}: the earliest time it may go (null while a reference stands). */
    public record Keep(String why, Instant notBefore) implements Decision {
    }

    /** Remove the object (and abort its multipart upload if open), free the quota. */
    public record Sweep(Reason reason) implements Decision {
    }

    public Decision decide(Upload upload, List<Reference> references, Instant now) {
        if (references.stream().anyMatch(Reference::stands)) {
            return new Keep("referenced", null);
        }
        if (!references.isEmpty()) {
            Instant lastRelease = references.stream().map(Reference::releasedAt).max(Instant::compareTo).orElseThrow();
            Instant due = lastRelease.plus(retention);
            return now.isBefore(due) ? new Keep("within the retention after the last reference", due)
                    : new Sweep(Reason.RELEASED);
        }
        if (upload.createdAt() == null) {
            // No start time: its age is unknown, so it is never taken for an orphan.
            return new Keep("no start time", null);
        }
        Instant due = upload.createdAt().plus(orphanTtl);
        return now.isBefore(due) ? new Keep("not referenced yet, within the orphan TTL", due) : new Sweep(Reason.ORPHAN);
    }
}
