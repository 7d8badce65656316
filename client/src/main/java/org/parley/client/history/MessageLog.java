package org.parley.client.history;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.parley.client.crypto.DeviceStoreException;

/**
 * The messages a device decrypted or sent, kept on the device so it can show them again and hand them to a newly linked
 * device ({@link HistoryArchive}). One per device; {@link #inMemory()} for applications that keep messages elsewhere.
 *
 * <p>File: {@code "PRLYML01"}, then one record per change, appended: its length (int), a 12-byte nonce and the
 * AES-256-GCM ciphertext and tag of the entry (the {@link HistoryArchive} entry layout), with the magic and the
 * record's index as associated data, so records cannot be changed, reordered or moved between files. Each append is
 * forced to the disk before the call returns. A record cut short at the end (a crash during an append) is dropped on
 * open and overwritten by the next append; a record that does not authenticate fails the open
 * ({@link DeviceStoreException.Tampered}), and a wrong key fails it with {@link DeviceStoreException.WrongKey}.
 * The key is the application's (the device store's key may be used: the associated data keeps the files apart).
 *
 * <p>An entry for a (conversation, seq) already kept replaces it (an edit, or the same message opened again).
 */
public final class MessageLog {
    private static final byte[] MAGIC = "PRLYML01".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final SecretKey key;
    private final Map<String, HistoryEntry> entries = new LinkedHashMap<>();
    private long records;
    private long end;

    private MessageLog(Path file, SecretKey key) {
        this.file = file;
        this.key = key;
    }

    /** A log kept in memory only. */
    public static MessageLog inMemory() {
        return new MessageLog(null, null);
    }

    /** Opens the log in {@code file}, creating it if there is none. */
    public static MessageLog open(Path file, SecretKey key) throws IOException {
        MessageLog log = new MessageLog(file, key);
        if (!Files.exists(file)) {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(MAGIC));
                ch.force(true);
            }
            log.end = MAGIC.length;
            return log;
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new DeviceStoreException.Tampered(file + " is not a message log", null);
        }
        ByteBuffer in = ByteBuffer.wrap(all);
        in.position(MAGIC.length);
        while (in.remaining() >= Integer.BYTES) {
            int length = in.getInt();
            if (length < NONCE_BYTES + TAG_BITS / 8 || length > in.remaining()) {
                break; // cut short by a crash during the append: dropped
            }
            byte[] nonce = new byte[NONCE_BYTES];
            in.get(nonce);
            byte[] sealed = new byte[length - NONCE_BYTES];
            in.get(sealed);
            byte[] plain;
            try {
                plain = cipher(Cipher.DECRYPT_MODE, key, nonce, log.records).doFinal(sealed);
            } catch (AEADBadTagException e) {
                if (log.records == 0) {
                    throw new DeviceStoreException.WrongKey("the key does not open the message log " + file
                            + " (or its first record was changed)", e);
                }
                throw new DeviceStoreException.Tampered("record " + log.records + " of the message log " + file
                        + " was changed: refused", e);
            } catch (GeneralSecurityException e) {
                throw new DeviceStoreException.WrongKey("the key cannot open the message log " + file, e);
            }
            log.keep(read(plain));
            log.records++;
            log.end = in.position();
        }
        if (log.records == 0) {
            log.end = MAGIC.length;
        }
        return log;
    }

    /** Keeps a message (replacing what was kept for its conversation and seq). */
    public synchronized void add(HistoryEntry entry) {
        if (file != null) {
            append(entry);
        }
        keep(entry);
    }

    /** Replaces the content of a kept message after an edit; false if the message is not kept. */
    public synchronized boolean edit(String conversationId, long seq, byte[] newContent) {
        HistoryEntry was = entries.get(name(conversationId, seq));
        if (was == null) {
            return false;
        }
        add(was.editedTo(newContent));
        return true;
    }

    /** The kept message at {@code seq} of {@code conversationId}, or null. */
    public synchronized HistoryEntry get(String conversationId, long seq) {
        return entries.get(name(conversationId, seq));
    }

    /** Every kept message, by conversation and then seq. */
    public synchronized List<HistoryEntry> entries() {
        List<HistoryEntry> out = new ArrayList<>(entries.values());
        out.sort(Comparator.comparing(HistoryEntry::conversationId).thenComparingLong(HistoryEntry::seq));
        return out;
    }

    /** The kept messages of one conversation, by seq. */
    public synchronized List<HistoryEntry> conversation(String conversationId) {
        return entries().stream().filter(e -> e.conversationId().equals(conversationId)).toList();
    }

    public synchronized int size() {
        return entries.size();
    }

    private void keep(HistoryEntry entry) {
        entries.put(name(entry.conversationId(), entry.seq()), entry);
    }

    private static String name(String conversationId, long seq) {
        return conversationId + "#" + seq;
    }

    private void append(HistoryEntry entry) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            byte[] sealed = cipher(Cipher.ENCRYPT_MODE, key, nonce, records).doFinal(write(entry));
            ByteBuffer out = ByteBuffer.allocate(Integer.BYTES + NONCE_BYTES + sealed.length);
            out.putInt(NONCE_BYTES + sealed.length).put(nonce).put(sealed).flip();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end); // drops a record a crash cut short
                ch.position(end);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ch.force(false);
                end = ch.position();
            }
            records++;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt the message log with the key given", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the message log " + file, e);
        }
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] nonce, long index) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(MAGIC);
        cipher.updateAAD(ByteBuffer.allocate(Long.BYTES).putLong(index).array());
        return cipher;
    }

    private static byte[] write(HistoryEntry e) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(e.conversationId());
            out.writeLong(e.seq());
            out.writeUTF(e.senderUserId());
            out.writeUTF(e.senderDeviceId());
            out.writeLong(e.sentAt());
            out.writeByte(e.edited() ? 1 : 0);
            out.writeInt(e.content().length);
            out.write(e.content());
        }
        return bytes.toByteArray();
    }

    private static HistoryEntry read(byte[] plain) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain));
        HistoryEntry e = new HistoryEntry(in.readUTF(), in.readLong(), in.readUTF(), in.readUTF(), in.readLong(),
                in.readUnsignedByte() == 1, in.readNBytes(in.readInt()));
        if (in.available() != 0) {
            throw new IOException("trailing bytes in a message log record");
        }
        return e;
    }
}
