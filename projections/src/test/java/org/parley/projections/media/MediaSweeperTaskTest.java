package org.parley.projections.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

/** The sweeper's settings: the shipped defaults, overrides, and an interval of 0 turning the timer off. */
class MediaSweeperTaskTest {
    @Test
    void theDefaultsKeepAnUnreferencedObjectThirtyDaysAndAnOrphanADay() {
        MediaSweepRules rules = MediaSweeperTask.rules(Settings.of(Map.of()));
        assertThat(rules.retention()).isEqualTo(Duration.ofDays(30));
        assertThat(rules.orphanTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(Settings.of(Map.of()).getLong("media.sweep-interval-minutes")).isEqualTo(60);
    }

    @Test
    void settingsOverrideTheThresholdsAndAZeroIntervalStartsNoTimer() {
        Settings s = Settings.of(Map.of("media.retention-after-last-reference-days", "7",
                "media.orphan-upload-ttl-hours", "2", "media.sweep-interval-minutes", "0"));
        MediaSweepRules rules = MediaSweeperTask.rules(s);
        assertThat(rules.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(rules.orphanTtl()).isEqualTo(Duration.ofHours(2));
        // No CQL session is touched when the sweeper is off.
        assertThat(MediaSweeperTask.start(s, null)).isNull();
    }
}
