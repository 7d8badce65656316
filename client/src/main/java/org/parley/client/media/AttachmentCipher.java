package org.parley.client.media;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Chunked authenticated encryption of one attachment (docs/media.md, "The encrypted attachment format"):
 * <ul>
 *   <li>a fresh random 256-bit key per file (never reused: so the nonce can be the chunk's position);</li>
 *   <li>the plaintext cut into chunks of {@code chunkBytes} (the last one shorter, an empty file one empty chunk), each
 *       encrypted with AES-256-GCM on its own; the object is the chunks' ciphertexts with their 16-byte tags, one after
 *       the other, nothing else: chunk {@code i} starts at {@code i * (chunkBytes + 16)}, so a ranged read fetches any
 *       chunk by itself;</li>
 *   <li>the nonce is the chunk's index (8 bytes, big-endian), three zero bytes and a final-chunk flag (1 on the last
 *       chunk only): a chunk moved to another position, a middle chunk presented as the last (truncation) or the last
 *       presented as a middle one fails its tag;</li>
 *   <li>the associated data is the format's name, the chunk size and the plaintext's length: a chunk read with
 *       another layout fails too;</li>
 *   <li>the digest is SHA-256 over the whole object, carried with the key in the end-to-end encrypted descriptor: a
 *       receiver that has the whole object checks it before decrypting anything.</li>
 * </ul>
 * Each chunk can thus be verified and shown as it arrives (progressive download), and nothing unverified is returned.
 */
public final class AttachmentCipher {
    /** 64 KiB: a chunk of a ranged read is verified after at most this much; the tag costs 0.02 %. */
    public static final int DEFAULT_CHUNK_BYTES = 64 * 1024;
    public static final int MIN_CHUNK_BYTES = 1024;
    public static final int MAX_CHUNK_BYTES = 16 * 1024 * 1024;
    public static final int KEY_BYTES = 32;
    public static final int TAG_BYTES = 16;
    public static final int DIGEST_BYTES = 32;
    private static final byte[] FORMAT = "parley-attachment-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private AttachmentCipher() {
    }

    /** An encrypted file: the object to upload, and what the descriptor needs to open it. */
    public record Sealed(byte[] key, byte[] ciphertext, byte[] digest, long plaintextBytes, int chunkBytes) {
    }

    /** Encrypts {@code plaintext} under a fresh key. */
    public static Sealed seal(byte[] plaintext, int chunkBytes) {
        checkChunkBytes(chunkBytes);
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        long count = chunkCount(plaintext.length, chunkBytes);
        byte[] out = new byte[Math.toIntExact(encryptedBytes(plaintext.length, chunkBytes))];
        try {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            SecretKeySpec k = new SecretKeySpec(key, "AES");
            byte[] aad = aad(chunkBytes, plaintext.length);
            int outAt = 0;
            for (long i = 0; i < count; i++) {
                int from = Math.toIntExact(i * chunkBytes);
                int len = Math.min(chunkBytes, plaintext.length - from);
                aes.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BYTES * 8, nonce(i, i == count - 1)));
                aes.updateAAD(aad);
                outAt += aes.doFinal(plaintext, from, len, out, outAt);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
        return new Sealed(key, out, sha256(out), plaintext.length, chunkBytes);
    }

    /** Opens a whole object: its length and digest first, then every chunk. */
    public static byte[] open(AttachmentDescriptor d, byte[] object) throws AttachmentException {
        long expected = encryptedBytes(d.size(), d.chunkBytes());
        if (object.length != expected) {
            throw new AttachmentException("the object has " + object.length + " bytes, the descriptor says "
                    + expected + ": refused");
        }
        if (!MessageDigest.isEqual(sha256(object), d.digest())) {
            throw new AttachmentException("the object's SHA-256 differs from the descriptor's digest: refused");
        }
        byte[] plain = new byte[Math.toIntExact(d.size())];
        long count = chunkCount(d.size(), d.chunkBytes());
        for (long i = 0; i < count; i++) {
            int at = Math.toIntExact(chunkOffset(i, d.chunkBytes()));
            byte[] chunk = openChunk(d, i, Arrays.copyOfRange(object, at, at + encryptedChunkBytes(i, d.size(), d.chunkBytes())));
            System.arraycopy(chunk, 0, plain, Math.toIntExact(i * d.chunkBytes()), chunk.length);
        }
        return plain;
    }

    /** Opens chunk {@code index} (its ciphertext and tag, as read from the object) after verifying it. */
    public static byte[] openChunk(AttachmentDescriptor d, long index, byte[] chunk) throws AttachmentException {
        long count = chunkCount(d.size(), d.chunkBytes());
        if (index < 0 || index >= count) {
            throw new AttachmentException("chunk " + index + " is not one of the " + count + " chunks");
        }
        int expected = encryptedChunkBytes(index, d.size(), d.chunkBytes());
        if (chunk.length != expected) {
            throw new AttachmentException("chunk " + index + " has " + chunk.length + " bytes, expected " + expected
                    + " (truncated or padded)");
        }
        try {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(d.key(), "AES"),
                    new GCMParameterSpec(TAG_BYTES * 8, nonce(index, index == count - 1)));
            aes.updateAAD(aad(d.chunkBytes(), d.size()));
            return aes.doFinal(chunk);
        } catch (AEADBadTagException e) {
            throw new AttachmentException("chunk " + index + " fails authentication (changed, moved, or not of this"
                    + " file): refused", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** How many chunks a plaintext of {@code plaintextBytes} has (an empty file: one). */
    public static long chunkCount(long plaintextBytes, int chunkBytes) {
        return Math.max(1, (plaintextBytes + chunkBytes - 1) / chunkBytes);
    }

    /** The object's length. */
    public static long encryptedBytes(long plaintextBytes, int chunkBytes) {
        return plaintextBytes + chunkCount(plaintextBytes, chunkBytes) * TAG_BYTES;
    }

    /** Where chunk {@code index} starts in the object. */
    public static long chunkOffset(long index, int chunkBytes) {
        return index * ((long) chunkBytes + TAG_BYTES);
    }

    /** Chunk {@code index}'s length in the object (ciphertext and tag). */
    public static int encryptedChunkBytes(long index, long plaintextBytes, int chunkBytes) {
        long from = index * chunkBytes;
        return (int) (Math.min(chunkBytes, plaintextBytes - from) + TAG_BYTES);
    }

    /** The chunk that holds plaintext byte {@code position} (for seeking). */
    public static long chunkOf(long position, int chunkBytes) {
        return position / chunkBytes;
    }

    static void checkChunkBytes(int chunkBytes) {
        if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes must be " + MIN_CHUNK_BYTES + ".." + MAX_CHUNK_BYTES
                    + ", not " + chunkBytes);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] nonce(long index, boolean last) {
        return ByteBuffer.allocate(12).putLong(index).put(new byte[3]).put((byte) (last ? 1 : 0)).array();
    }

    private static byte[] aad(int chunkBytes, long plaintextBytes) {
        return ByteBuffer.allocate(FORMAT.length + 12).put(FORMAT).putInt(chunkBytes).putLong(plaintextBytes).array();
    }
}
