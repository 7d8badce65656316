package org.parley.client.media;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.parley.client.ParleyClient;

/**
 * The user's media auto-download setting ({@code mediaAutoDownload} in the user's settings, docs/media.md): per network
 * kind, the media kinds fetched as soon as a message arrives. Everything else shows its thumbnail and waits for the user
 * to ask. Read with {@link #fetch} ({@code GET /v1/settings}), changed with {@link #save} ({@code PUT /v1/settings}),
 * so every device of the user applies the same choice.
 */
public final class AutoDownload {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Map<NetworkKind, Set<MediaKind>> allowed;

    private AutoDownload(Map<NetworkKind, Set<MediaKind>> allowed) {
        this.allowed = allowed;
    }

    /** The defaults (also the server's): everything on Wi-Fi, images and audio on cellular, nothing when roaming. */
    public static AutoDownload defaults() {
        Map<NetworkKind, Set<MediaKind>> m = new EnumMap<>(NetworkKind.class);
        m.put(NetworkKind.WIFI, EnumSet.allOf(MediaKind.class));
        m.put(NetworkKind.CELLULAR, EnumSet.of(MediaKind.IMAGE, MediaKind.AUDIO));
        m.put(NetworkKind.ROAMING, EnumSet.noneOf(MediaKind.class));
        return new AutoDownload(m);
    }

    /** A copy where {@code network} fetches exactly {@code kinds}. */
    public AutoDownload with(NetworkKind network, Set<MediaKind> kinds) {
        Map<NetworkKind, Set<MediaKind>> m = new EnumMap<>(allowed);
        m.put(network, kinds.isEmpty() ? EnumSet.noneOf(MediaKind.class) : EnumSet.copyOf(kinds));
        return new AutoDownload(m);
    }

    /** Whether an attachment of {@code kind} is fetched without asking on {@code network}. */
    public boolean allows(MediaKind kind, NetworkKind network) {
        return allowed.getOrDefault(network, Set.of()).contains(kind);
    }

    /** From the settings object ({@code mediaAutoDownload}); a network kind missing keeps its default. */
    public static AutoDownload fromSettings(JsonObject settings) {
        AutoDownload out = defaults();
        JsonObject o = settings.getJsonObject("mediaAutoDownload");
        if (o == null) {
            return out;
        }
        for (NetworkKind network : NetworkKind.values()) {
            JsonArray kinds = o.getJsonArray(network.settingName());
            if (kinds != null) {
                Set<MediaKind> set = EnumSet.noneOf(MediaKind.class);
                for (Object k : kinds) {
                    set.add(MediaKind.valueOf(String.valueOf(k).toUpperCase(Locale.ROOT)));
                }
                out = out.with(network, set);
            }
        }
        return out;
    }

    /** The setting as the settings API takes it. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        for (NetworkKind network : NetworkKind.values()) {
            JsonArray kinds = new JsonArray();
            allowed.getOrDefault(network, Set.of()).forEach(k -> kinds.add(k.name().toLowerCase(Locale.ROOT)));
            o.put(network.settingName(), kinds);
        }
        return o;
    }

    /** The user's current setting ({@code GET /v1/settings}). */
    public static AutoDownload fetch(String httpBase, ParleyClient.Device device) throws IOException, InterruptedException {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/settings"))
                .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + device.token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("GET /v1/settings failed: HTTP " + res.statusCode() + " " + res.body());
        }
        return fromSettings(new JsonObject(res.body()));
    }

    /** Stores this setting as the user's ({@code PUT /v1/settings}); returns what the server stored. */
    public AutoDownload save(String httpBase, ParleyClient.Device device) throws IOException, InterruptedException {
        return fromSettings(ParleyClient.settings(httpBase, device, new JsonObject().put("mediaAutoDownload", toJson())));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AutoDownload a && a.allowed.equals(allowed);
    }

    @Override
    public int hashCode() {
        return allowed.hashCode();
    }

    @Override
    public String toString() {
        return "AutoDownload" + toJson().encode();
    }
}
