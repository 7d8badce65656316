package org.parley.edge.media.transfer;

import org.parley.config.Settings;

/**
 * How an upload of a declared size goes to S3: one presigned PUT up to {@code partBytes}, else S3 multipart in parts
 * of {@code partBytes} (the last one shorter), each part a presigned PUT of its own so that a broken connection costs
 * at most one part. Pure arithmetic and bounds; the S3 calls are {@link ObjectTransfers}.
 *
 * @param bytes     the declared size of the object
 * @param partBytes the size of every part but the last (multipart only)
 * @param parts     1 for a single PUT, else the number of parts
 */
public record UploadPlan(long bytes, long partBytes, int parts) {
    /** S3's floor for every part but the last, and its ceiling on the number of parts. */
    static final long MIN_PART_BYTES = 5L * 1024 * 1024;
    static final int MAX_PARTS = 10_000;

    /** What a kind of upload may be: media (images, video, audio) or a document. */
    public enum Kind {
        MEDIA, DOCUMENT;

        public static Kind parse(String s) {
            if (s == null || s.equals("media")) {
                return MEDIA;
            } else if (s.equals("document")) {
                return DOCUMENT;
            }
            throw new IllegalArgumentException("kind must be media or document");
        }

        public String wire() {
            return this == MEDIA ? "media" : "document";
        }
    }

    /** The limits from settings (media.max-upload-bytes, media.max-document-bytes, media.part-bytes, ...). */
    public record Limits(long maxMediaBytes, long maxDocumentBytes, long partBytes, long quotaBytes, int presignSeconds) {
        public Limits {
            if (partBytes < MIN_PART_BYTES) {
                throw new IllegalArgumentException("media.part-bytes must be at least 5 MiB (S3 multipart), not " + partBytes);
            }
            if ((maxDocumentBytes + partBytes - 1) / partBytes > MAX_PARTS || (maxMediaBytes + partBytes - 1) / partBytes > MAX_PARTS) {
                throw new IllegalArgumentException("media.part-bytes too small for the largest upload: over 10,000 parts");
            }
            if (presignSeconds < 1 || presignSeconds > 7 * 24 * 3600) {
                throw new IllegalArgumentException("media.presign-seconds must be 1..604800 (S3's limit), not " + presignSeconds);
            }
        }

        public static Limits from(Settings s) {
            return new Limits(s.getLong("media.max-upload-bytes"), s.getLong("media.max-document-bytes"),
                    s.getLong("media.part-bytes"), s.getLong("media.quota-bytes"), s.getInt("media.presign-seconds"));
        }

        long max(Kind kind) {
            return kind == Kind.MEDIA ? maxMediaBytes : maxDocumentBytes;
        }
    }

    /** Why a plan cannot be made: too large for its kind ({@code tooLarge}) or not a size at all. */
    public static final class Refused extends Exception {
        private final boolean tooLarge;

        Refused(String message, boolean tooLarge) {
            super(message);
            this.tooLarge = tooLarge;
        }

        public boolean tooLarge() {
            return tooLarge;
        }
    }

    public static UploadPlan of(long bytes, Kind kind, Limits limits) throws Refused {
        if (bytes < 1) {
            throw new Refused("bytes must be a positive size", false);
        }
        if (bytes > limits.max(kind)) {
            throw new Refused("a " + kind.wire() + " upload may be at most " + limits.max(kind) + " bytes", true);
        }
        if (bytes <= limits.partBytes()) {
            return new UploadPlan(bytes, bytes, 1);
        }
        return new UploadPlan(bytes, limits.partBytes(), (int) ((bytes + limits.partBytes() - 1) / limits.partBytes()));
    }

    public boolean multipart() {
        return parts > 1;
    }

    /** The size part {@code n} (1-based) must have. */
    public long partSize(int n) {
        if (n < 1 || n > parts) {
            throw new IllegalArgumentException("part " + n + " of " + parts);
        }
        return n < parts ? partBytes : bytes - partBytes * (parts - 1L);
    }

    /** Whether {@code used} bytes held plus this upload stay within the quota. */
    public boolean fits(long used, Limits limits) {
        return used + bytes <= limits.quotaBytes();
    }
}
