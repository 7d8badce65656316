package org.parley.client.media;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;

/**
 * End-to-end encrypted attachments (docs/media.md): a file is encrypted on the device under a fresh key in
 * authenticated chunks ({@link AttachmentCipher}), the ciphertext goes to S3 through the edge's presigned URLs, and
 * the {@link AttachmentDescriptor} (object, key, digest, size, type, dimensions, thumbnail) travels inside the end-to-end
 * encrypted message. The server sees the object id and the media type only.
 *
 * <p>Receiving: {@link #download} fetches the whole object and checks its length and digest before decrypting
 * anything; {@link #stream} hands out each chunk as soon as it arrived and verified (progressive display);
 * {@link #readChunks} fetches a range of chunks by HTTP Range (seeking in a video). A changed, moved, missing or foreign
 * chunk is an {@link AttachmentException}, and nothing of it is returned.
 */
public final class Attachments {
    /** A receiver of verified chunks, in order. */
    @FunctionalInterface
    public interface ChunkSink {
        void accept(long index, byte[] plaintext) throws IOException;
    }

    private final MediaHttp http;
    private final int chunkBytes;

    public Attachments(String httpBase, ParleyClient.Device device) {
        this(new MediaHttp(httpBase, device, Duration.ofMinutes(10)), AttachmentCipher.DEFAULT_CHUNK_BYTES);
    }

    public Attachments(MediaHttp http, int chunkBytes) {
        AttachmentCipher.checkChunkBytes(chunkBytes);
        this.http = http;
        this.chunkBytes = chunkBytes;
    }

    /** Encrypts {@code file} under a fresh key, uploads the ciphertext and returns the descriptor to send. */
    public AttachmentDescriptor upload(MediaFile file) throws IOException, InterruptedException {
        AttachmentCipher.Sealed sealed = AttachmentCipher.seal(file.bytes(), chunkBytes);
        String key = http.upload(sealed.ciphertext(), file.kind().uploadKind());
        return new AttachmentDescriptor(key, sealed.key(), sealed.digest(), sealed.plaintextBytes(),
                sealed.chunkBytes(), file.mimeType(), file.width(), file.height(), file.durationMs(), file.thumbnail(),
                file.fileName());
    }

    /** The server-visible fields of a send carrying {@code d}: its media type and object. */
    public static JsonObject metadata(AttachmentDescriptor d) {
        return new JsonObject().put("mediaType", d.mimeType()).put("mediaObjectId", d.objectId());
    }

    /** Sends {@code d} (and an optional caption) to {@code toUserId}, end-to-end encrypted. */
    public static JsonObject send(SecureMessenger messenger, String toUserId, String clientMessageId,
                                  AttachmentDescriptor d, String caption, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, SecureMessenger.IdentityChangedException {
        return messenger.send(toUserId, clientMessageId, d.toMessage(caption), timeout, metadata(d));
    }

    /**
     * Forwards an attachment received in {@code fromConversationId} at {@code fromSeq} to {@code toUserId}: the same
     * descriptor, re-sent (no re-upload); the edge checks that the object was shown to this user in that message.
     */
    public static JsonObject forward(SecureMessenger messenger, String toUserId, String clientMessageId,
                                     AttachmentDescriptor d, String fromConversationId, long fromSeq, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, SecureMessenger.IdentityChangedException {
        JsonObject metadata = metadata(d).put("forwardOf",
                new JsonObject().put("conversationId", fromConversationId).put("seq", fromSeq));
        return messenger.send(toUserId, clientMessageId, d.toMessage(null), timeout, metadata);
    }

    /**
     * The whole file: fetched, its length and digest checked, then every chunk decrypted and verified.
     * {@code conversationId}/{@code seq}: the message that showed it (lets the edge check one conversation).
     */
    public byte[] download(AttachmentDescriptor d, String conversationId, Long seq)
            throws IOException, InterruptedException, AttachmentException {
        return AttachmentCipher.open(d, http.get(http.downloadUrl(d.objectId(), conversationId, seq)));
    }

    /**
     * Progressive download: reads the object as it arrives and gives {@code sink} each chunk once it verified, in
     * order. The digest of the whole object is checked at the end; a failure at any point stops the download with an
     * {@link AttachmentException} (chunks already handed out were each authentic under the key, at their position).
     */
    public void stream(AttachmentDescriptor d, String conversationId, Long seq, ChunkSink sink)
            throws IOException, InterruptedException, AttachmentException {
        MessageDigest digest = sha256();
        long count = d.chunkCount();
        try (InputStream in = http.stream(http.downloadUrl(d.objectId(), conversationId, seq))) {
            for (long i = 0; i < count; i++) {
                byte[] chunk = in.readNBytes(AttachmentCipher.encryptedChunkBytes(i, d.size(), d.chunkBytes()));
                digest.update(chunk);
                sink.accept(i, AttachmentCipher.openChunk(d, i, chunk)); // a short read fails here: truncated
            }
            if (in.read() >= 0) {
                throw new AttachmentException("the object is longer than its descriptor says: refused");
            }
        }
        if (!MessageDigest.isEqual(digest.digest(), d.digest())) {
            throw new AttachmentException("the object's SHA-256 differs from the descriptor's digest: refused");
        }
    }

    /**
     * Chunks {@code first}..{@code last} (inclusive), fetched with one HTTP Range request and each verified: the
     * plaintext of those chunks, in order. Chunk {@code i} holds plaintext bytes {@code i * chunkBytes} onwards
     * ({@link AttachmentCipher#chunkOf} finds the chunk of a position).
     */
    public List<byte[]> readChunks(AttachmentDescriptor d, String conversationId, Long seq, long first, long last)
            throws IOException, InterruptedException, AttachmentException {
        if (first < 0 || last < first || last >= d.chunkCount()) {
            throw new IllegalArgumentException("chunks " + first + ".." + last + " of " + d.chunkCount());
        }
        long from = AttachmentCipher.chunkOffset(first, d.chunkBytes());
        long to = AttachmentCipher.chunkOffset(last, d.chunkBytes())
                + AttachmentCipher.encryptedChunkBytes(last, d.size(), d.chunkBytes()) - 1;
        byte[] bytes = http.range(http.downloadUrl(d.objectId(), conversationId, seq), from, to);
        if (bytes.length != to - from + 1) {
            throw new AttachmentException("the range holds " + bytes.length + " bytes, expected " + (to - from + 1)
                    + ": the object is shorter than its descriptor says");
        }
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        for (long i = first; i <= last; i++) {
            int len = AttachmentCipher.encryptedChunkBytes(i, d.size(), d.chunkBytes());
            out.add(AttachmentCipher.openChunk(d, i, Arrays.copyOfRange(bytes, at, at + len)));
            at += len;
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
