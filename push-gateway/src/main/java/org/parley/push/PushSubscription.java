package org.parley.push;

/**
 * Where a device's pushes go, as the device registered it ({@code PUT /v1/push-subscription}).
 *
 * @param kind which {@link PushSender} serves it: {@code webpush} (RFC 8030); FCM/APNs senders would add
 *     {@code fcm}/{@code apns}, with the registration or device token in {@code endpoint} and no keys
 * @param endpoint the push resource URL (Web Push) or the platform token
 * @param p256dh Web Push: the user agent's P-256 public key, base64url of the 65-byte uncompressed point
 * @param auth Web Push: the 16-byte authentication secret, base64url
 */
public record PushSubscription(String deviceId, String kind, String endpoint, String p256dh, String auth) {
    public static final String WEB_PUSH = "webpush";
}
