package org.parley.client.media;

/** The network a device is on, as the platform reports it: the auto-download setting is chosen per kind. */
public enum NetworkKind {
    WIFI, CELLULAR, ROAMING;

    /** The setting's name for it ({@code wifi}, {@code cellular}, {@code roaming}). */
    public String settingName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
