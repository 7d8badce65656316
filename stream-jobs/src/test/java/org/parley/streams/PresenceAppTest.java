package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class PresenceAppTest {

    /**
     * Presence may poll lazily only because it is at-least-once: its records go out as they are processed, not at a
     * commit. Were it transactional, a long idle poll would hold its last transaction (and the typing and presence
     * frames behind it) back by up to the poll time.
     */
    @Test
    void atLeastOnceSoItsIdlePollsMayBeLongUnlikeTheSequencers() {
        Settings defaults = Settings.of(Map.of());
        Properties presence = PresenceApp.streamsConfig(defaults);
        Properties sequencer = SequencerApp.streamsConfig(defaults);

        assertThat(presence.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.AT_LEAST_ONCE);
        assertThat(presence.get("producer.linger.ms")).isEqualTo(0);
        assertThat((Integer) presence.get(StreamsConfig.POLL_MS_CONFIG))
                .isEqualTo(100)
                .isGreaterThan((Integer) sequencer.get(StreamsConfig.POLL_MS_CONFIG));
        assertThat(presence.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("parley-presence");
    }

    @Test
    void thePollTimeIsASetting() {
        Properties p = PresenceApp.streamsConfig(Settings.of(Map.of("presence.poll-ms", "250")));

        assertThat(p.get(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(250);
    }
}
