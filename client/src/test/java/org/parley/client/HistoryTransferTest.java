package org.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HistoryTransferTest {
    @Test
    void aNoteForTheNewDeviceCarriesTheKeyAndTheNoticeForOthersDoesNot() {
        HistoryTransfer.Pointer p = new HistoryTransfer.Pointer("dev-new", "media/alice/x", new byte[32], new byte[32],
                1234, 56);
        byte[] note = p.plaintext();
        assertThat(HistoryTransfer.isControl(note)).isTrue();
        HistoryTransfer.Pointer parsed = HistoryTransfer.parse(note).orElseThrow();
        assertThat(parsed.object()).isEqualTo("media/alice/x");
        assertThat(parsed.key()).hasSize(32);
        assertThat(parsed.bytes()).isEqualTo(1234);
        assertThat(parsed.entries()).isEqualTo(56);
        assertThat(parsed.isFor("dev-new")).isTrue();
        assertThat(parsed.isFor("dev-other")).isFalse();

        HistoryTransfer.Pointer notice = HistoryTransfer.parse(
                new HistoryTransfer.Pointer("dev-new", null, null, null, 0, 0).plaintext()).orElseThrow();
        assertThat(notice.key()).isNull();
        assertThat(notice.isFor("dev-new")).isFalse();
    }

    @Test
    void textMessagesAndBrokenNotesAreNotNotes() {
        assertThat(HistoryTransfer.parse("hello".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(HistoryTransfer.isControl("parley-history:1\n{}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(HistoryTransfer.parse((HistoryTransfer.PREFIX + "{not json").getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(HistoryTransfer.parse((HistoryTransfer.PREFIX + "{\"v\":2,\"for\":\"d\"}")
                .getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(HistoryTransfer.parse((HistoryTransfer.PREFIX + "{\"v\":1,\"for\":\"d\",\"key\":\"!!\"}")
                .getBytes(StandardCharsets.UTF_8))).isEmpty();
    }
}
