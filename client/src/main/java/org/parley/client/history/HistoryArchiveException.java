package org.parley.client.history;

/** A history archive that cannot be used: nothing of it is shown. */
public class HistoryArchiveException extends Exception {
    public HistoryArchiveException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The downloaded bytes are not the ones the primary device sealed (their SHA-256 differs): refused unread. */
    public static final class DigestMismatch extends HistoryArchiveException {
        public DigestMismatch(String message) {
            super(message, null);
        }
    }

    /** The bytes do not decrypt under the key given (wrong key, or changed after sealing). */
    public static final class Tampered extends HistoryArchiveException {
        public Tampered(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Decrypted, but not an archive this version reads (unknown version, truncated, trailing bytes, too large). */
    public static final class Malformed extends HistoryArchiveException {
        public Malformed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
