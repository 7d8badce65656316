package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class KafkaClusterIdTest {
    @Test
    void anIdStartingWithADashIsNeverUsed() {
        byte[] dash = new byte[16];
        dash[0] = (byte) 0xF8; // 111110.. : base64url index 62, '-'
        byte[] fine = new byte[16];
        fine[0] = 0x04;
        Deque<byte[]> source = new ArrayDeque<>();
        source.add(dash);
        source.add(fine);

        String id = KafkaClusterId.from(source::poll);

        assertThat(id).doesNotStartWith("-").startsWith("B");
        assertThat(source).isEmpty(); // the first one was drawn and refused
    }

    @Test
    void randomIdsAre22Base64UrlCharacters() {
        Pattern shape = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{21}");
        for (int i = 0; i < 500; i++) {
            assertThat(KafkaClusterId.random()).matches(shape);
        }
    }
}
