package org.parley.projections.media;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** The CQL state the media sweeper reads and writes ({@link CqlMediaLifecycleStore}; in memory in unit tests). */
public interface MediaLifecycleStore {
    /** Every upload of the ledger, page by page. */
    void forEachUpload(Consumer<MediaSweepRules.Upload> each);

    /** The uploads of one user. */
    List<MediaSweepRules.Upload> uploadsOf(String userId);

    /** The object's references, standing and released ({@code media_reference_times}). */
    List<MediaSweepRules.Reference> references(String mediaKey);

    /** Records the object as swept ({@code media_swept}): a download then answers 410 MEDIA_GONE. Idempotent. */
    void recordSwept(MediaSweepRules.Upload upload, MediaSweepRules.Reason reason, Instant at);

    /** Deletes the upload's ledger row, which frees its bytes of the uploader's quota. Idempotent. */
    void forget(MediaSweepRules.Upload upload);
}
