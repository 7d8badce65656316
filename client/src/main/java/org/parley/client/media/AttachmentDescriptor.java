package org.parley.client.media;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * What a receiver needs to fetch, verify and show an attachment; it travels only inside the end-to-end encrypted
 * message (docs/media.md). The server sees the object id (as the send's {@code mediaObjectId}) and the media type, never
 * the key, the digest, the dimensions or the thumbnail.
 *
 * @param objectId   the S3 object ({@code media/<uploader>/<uuid>}) holding the encrypted chunks
 * @param key        the file's AES-256 key (32 bytes)
 * @param digest     SHA-256 of the whole object (32 bytes)
 * @param size       the plaintext's length in bytes
 * @param chunkBytes the plaintext chunk size the object was encrypted with
 * @param mimeType   the plaintext's media type (e.g. image/jpeg)
 * @param width      pixels, for images and video (null if unknown or not visual)
 * @param height     pixels (null likewise)
 * @param durationMs for audio and video (null if unknown)
 * @param thumbnail  a small JPEG to show before the file is fetched (null: none)
 * @param fileName   a document's name (null: none)
 */
public record AttachmentDescriptor(String objectId, byte[] key, byte[] digest, long size, int chunkBytes,
                                   String mimeType, Integer width, Integer height, Long durationMs, byte[] thumbnail,
                                   String fileName) {
    /** A thumbnail larger than this is refused: it rides in every copy of the message. */
    public static final int MAX_THUMBNAIL_BYTES = 32 * 1024;
    private static final Pattern OBJECT_ID = Pattern.compile(
            "media/[A-Za-z0-9_.-]{1,64}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern MIME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

    public AttachmentDescriptor {
        if (objectId != null && !OBJECT_ID.matcher(objectId).matches()) {
            throw new IllegalArgumentException("objectId is not an uploaded object's key: " + objectId);
        }
        if (key == null || key.length != AttachmentCipher.KEY_BYTES) {
            throw new IllegalArgumentException("key must be " + AttachmentCipher.KEY_BYTES + " bytes");
        }
        if (digest == null || digest.length != AttachmentCipher.DIGEST_BYTES) {
            throw new IllegalArgumentException("digest must be " + AttachmentCipher.DIGEST_BYTES + " bytes");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
        AttachmentCipher.checkChunkBytes(chunkBytes);
        if (mimeType == null || !MIME.matcher(mimeType).matches()) {
            throw new IllegalArgumentException("mimeType must be type/subtype, not " + mimeType);
        }
        if ((width != null && width <= 0) || (height != null && height <= 0) || (durationMs != null && durationMs < 0)) {
            throw new IllegalArgumentException("dimensions must be positive and a duration not negative");
        }
        if (thumbnail != null && thumbnail.length > MAX_THUMBNAIL_BYTES) {
            throw new IllegalArgumentException("thumbnail of " + thumbnail.length + " bytes is over "
                    + MAX_THUMBNAIL_BYTES);
        }
        if (fileName != null && (fileName.isEmpty() || fileName.length() > 255 || fileName.indexOf('/') >= 0
                || fileName.indexOf('\\') >= 0 || fileName.chars().anyMatch(c -> c < 0x20))) {
            throw new IllegalArgumentException("fileName must be 1..255 characters without path separators or controls");
        }
    }

    /** The same attachment stored in {@code objectId} (after the upload). */
    public AttachmentDescriptor withObjectId(String objectId) {
        return new AttachmentDescriptor(objectId, key, digest, size, chunkBytes, mimeType, width, height, durationMs,
                thumbnail, fileName);
    }

    /** The encrypted object's length. */
    public long encryptedBytes() {
        return AttachmentCipher.encryptedBytes(size, chunkBytes);
    }

    /** How many chunks the object has. */
    public long chunkCount() {
        return AttachmentCipher.chunkCount(size, chunkBytes);
    }

    /** The top-level type: image, video, audio, or document for anything else. */
    public MediaKind kind() {
        return MediaKind.of(mimeType);
    }

    public JsonObject toJson() {
        Base64.Encoder b64 = Base64.getEncoder();
        JsonObject o = new JsonObject().put("v", 1).put("objectId", objectId).put("key", b64.encodeToString(key))
                .put("digest", b64.encodeToString(digest)).put("size", size).put("chunkBytes", chunkBytes)
                .put("mimeType", mimeType);
        if (width != null) {
            o.put("width", width);
        }
        if (height != null) {
            o.put("height", height);
        }
        if (durationMs != null) {
            o.put("durationMs", durationMs);
        }
        if (thumbnail != null) {
            o.put("thumbnail", b64.encodeToString(thumbnail));
        }
        if (fileName != null) {
            o.put("fileName", fileName);
        }
        return o;
    }

    /** Parses a descriptor received inside a message; anything malformed is an {@link AttachmentException}. */
    public static AttachmentDescriptor fromJson(JsonObject o) throws AttachmentException {
        try {
            if (o.getInteger("v", 0) != 1) {
                throw new AttachmentException("unknown attachment descriptor version " + o.getValue("v"));
            }
            Base64.Decoder b64 = Base64.getDecoder();
            String objectId = o.getString("objectId");
            if (objectId == null) {
                throw new AttachmentException("the descriptor names no object");
            }
            String thumb = o.getString("thumbnail");
            return new AttachmentDescriptor(objectId, b64.decode(o.getString("key", "")),
                    b64.decode(o.getString("digest", "")), o.getLong("size", -1L), o.getInteger("chunkBytes", 0),
                    o.getString("mimeType"), o.getInteger("width"), o.getInteger("height"), o.getLong("durationMs"),
                    thumb == null ? null : b64.decode(thumb), o.getString("fileName"));
        } catch (ClassCastException | IllegalArgumentException e) {
            throw new AttachmentException("malformed attachment descriptor: " + e.getMessage(), e);
        }
    }

    /** The descriptor as a message's plaintext: {@code {"attachment": {...}, "caption"?: "..."}} (UTF-8 JSON). */
    public byte[] toMessage(String caption) {
        JsonObject m = new JsonObject().put("attachment", toJson());
        if (caption != null) {
            m.put("caption", caption);
        }
        return m.encode().getBytes(StandardCharsets.UTF_8);
    }

    /** A received message's plaintext with an attachment: the descriptor (and the caption, if any). */
    public record Message(AttachmentDescriptor attachment, String caption) {
    }

    /** Parses a message made by {@link #toMessage}; null when the plaintext carries no attachment. */
    public static Message fromMessage(byte[] plaintext) throws AttachmentException {
        JsonObject m;
        try {
            m = new JsonObject(new String(plaintext, StandardCharsets.UTF_8));
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
        Object a = m.getValue("attachment");
        if (a == null) {
            return null;
        }
        if (!(a instanceof JsonObject attachment)) {
            throw new AttachmentException("'attachment' is not an object");
        }
        Object caption = m.getValue("caption");
        return new Message(fromJson(attachment), caption instanceof String s ? s : null);
    }
}
