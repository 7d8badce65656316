package org.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AttachmentCipherTest {
    private static final int CHUNK = 1024;
    private static final String OBJECT = "media/alice/0b0e3c1a-7c43-4d0e-9a43-6f5d7c1f4a21";

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static AttachmentDescriptor descriptor(AttachmentCipher.Sealed s) {
        return new AttachmentDescriptor(OBJECT, s.key(), s.digest(), s.plaintextBytes(), s.chunkBytes(), "image/jpeg",
                640, 480, null, new byte[] {1, 2}, null);
    }

    @Test
    void filesOfEverySizeComeBackWholeAndChunkByChunk() throws Exception {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 17}) {
            byte[] plain = random(size, size);
            AttachmentCipher.Sealed s = AttachmentCipher.seal(plain, CHUNK);
            AttachmentDescriptor d = descriptor(s);
            assertThat(s.ciphertext()).hasSize((int) AttachmentCipher.encryptedBytes(size, CHUNK));
            assertThat(AttachmentCipher.open(d, s.ciphertext())).as("size %d", size).isEqualTo(plain);
            for (long i = 0; i < d.chunkCount(); i++) {
                int at = (int) AttachmentCipher.chunkOffset(i, CHUNK);
                byte[] chunk = Arrays.copyOfRange(s.ciphertext(), at,
                        at + AttachmentCipher.encryptedChunkBytes(i, size, CHUNK));
                int from = (int) (i * CHUNK);
                assertThat(AttachmentCipher.openChunk(d, i, chunk))
                        .isEqualTo(Arrays.copyOfRange(plain, from, Math.min(size, from + CHUNK)));
            }
        }
    }

    @Test
    void eachFileHasItsOwnKeyAndTheCiphertextDoesNotHoldThePlaintext() {
        byte[] plain = ("a picture of the beach " + "x".repeat(3000)).getBytes(StandardCharsets.UTF_8);
        AttachmentCipher.Sealed a = AttachmentCipher.seal(plain, CHUNK);
        AttachmentCipher.Sealed b = AttachmentCipher.seal(plain, CHUNK);
        assertThat(a.key()).isNotEqualTo(b.key());
        assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
        assertThat(new String(a.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("beach").doesNotContain("xxxx");
    }

    @Test
    void aFlippedByteInAnyChunkIsRefusedByTheDigestAndByTheChunkItself() throws Exception {
        byte[] plain = random(4 * CHUNK + 100, 7);
        AttachmentCipher.Sealed s = AttachmentCipher.seal(plain, CHUNK);
        AttachmentDescriptor d = descriptor(s);
        for (long i = 0; i < d.chunkCount(); i++) {
            int at = (int) AttachmentCipher.chunkOffset(i, CHUNK);
            int len = AttachmentCipher.encryptedChunkBytes(i, plain.length, CHUNK);
            for (int offset : new int[] {0, len / 2, len - 1}) { // ciphertext and tag
                byte[] tampered = s.ciphertext().clone();
                tampered[at + offset] ^= 0x01;
                assertThatThrownBy(() -> AttachmentCipher.open(d, tampered)).isInstanceOf(AttachmentException.class)
                        .hasMessageContaining("digest");
                long index = i;
                assertThatThrownBy(() -> AttachmentCipher.openChunk(d, index, Arrays.copyOfRange(tampered, at, at + len)))
                        .isInstanceOf(AttachmentException.class).hasMessageContaining("chunk " + i + " fails");
            }
        }
    }

    @Test
    void chunksCannotBeReorderedSwappedWithAnotherFilesOrTruncated() throws Exception {
        byte[] plain = random(3 * CHUNK + 10, 8);
        AttachmentCipher.Sealed s = AttachmentCipher.seal(plain, CHUNK);
        AttachmentDescriptor d = descriptor(s);
        int len = CHUNK + AttachmentCipher.TAG_BYTES;
        byte[] c0 = Arrays.copyOfRange(s.ciphertext(), 0, len);
        byte[] c1 = Arrays.copyOfRange(s.ciphertext(), len, 2 * len);
        // Reordered: chunk 1 presented at position 0 (same length), and the object with its first two chunks swapped.
        assertThatThrownBy(() -> AttachmentCipher.openChunk(d, 0, c1)).isInstanceOf(AttachmentException.class);
        byte[] swapped = s.ciphertext().clone();
        System.arraycopy(c1, 0, swapped, 0, len);
        System.arraycopy(c0, 0, swapped, len, len);
        AttachmentDescriptor forged = new AttachmentDescriptor(OBJECT, d.key(), AttachmentCipher.sha256(swapped),
                d.size(), CHUNK, d.mimeType(), null, null, null, null, null);
        assertThatThrownBy(() -> AttachmentCipher.open(forged, swapped)).isInstanceOf(AttachmentException.class)
                .hasMessageContaining("chunk 0 fails");

        // Another file's chunk at the same position (another key) fails.
        AttachmentCipher.Sealed other = AttachmentCipher.seal(random(3 * CHUNK + 10, 9), CHUNK);
        assertThatThrownBy(() -> AttachmentCipher.openChunk(d, 0, Arrays.copyOfRange(other.ciphertext(), 0, len)))
                .isInstanceOf(AttachmentException.class);

        // Truncated: the object without its last chunk, or cut in the middle of one.
        byte[] shorter = Arrays.copyOf(s.ciphertext(), 3 * len);
        assertThatThrownBy(() -> AttachmentCipher.open(d, shorter)).hasMessageContaining("bytes");
        assertThatThrownBy(() -> AttachmentCipher.openChunk(d, 3, new byte[5])).hasMessageContaining("truncated");
        // A middle chunk presented as the last one of a shorter file: its nonce had no final flag, and the layout
        // (the plaintext length) is authenticated, so it fails even with a descriptor made for the shorter file.
        AttachmentDescriptor asIfShorter = new AttachmentDescriptor(OBJECT, d.key(), AttachmentCipher.sha256(Arrays.copyOf(s.ciphertext(), 2 * len)),
                2L * CHUNK, CHUNK, d.mimeType(), null, null, null, null, null);
        assertThatThrownBy(() -> AttachmentCipher.openChunk(asIfShorter, 1, c1)).isInstanceOf(AttachmentException.class);
        assertThatThrownBy(() -> AttachmentCipher.open(asIfShorter, Arrays.copyOf(s.ciphertext(), 2 * len)))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("fails");
        // A chunk beyond the file.
        assertThatThrownBy(() -> AttachmentCipher.openChunk(d, 4, c0)).hasMessageContaining("not one of the 4 chunks");
    }

    @Test
    void theDescriptorTravelsAsJsonInsideTheMessageAndMalformedOnesAreRefused() throws Exception {
        AttachmentCipher.Sealed s = AttachmentCipher.seal(random(5000, 3), CHUNK);
        AttachmentDescriptor d = descriptor(s);
        byte[] message = d.toMessage("at the beach");
        AttachmentDescriptor.Message back = AttachmentDescriptor.fromMessage(message);
        assertThat(back.caption()).isEqualTo("at the beach");
        AttachmentDescriptor r = back.attachment();
        assertThat(r.objectId()).isEqualTo(OBJECT);
        assertThat(r.key()).isEqualTo(d.key());
        assertThat(r.digest()).isEqualTo(d.digest());
        assertThat(r.size()).isEqualTo(5000);
        assertThat(r.width()).isEqualTo(640);
        assertThat(r.thumbnail()).containsExactly(1, 2);
        assertThat(r.kind()).isEqualTo(MediaKind.IMAGE);
        assertThat(AttachmentCipher.open(r, s.ciphertext())).hasSize(5000);

        assertThat(AttachmentDescriptor.fromMessage("just text".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(AttachmentDescriptor.fromMessage("{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8))).isNull();
        JsonObject good = d.toJson();
        for (JsonObject bad : new JsonObject[] {
            good.copy().put("key", "AAAA"), good.copy().put("digest", "not base64!"), good.copy().put("size", -1),
            good.copy().put("chunkBytes", 10), good.copy().put("objectId", "../etc/passwd"), good.copy().putNull("objectId"),
            good.copy().put("mimeType", "text"), good.copy().put("v", 2), good.copy().put("fileName", "../x"),
            good.copy().put("thumbnail", java.util.Base64.getEncoder().encodeToString(new byte[40_000])),
            good.copy().put("width", "wide"),
        }) {
            assertThatThrownBy(() -> AttachmentDescriptor.fromJson(bad)).as(bad.encode()).isInstanceOf(AttachmentException.class);
        }
    }
}
