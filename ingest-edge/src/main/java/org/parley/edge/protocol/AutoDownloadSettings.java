package org.parley.edge.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The media auto-download setting ({@code mediaAutoDownload}, docs/media.md): per network kind ({@code wifi},
 * {@code cellular}, {@code roaming}), the media kinds ({@code image}, {@code video}, {@code audio}, {@code document})
 * a device of the user fetches without being asked. Stored with the user's settings so that every device (and a new
 * one) applies the same choice; the SDK applies it, the server never acts on it. A network kind never set has the
 * defaults: everything on Wi-Fi, images and voice notes on cellular, nothing when roaming.
 */
public final class AutoDownloadSettings {
    public static final List<String> NETWORKS = List.of("wifi", "cellular", "roaming");
    public static final List<String> KINDS = List.of("image", "video", "audio", "document");
    public static final Map<String, List<String>> DEFAULTS = Map.of(
            "wifi", KINDS, "cellular", List.of("image", "audio"), "roaming", List.of());

    private AutoDownloadSettings() {
    }

    /**
     * {@code change} ({@code {"wifi": ["image", ...], ...}}) merged over {@code current} (null: the defaults): the
     * network kinds given replace theirs, the others keep theirs. Anything else is refused with the field named.
     */
    public static Map<String, List<String>> merge(Map<String, List<String>> current, Object change) {
        if (!(change instanceof JsonObject o)) {
            throw new IllegalArgumentException("'mediaAutoDownload' must be an object: network kind (wifi, cellular,"
                    + " roaming) -> array of media kinds (image, video, audio, document)");
        }
        Map<String, List<String>> next = new HashMap<>(current == null ? Map.of() : current);
        for (String network : o.fieldNames()) {
            if (!NETWORKS.contains(network)) {
                throw new IllegalArgumentException("'mediaAutoDownload." + network + "': network kinds are " + NETWORKS);
            }
            if (!(o.getValue(network) instanceof JsonArray a)) {
                throw new IllegalArgumentException("'mediaAutoDownload." + network + "' must be an array of " + KINDS);
            }
            Set<String> kinds = new LinkedHashSet<>();
            for (int i = 0; i < a.size(); i++) {
                if (!(a.getValue(i) instanceof String k) || !KINDS.contains(k)) {
                    throw new IllegalArgumentException("'mediaAutoDownload." + network + "' item " + i
                            + " is not one of " + KINDS);
                }
                kinds.add(k);
            }
            next.put(network, new ArrayList<>(kinds));
        }
        return next;
    }

    /** Every network kind with its media kinds, the defaults filled in. */
    public static JsonObject json(Map<String, List<String>> stored) {
        JsonObject o = new JsonObject();
        for (String network : NETWORKS) {
            List<String> kinds = stored == null ? null : stored.get(network);
            o.put(network, new JsonArray(new ArrayList<>(kinds == null ? DEFAULTS.get(network) : kinds)));
        }
        return o;
    }
}
