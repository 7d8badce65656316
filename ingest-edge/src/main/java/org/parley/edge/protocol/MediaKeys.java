package org.parley.edge.protocol;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Media object keys: {@code media/<uploader's user id>/<random UUID>}. The edge names every upload itself, so the
 * key says who uploaded the object; it is unguessable, but knowing it grants nothing (docs/security.md).
 */
public final class MediaKeys {
    private static final Pattern KEY = Pattern.compile(
            "media/([A-Za-z0-9_.-]{1,64})/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

    private MediaKeys() {
    }

    /** A fresh key for an object {@code userId} uploads. */
    public static String newKey(String userId) {
        return "media/" + userId + "/" + UUID.randomUUID();
    }

    /** The uploader of a well-formed key; empty for anything else. */
    public static Optional<String> owner(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = KEY.matcher(key);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
