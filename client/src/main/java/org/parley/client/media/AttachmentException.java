package org.parley.client.media;

/**
 * An attachment that must not be shown: its object does not match its descriptor (another length or digest), a chunk
 * fails authentication (changed, moved, taken from another file or another position), the file ends early, or the
 * descriptor itself is malformed. Nothing of a refused chunk is returned.
 */
public final class AttachmentException extends Exception {
    public AttachmentException(String message) {
        super(message);
    }

    public AttachmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
