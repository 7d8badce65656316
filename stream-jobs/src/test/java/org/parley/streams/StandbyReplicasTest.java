package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

/** Standby replicas (streams.standby-replicas): none locally, one per task in production (deploy/k8s). */
class StandbyReplicasTest {

    @Test
    void noStandbyByDefault() {
        Settings defaults = Settings.of(Map.of());

        assertThat(SequencerApp.streamsConfig(defaults).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(0);
        assertThat(PresenceApp.streamsConfig(defaults).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(0);
    }

    @Test
    void theSettingGivesTheSequencerAndPresenceTheirStandbys() {
        Settings production = Settings.of(Map.of("streams.standby-replicas", "1"));

        assertThat(SequencerApp.streamsConfig(production).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        assertThat(PresenceApp.streamsConfig(production).get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        assertThat(new StreamsConfig(SequencerApp.streamsConfig(production))
                .getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
    }
}
