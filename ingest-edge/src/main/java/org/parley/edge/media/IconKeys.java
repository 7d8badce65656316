package org.parley.edge.media;

import io.vertx.core.Future;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.MediaKeys;
import org.parley.edge.protocol.ProtocolException;
import org.parley.events.GroupInfoChange;

/**
 * A group's {@code iconKey} must name an object its sender uploaded: a key of its own ({@code media/<its user
 * id>/<uuid>}) that exists in the media bucket. Checked by the edge before the action is appended, so the log never
 * makes another user's object, or nothing, a group's icon.
 */
public final class IconKeys {
    private final MediaStore media;

    public IconKeys(MediaStore media) {
        this.media = media;
    }

    /** The media bucket the keys are checked against. */
    public MediaStore media() {
        return media;
    }

    /** Succeeds at once when the change names no icon. */
    public Future<Void> check(String userId, GroupInfoChange info, String ref) {
        String key = info == null ? null : info.getIconKey();
        if (key == null) {
            return Future.succeededFuture();
        }
        if (!MediaKeys.owner(key).map(userId::equals).orElse(false)) {
            return Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "'iconKey' must be a key you"
                    + " uploaded with POST /v1/media (media/" + userId + "/<uuid>)", ref));
        }
        return media.exists(key).compose(exists -> exists ? Future.succeededFuture()
                : Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "'iconKey' " + key
                        + " names no uploaded object: upload the icon with POST /v1/media first", ref)));
    }
}
