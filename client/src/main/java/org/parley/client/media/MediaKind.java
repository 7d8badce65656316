package org.parley.client.media;

import java.util.Locale;

/** The four kinds of attachment the SDK treats differently (processing, auto-download). */
public enum MediaKind {
    IMAGE, VIDEO, AUDIO, DOCUMENT;

    /** From a media type: image/*, video/*, audio/*, anything else a document. */
    public static MediaKind of(String mimeType) {
        String type = mimeType == null ? "" : mimeType.toLowerCase(Locale.ROOT);
        if (type.startsWith("image/")) {
            return IMAGE;
        }
        if (type.startsWith("video/")) {
            return VIDEO;
        }
        if (type.startsWith("audio/")) {
            return AUDIO;
        }
        return DOCUMENT;
    }

    /** The upload kind the edge bounds the size by ({@code media} ≤ 100 MiB, {@code document} ≤ 2 GiB). */
    public String uploadKind() {
        return this == DOCUMENT ? "document" : "media";
    }
}
