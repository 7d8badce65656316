package org.parley.fanout;

import java.io.Serializable;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.parley.config.Settings;
import org.parley.events.EventType;

/**
 * What {@link PushDecision} pushes, from settings (resolved in the client, carried into the function).
 *
 * @param eventTypes event types that may be pushed ({@code push.event-types}, default MESSAGE)
 * @param maxAgeMs a message older than this (its {@code sentAt} against the operator's clock) is not pushed
 *     ({@code push.max-age-ms}): a full replay of the log must not wake phones for last month's messages
 * @param muteGraceMs a timed mute is forgotten this long after it ended ({@code push.mute-state-grace-ms}), so a
 *     lagging pipeline still applies it to messages sent before it ended
 * @param unreadTtlMs the per-conversation unread count of a device that never comes back expires after this
 *     ({@code push.unread-state-ttl-ms}, the inbox retention)
 */
public record PushPolicy(Set<EventType> eventTypes, long maxAgeMs, long muteGraceMs, long unreadTtlMs)
        implements Serializable {

    public PushPolicy {
        eventTypes = eventTypes.isEmpty() ? EnumSet.noneOf(EventType.class) : EnumSet.copyOf(eventTypes);
    }

    public static PushPolicy from(Settings s) {
        Set<EventType> types = Arrays.stream(s.get("push.event-types").split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).map(EventType::valueOf)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(EventType.class)));
        return new PushPolicy(types, s.getLong("push.max-age-ms"), s.getLong("push.mute-state-grace-ms"),
                s.getLong("push.unread-state-ttl-ms"));
    }
}
