package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.edge.config.EdgeConfig;

/** The edge refuses to start with limits that let a client's message become a record Kafka would refuse. */
class WebSocketLimitsTest {
    private static WebSocketLimits from(Map<String, String> values) {
        Settings s = Settings.of(values);
        return WebSocketLimits.from(s, EdgeConfig.from(s));
    }

    @Test
    void theDefaultsFitTheDefaultTopicsWithRoom() {
        WebSocketLimits limits = from(Map.of());
        assertThat(limits.compression()).isFalse();
        assertThat(limits.maxReadBytes()).isEqualTo(1 << 20);
        Settings s = Settings.of(Map.of());
        // The largest event a default frame can become is well under the 1 MiB every default topic holds.
        assertThat(WebSocketLimits.largestEvent(s.getInt("edge.max-frame-bytes"), s.getInt("conversations.max-group-members")))
                .isLessThan(s.getInt("kafka.max-message-bytes") / 2);
    }

    @Test
    void aFrameLimitKafkaCannotHoldIsRefusedAtStart() {
        assertThatThrownBy(() -> from(Map.of("edge.max-frame-bytes", "1048576")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafka.max-message-bytes");
        assertThatThrownBy(() -> from(Map.of("conversations.max-group-members", "10000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafka.max-message-bytes");
        // Raising the topics' limit (and the producer's, which follows it) makes room.
        assertThat(from(Map.of("edge.max-frame-bytes", "1048576", "edge.max-frame-read-bytes", "2097152",
                "kafka.max-message-bytes", "2097152")).maxReadBytes()).isEqualTo(2097152);
    }

    @Test
    void limitsThatContradictEachOtherAreRefusedAtStart() {
        assertThatThrownBy(() -> from(Map.of("edge.max-payload-bytes", "262144")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("edge.max-payload-bytes");
        assertThatThrownBy(() -> from(Map.of("edge.max-frame-read-bytes", "65536")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("edge.max-frame-read-bytes");
    }
}
