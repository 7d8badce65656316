package org.parley.push.testing;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import org.parley.push.PushSubscription;
import org.parley.push.webpush.Base64Url;
import org.parley.push.webpush.P256;

/**
 * A user agent's side of one subscription: its P-256 key pair and auth secret, what a browser keeps after
 * {@code pushManager.subscribe()}. {@link #endpoint}, {@link #p256dh()} and {@link #auth()} are what the client
 * sends to {@code PUT /v1/push-subscription}.
 */
public record WebPushSubscriber(String id, String endpoint, KeyPair keys, byte[] authSecret,
        String applicationServerKey) {

    private static final SecureRandom RANDOM = new SecureRandom();

    static WebPushSubscriber create(String id, String endpoint, String applicationServerKey) {
        byte[] auth = new byte[16];
        RANDOM.nextBytes(auth);
        return new WebPushSubscriber(id, endpoint, P256.generate(), auth, applicationServerKey);
    }

    public String p256dh() {
        return Base64Url.encode(P256.encode(publicKey()));
    }

    public String auth() {
        return Base64Url.encode(authSecret);
    }

    public ECPublicKey publicKey() {
        return (ECPublicKey) keys.getPublic();
    }

    public ECPrivateKey privateKey() {
        return (ECPrivateKey) keys.getPrivate();
    }

    public PushSubscription subscription(String deviceId) {
        return new PushSubscription(deviceId, PushSubscription.WEB_PUSH, endpoint, p256dh(), auth());
    }
}
