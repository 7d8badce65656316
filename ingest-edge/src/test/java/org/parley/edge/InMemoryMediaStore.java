package org.parley.edge;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.media.MediaStore;

/** Unit-test media bucket: objects by key, with the content type they were stored with. */
final class InMemoryMediaStore implements MediaStore {
    final Map<String, Media> objects = new ConcurrentHashMap<>();

    @Override
    public Future<Void> put(String key, Buffer bytes, String contentType) {
        objects.put(key, new Media(bytes, contentType));
        return Future.succeededFuture();
    }

    @Override
    public Future<Optional<Media>> get(String key) {
        return Future.succeededFuture(Optional.ofNullable(objects.get(key)));
    }
}
