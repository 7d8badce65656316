package org.parley.client.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class HistoryArchiveTest {
    private static HistoryEntry entry(String conversation, long seq, String from, String text) {
        return new HistoryEntry(conversation, seq, from, "d-" + from, 1_700_000_000_000L + seq, false,
                text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<HistoryEntry> sample() {
        List<HistoryEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            entries.add(entry("dm:alice:bob", i, i % 2 == 0 ? "alice" : "bob", "message number " + i + " of the chat"));
        }
        entries.add(entry("g:friends", 7, "carol", "ünïcödé ✓").editedTo("edited ✓".getBytes(StandardCharsets.UTF_8)));
        entries.add(new HistoryEntry("dm:alice:carol", 1, "carol", "d-c", 0, false, new byte[0]));
        return entries;
    }

    @Test
    void sealedArchiveOpensToTheSameEntriesInOrder() throws Exception {
        List<HistoryEntry> entries = sample();
        HistoryArchive.Sealed sealed = HistoryArchive.seal(entries);

        assertThat(sealed.key()).hasSize(32);
        assertThat(sealed.digest()).isEqualTo(HistoryArchive.sha256(sealed.ciphertext()));
        assertThat(sealed.entries()).isEqualTo(entries.size());
        assertThat(HistoryArchive.open(sealed.ciphertext(), sealed.key(), sealed.digest())).containsExactlyElementsOf(entries);
        HistoryArchive.Sealed empty = HistoryArchive.seal(List.of());
        assertThat(HistoryArchive.open(empty.ciphertext(), empty.key(), empty.digest())).isEmpty();
    }

    @Test
    void theFormatIsVersionedAndCompactAndTheCiphertextHidesTheText() {
        List<HistoryEntry> entries = sample();
        byte[] plain = HistoryArchive.encode(entries);
        assertThat(new String(plain, 0, 7, StandardCharsets.ISO_8859_1)).isEqualTo("PRLYHA\u0001");
        long raw = entries.stream().mapToLong(e -> e.content().length + e.conversationId().length()
                + e.senderUserId().length() + e.senderDeviceId().length() + 8 + 8 + 1).sum();
        assertThat(plain.length).isLessThan((int) (raw / 3)); // DEFLATE over repetitive chat text and ids

        HistoryArchive.Sealed sealed = HistoryArchive.seal(entries);
        assertThat(sealed.ciphertext()[0]).isEqualTo((byte) 1);
        assertThat(sealed.ciphertext()).hasSize(1 + 12 + plain.length + 16);
        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("message number");
        // A fresh key and nonce every time.
        HistoryArchive.Sealed again = HistoryArchive.seal(entries);
        assertThat(again.key()).isNotEqualTo(sealed.key());
        assertThat(again.ciphertext()).isNotEqualTo(sealed.ciphertext());
    }

    @Test
    void aChangedByteAnywhereIsRefusedByTheDigestBeforeDecrypting() {
        HistoryArchive.Sealed sealed = HistoryArchive.seal(sample());
        for (int at : new int[] {0, 5, 13, sealed.ciphertext().length / 2, sealed.ciphertext().length - 1}) {
            byte[] changed = sealed.ciphertext().clone();
            changed[at] ^= 0x01;
            assertThatThrownBy(() -> HistoryArchive.open(changed, sealed.key(), sealed.digest()))
                    .isInstanceOf(HistoryArchiveException.DigestMismatch.class);
        }
        byte[] cut = Arrays.copyOf(sealed.ciphertext(), sealed.ciphertext().length - 1);
        assertThatThrownBy(() -> HistoryArchive.open(cut, sealed.key(), sealed.digest()))
                .isInstanceOf(HistoryArchiveException.DigestMismatch.class);
        assertThatThrownBy(() -> HistoryArchive.open(sealed.ciphertext(), sealed.key(), null))
                .isInstanceOf(HistoryArchiveException.DigestMismatch.class);
    }

    @Test
    void changedBytesWithAMatchingDigestStillFailTheTagAndAWrongKeyFails() {
        HistoryArchive.Sealed sealed = HistoryArchive.seal(sample());
        byte[] changed = sealed.ciphertext().clone();
        changed[20] ^= 0x01; // a sender who also swaps the digest: the GCM tag still refuses it
        assertThatThrownBy(() -> HistoryArchive.open(changed, sealed.key(), HistoryArchive.sha256(changed)))
                .isInstanceOf(HistoryArchiveException.Tampered.class);
        byte[] wrongKey = sealed.key().clone();
        wrongKey[0] ^= 0x01;
        assertThatThrownBy(() -> HistoryArchive.open(sealed.ciphertext(), wrongKey, sealed.digest()))
                .isInstanceOf(HistoryArchiveException.Tampered.class);
    }

    @Test
    void malformedPlainArchivesAreRefusedPrecisely() {
        byte[] plain = HistoryArchive.encode(sample());
        byte[] otherVersion = plain.clone();
        otherVersion[6] = 2;
        assertThatThrownBy(() -> HistoryArchive.decode(otherVersion))
                .isInstanceOf(HistoryArchiveException.Malformed.class).hasMessageContaining("version 2");
        assertThatThrownBy(() -> HistoryArchive.decode("not an archive".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(HistoryArchiveException.Malformed.class).hasMessageContaining("not a history archive");
        assertThatThrownBy(() -> HistoryArchive.decode(Arrays.copyOf(plain, plain.length - 3)))
                .isInstanceOf(HistoryArchiveException.Malformed.class).hasMessageContaining("cut short");
        byte[] trailing = Arrays.copyOf(plain, plain.length + 1);
        assertThatThrownBy(() -> HistoryArchive.decode(trailing))
                .isInstanceOf(HistoryArchiveException.Malformed.class).hasMessageContaining("trailing");
        // A count promising more entries than the stream holds.
        byte[] lying = deflated(new byte[] {0, 0, 0, 5});
        assertThatThrownBy(() -> HistoryArchive.decode(lying))
                .isInstanceOf(HistoryArchiveException.Malformed.class).hasMessageContaining("cut short");
    }

    private static byte[] deflated(byte[] body) {
        Deflater d = new Deflater();
        d.setInput(body);
        d.finish();
        byte[] buf = new byte[256];
        int n = d.deflate(buf);
        d.end();
        byte[] out = new byte[7 + n];
        System.arraycopy("PRLYHA\u0001".getBytes(StandardCharsets.ISO_8859_1), 0, out, 0, 7);
        System.arraycopy(buf, 0, out, 7, n);
        return out;
    }
}
