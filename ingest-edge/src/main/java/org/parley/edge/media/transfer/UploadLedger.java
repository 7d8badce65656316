package org.parley.edge.media.transfer;

import io.vertx.core.Future;
import java.util.Optional;

/** What each user started uploading: the quota counts an upload from its start, and resume and complete find it. */
public interface UploadLedger {
    /** One upload of a user. {@code s3UploadId} is null for a single PUT. */
    record Upload(String userId, String uploadId, String key, UploadPlan.Kind kind, long bytes, long partBytes,
                  String s3UploadId, String contentType, boolean completed) {
    }

    Future<Void> start(Upload upload);

    Future<Optional<Upload>> find(String userId, String uploadId);

    /** Bytes of every upload of the user, started or complete. */
    Future<Long> used(String userId);

    Future<Void> completed(String userId, String uploadId);

    /** An object the media sweeper removed ({@code media_swept}): when, and why ("orphan" or "released"). */
    record Swept(String key, java.time.Instant at, String reason) {
    }

    /** Whether the media sweeper removed the object under {@code key}. */
    default Future<Optional<Swept>> swept(String key) {
        return Future.succeededFuture(Optional.empty());
    }
}
