package org.parley.push;

import java.time.Duration;

/**
 * One push, independent of the push service.
 *
 * @param pushId the dedup key ({@code <deviceId>/<eventId>}); senders may pass it on (FCM message id, apns-id)
 * @param collapseKey pushes with the same key replace each other while undelivered (Web Push {@code Topic},
 *     FCM {@code collapse_key}, APNs {@code apns-collapse-id}); the conversation id
 * @param ttl how long the push service keeps it for an unreachable device
 * @param urgency {@code very-low}, {@code low}, {@code normal} or {@code high} (RFC 8030 §5.3)
 * @param payload what the client's push handler receives (JSON, no message content), encrypted by the sender
 */
public record PushMessage(String pushId, String collapseKey, Duration ttl, String urgency, byte[] payload) {
}
