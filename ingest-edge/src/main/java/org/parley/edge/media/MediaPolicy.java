package org.parley.edge.media;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.parley.config.Settings;

/**
 * How media is stored and served: the content types kept as declared (any other is stored and served as
 * {@code application/octet-stream}), and how many referencing conversations a download without a conversation hint
 * searches ({@code media.*} settings).
 */
public record MediaPolicy(Set<String> safeContentTypes, int maxConversationsChecked) {
    public static final String OPAQUE = "application/octet-stream";

    public static MediaPolicy from(Settings s) {
        Set<String> types = Arrays.stream(s.get("media.safe-content-types").split(","))
                .map(t -> t.trim().toLowerCase(Locale.ROOT)).filter(t -> !t.isEmpty()).collect(Collectors.toUnmodifiableSet());
        int max = s.getInt("media.max-conversations-checked");
        if (max < 1) {
            throw new IllegalArgumentException("media.max-conversations-checked must be at least 1, not " + max);
        }
        return new MediaPolicy(types, max);
    }

    /** The built-in defaults (parley-defaults.properties). */
    public static MediaPolicy defaults() {
        return from(Settings.of(Map.of()));
    }

    /**
     * The type to store and serve for a declared one: its media type (parameters dropped, lower case) if allowed,
     * else opaque bytes. A browser never renders what the server serves (text/html, image/svg+xml stay opaque).
     */
    public String safeContentType(String declared) {
        if (declared == null) {
            return OPAQUE;
        }
        int semicolon = declared.indexOf(';');
        String type = (semicolon < 0 ? declared : declared.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return safeContentTypes.contains(type) ? type : OPAQUE;
    }
}
