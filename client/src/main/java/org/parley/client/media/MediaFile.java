package org.parley.client.media;

/**
 * A file ready to be encrypted and sent: its bytes (already compressed, if the SDK's {@link MediaProcessor} processed
 * it) and what a receiver shows before fetching it.
 *
 * @param bytes      the content
 * @param mimeType   its media type
 * @param width      pixels (images, video), or null
 * @param height     pixels, or null
 * @param durationMs audio and video, or null
 * @param thumbnail  a small JPEG (images, video posters), or null
 * @param fileName   a document's name, or null
 */
public record MediaFile(byte[] bytes, String mimeType, Integer width, Integer height, Long durationMs,
                        byte[] thumbnail, String fileName) {
    /** A file with nothing but its bytes and type. */
    public static MediaFile of(byte[] bytes, String mimeType) {
        return new MediaFile(bytes, mimeType, null, null, null, null, null);
    }

    public MediaKind kind() {
        return MediaKind.of(mimeType);
    }
}
