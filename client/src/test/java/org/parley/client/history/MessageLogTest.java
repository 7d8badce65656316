package org.parley.client.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.DeviceStoreException;

class MessageLogTest {
    @TempDir
    Path dir;

    private static HistoryEntry entry(String conversation, long seq, String text) {
        return new HistoryEntry(conversation, seq, "bob", "d1", 1000 + seq, false, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keptMessagesAndEditsSurviveAReopenEncryptedAtRest() throws Exception {
        Path file = dir.resolve("alice.messages");
        SecretKey key = DeviceStore.newKey();
        MessageLog log = MessageLog.open(file, key);
        log.add(entry("dm:alice:bob", 2, "second SECRETWORD"));
        log.add(entry("dm:alice:bob", 1, "first"));
        log.add(entry("g:team", 1, "in the group"));
        assertThat(log.edit("dm:alice:bob", 1, "first, edited".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(log.edit("dm:alice:bob", 9, new byte[1])).isFalse();
        log.add(entry("dm:alice:bob", 2, "second SECRETWORD")); // opened again: replaces, no second entry

        MessageLog again = MessageLog.open(file, key);
        assertThat(again.entries()).containsExactlyElementsOf(log.entries()).hasSize(3);
        assertThat(again.conversation("dm:alice:bob")).extracting(HistoryEntry::seq).containsExactly(1L, 2L);
        assertThat(new String(again.get("dm:alice:bob", 1).content(), StandardCharsets.UTF_8)).isEqualTo("first, edited");
        assertThat(again.get("dm:alice:bob", 1).edited()).isTrue();
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).doesNotContain("SECRETWORD");
        again.add(entry("g:team", 2, "after the reopen"));
        assertThat(MessageLog.open(file, key).size()).isEqualTo(4);
    }

    @Test
    void aWrongKeyAChangedRecordAndACutTailAreToldApart() throws Exception {
        Path file = dir.resolve("log");
        SecretKey key = DeviceStore.newKey();
        MessageLog log = MessageLog.open(file, key);
        log.add(entry("c", 1, "one"));
        log.add(entry("c", 2, "two"));
        byte[] good = Files.readAllBytes(file);

        assertThatThrownBy(() -> MessageLog.open(file, DeviceStore.newKey()))
                .isInstanceOf(DeviceStoreException.WrongKey.class);
        byte[] changed = good.clone();
        changed[changed.length - 3] ^= 1; // inside the second record
        Files.write(file, changed);
        assertThatThrownBy(() -> MessageLog.open(file, key)).isInstanceOf(DeviceStoreException.Tampered.class);

        // A crash in the middle of the second append: the first record stays, the cut one is dropped and overwritten.
        Files.write(file, Arrays.copyOf(good, good.length - 5));
        MessageLog afterCrash = MessageLog.open(file, key);
        assertThat(afterCrash.entries()).extracting(HistoryEntry::seq).containsExactly(1L);
        afterCrash.add(entry("c", 3, "three"));
        assertThat(MessageLog.open(file, key).entries()).extracting(HistoryEntry::seq).containsExactly(1L, 3L);

        Files.writeString(file, "something else");
        assertThatThrownBy(() -> MessageLog.open(file, key)).isInstanceOf(DeviceStoreException.Tampered.class);
    }

    @Test
    void inMemoryKeepsWithoutAFile() {
        MessageLog log = MessageLog.inMemory();
        log.add(entry("c", 1, "x"));
        assertThat(log.entries()).hasSize(1);
        assertThat(dir.toFile().list()).isEmpty();
    }
}
