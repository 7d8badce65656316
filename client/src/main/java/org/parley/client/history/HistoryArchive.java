package org.parley.client.history;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The history archive a primary device gives a newly linked one (docs/e2e.md, "History for a newly linked device"):
 * the messages it decrypted, in a compact versioned format, sealed under a fresh key.
 *
 * <p>Plain format, version 1: {@code "PRLYHA"}, the version byte {@code 0x01}, then the DEFLATE stream of: the entry
 * count (int), and per entry the conversation id, sender user id and sender device id (modified UTF-8, 2-byte length),
 * seq and sentAt (longs), a flags byte (bit 0: edited) and the content (int length, bytes). Big-endian throughout.
 *
 * <p>Sealed: the version byte {@code 0x01}, a random 12-byte nonce, then the AES-256-GCM ciphertext and 16-byte tag of
 * the plain archive, with the version byte as associated data; the key is 32 random bytes drawn for this archive only.
 * The digest is the SHA-256 of the sealed bytes: the receiver checks it before decrypting, so bytes changed in storage
 * or in transit are refused before any of them is parsed.
 */
public final class HistoryArchive {
    public static final int VERSION = 1;
    /** Decoded archives larger than this are refused (a compression bomb, or not an archive). */
    public static final long MAX_PLAIN_BYTES = 256L << 20;
    private static final byte[] MAGIC = "PRLYHA".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An archive sealed for upload: the bytes to store, and what the new device needs to check and open them. */
    public record Sealed(byte[] ciphertext, byte[] key, byte[] digest, int entries) {
    }

    private HistoryArchive() {
    }

    /** The plain archive of {@code entries}, in their order. */
    public static byte[] encode(List<HistoryEntry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(MAGIC);
        bytes.write(VERSION);
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes, deflater))) {
            out.writeInt(entries.size());
            for (HistoryEntry e : entries) {
                out.writeUTF(e.conversationId());
                out.writeLong(e.seq());
                out.writeUTF(e.senderUserId());
                out.writeUTF(e.senderDeviceId());
                out.writeLong(e.sentAt());
                out.writeByte(e.edited() ? 1 : 0);
                out.writeInt(e.content().length);
                out.write(e.content());
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        } finally {
            deflater.end();
        }
        return bytes.toByteArray();
    }

    /** The entries of a plain archive; strict: any byte out of place is {@link HistoryArchiveException.Malformed}. */
    public static List<HistoryEntry> decode(byte[] archive) throws HistoryArchiveException.Malformed {
        if (archive.length < MAGIC.length + 1 || !Arrays.equals(archive, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new HistoryArchiveException.Malformed("not a history archive", null);
        }
        int version = archive[MAGIC.length] & 0xff;
        if (version != VERSION) {
            throw new HistoryArchiveException.Malformed("history archive version " + version + " (this SDK reads "
                    + VERSION + ")", null);
        }
        byte[] body = inflate(archive, MAGIC.length + 1);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            int count = in.readInt();
            if (count < 0) {
                throw new HistoryArchiveException.Malformed("negative entry count " + count, null);
            }
            List<HistoryEntry> entries = new ArrayList<>(Math.min(count, 1 << 16));
            for (int i = 0; i < count; i++) {
                String conversationId = in.readUTF();
                long seq = in.readLong();
                String senderUserId = in.readUTF();
                String senderDeviceId = in.readUTF();
                long sentAt = in.readLong();
                int flags = in.readUnsignedByte();
                if ((flags & ~1) != 0) {
                    throw new HistoryArchiveException.Malformed("entry " + i + ": unknown flags " + flags, null);
                }
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new HistoryArchiveException.Malformed("entry " + i + ": bad content length " + length, null);
                }
                byte[] content = in.readNBytes(length);
                try {
                    entries.add(new HistoryEntry(conversationId, seq, senderUserId, senderDeviceId, sentAt,
                            flags == 1, content));
                } catch (IllegalArgumentException e) {
                    throw new HistoryArchiveException.Malformed("entry " + i + ": " + e.getMessage(), e);
                }
            }
            if (in.available() != 0) {
                throw new HistoryArchiveException.Malformed("trailing bytes after " + count + " entries", null);
            }
            return entries;
        } catch (IOException e) {
            throw new HistoryArchiveException.Malformed("history archive cut short: " + e.getMessage(), e);
        }
    }

    /** The whole DEFLATE stream from {@code offset}, which must end exactly at the end of {@code bytes}. */
    private static byte[] inflate(byte[] bytes, int offset) throws HistoryArchiveException.Malformed {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(bytes, offset, bytes.length - offset);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new HistoryArchiveException.Malformed("history archive cut short", null);
                }
                if (out.size() + (long) n > MAX_PLAIN_BYTES) {
                    throw new HistoryArchiveException.Malformed("history archive larger than " + MAX_PLAIN_BYTES
                            + " bytes decoded", null);
                }
                out.write(buf, 0, n);
            }
            if (inflater.getRemaining() != 0) {
                throw new HistoryArchiveException.Malformed("trailing bytes after the history archive", null);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new HistoryArchiveException.Malformed("history archive is not a DEFLATE stream: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    /** Encodes and seals {@code entries} under a fresh key. */
    public static Sealed seal(List<HistoryEntry> entries) {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] plain = encode(entries);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, nonce);
            byte[] sealed = new byte[1 + NONCE_BYTES + plain.length + TAG_BITS / 8];
            sealed[0] = VERSION;
            System.arraycopy(nonce, 0, sealed, 1, NONCE_BYTES);
            cipher.doFinal(plain, 0, plain.length, sealed, 1 + NONCE_BYTES);
            return new Sealed(sealed, key, sha256(sealed), entries.size());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is part of every Java platform", e);
        }
    }

    /**
     * Checks {@code sealed} against {@code digest}, decrypts it with {@code key} and decodes it. Nothing is returned
     * from bytes that fail any step.
     */
    public static List<HistoryEntry> open(byte[] sealed, byte[] key, byte[] digest) throws HistoryArchiveException {
        if (digest == null || digest.length != 32 || !MessageDigest.isEqual(sha256(sealed), digest)) {
            throw new HistoryArchiveException.DigestMismatch("the history archive's SHA-256 is not the one its sender"
                    + " sealed (" + sealed.length + " bytes): refused");
        }
        if (key == null || key.length != KEY_BYTES) {
            throw new HistoryArchiveException.Tampered("a history archive key is 32 bytes", null);
        }
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new HistoryArchiveException.Malformed("sealed history archive version "
                    + (sealed.length == 0 ? "none" : String.valueOf(sealed[0] & 0xff)) + " (this SDK reads " + VERSION
                    + ")", null);
        }
        byte[] plain;
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES));
            plain = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new HistoryArchiveException.Tampered("the history archive does not open with its key", e);
        }
        return decode(plain);
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(new byte[] {VERSION});
        return cipher;
    }
}
