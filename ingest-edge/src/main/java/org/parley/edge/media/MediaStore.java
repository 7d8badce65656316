package org.parley.edge.media;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.Optional;

/** Where media objects (group icons, attachments) live: the S3 media bucket. Content is opaque to the server. */
public interface MediaStore {
    /** A stored object. */
    record Media(Buffer bytes, String contentType) {
    }

    Future<Void> put(String key, Buffer bytes, String contentType);

    Future<Optional<Media>> get(String key);

    /** Whether an object exists under the key (stores override this to avoid reading it). */
    default Future<Boolean> exists(String key) {
        return get(key).map(Optional::isPresent);
    }

    /** For an edge started without an S3 endpoint: every call fails, so the client gets UNAVAILABLE. */
    static MediaStore unavailable() {
        return new MediaStore() {
            @Override
            public Future<Void> put(String key, Buffer bytes, String contentType) {
                return Future.failedFuture("no media store configured");
            }

            @Override
            public Future<Optional<Media>> get(String key) {
                return Future.failedFuture("no media store configured");
            }
        };
    }
}
