package org.parley.streams;

import java.time.Duration;
import org.parley.config.Settings;

/**
 * The limits the sequencer enforces (settings 'conversations.*' and 'streams.*-retention-hours').
 *
 * @param maxGroupMembers         a group never has more members than this
 * @param editWindow              how long after sending the sender may edit a message
 * @param deleteWindow            how long after sending a message may be deleted for everyone
 * @param forwardedManyTimesAfter a message forwarded more hops than this is marked "forwarded many times"
 * @param dedupRetention          how long a retried action is still recognised
 * @param messageRefRetention     how long per-message facts (sender, time, deleted) are kept for rule checks
 */
public record SequencerRules(int maxGroupMembers, Duration editWindow, Duration deleteWindow,
                             int forwardedManyTimesAfter, Duration dedupRetention, Duration messageRefRetention) {

    public SequencerRules {
        // A message's facts must outlive every window that consults them.
        if (messageRefRetention.compareTo(editWindow) < 0 || messageRefRetention.compareTo(deleteWindow) < 0) {
            throw new IllegalArgumentException("streams.message-ref-retention-hours must cover the edit and delete windows");
        }
        if (maxGroupMembers < 2) {
            throw new IllegalArgumentException("conversations.max-group-members must be at least 2");
        }
    }

    public static SequencerRules defaults() {
        return from(Settings.of(java.util.Map.of()));
    }

    public static SequencerRules from(Settings s) {
        return new SequencerRules(
                s.getInt("conversations.max-group-members"),
                Duration.ofMinutes(s.getLong("conversations.edit-window-minutes")),
                Duration.ofHours(s.getLong("conversations.delete-window-hours")),
                s.getInt("conversations.forwarded-many-times-after"),
                Duration.ofHours(s.getLong("streams.dedup-retention-hours")),
                Duration.ofHours(s.getLong("streams.message-ref-retention-hours")));
    }

    public SequencerRules withDedupRetention(Duration retention) {
        return new SequencerRules(maxGroupMembers, editWindow, deleteWindow, forwardedManyTimesAfter, retention,
                messageRefRetention);
    }
}
