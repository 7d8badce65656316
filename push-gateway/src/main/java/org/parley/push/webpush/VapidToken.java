package org.parley.push.webpush;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;

/**
 * RFC 8292 VAPID: a JWT signed with ES256 (raw r||s signature, RFC 7518 §3.4) naming the push service's origin as
 * audience, an expiry within 24 hours and a contact subject, sent as
 * {@code Authorization: vapid t=<jwt>, k=<public key>}.
 */
public final class VapidToken {
    /** RFC 8292 §2: no more than 24 hours; 12 leaves room for clock skew. */
    public static final Duration VALIDITY = Duration.ofHours(12);

    private final VapidKeys keys;
    private final String subject;
    private final Clock clock;

    public VapidToken(VapidKeys keys, String subject, Clock clock) {
        if (!subject.startsWith("mailto:") && !subject.startsWith("https:")) {
            throw new IllegalArgumentException("the VAPID subject must be a mailto: or https: URI, got " + subject);
        }
        if (subject.contains("\"") || subject.contains("\\")) {
            throw new IllegalArgumentException("the VAPID subject must not contain quotes or backslashes");
        }
        this.keys = keys;
        this.subject = subject;
        this.clock = clock;
    }

    /** The push service's origin: scheme://host[:port] of the endpoint (RFC 8292 §2, "aud"). */
    public static String audience(URI endpoint) {
        String origin = endpoint.getScheme() + "://" + endpoint.getHost();
        return endpoint.getPort() == -1 ? origin : origin + ":" + endpoint.getPort();
    }

    /** The Authorization header value for a request to this endpoint. */
    public String authorization(URI endpoint) {
        long exp = clock.instant().plus(VALIDITY).getEpochSecond();
        String header = b64("{\"typ\":\"JWT\",\"alg\":\"ES256\"}");
        String claims = b64("{\"aud\":\"" + audience(endpoint) + "\",\"exp\":" + exp + ",\"sub\":\"" + subject + "\"}");
        String signingInput = header + "." + claims;
        try {
            Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format"); // r||s, 64 bytes, as JWS wants
            es256.initSign(keys.privateKey());
            es256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            String jwt = signingInput + "." + Base64Url.encode(es256.sign());
            return "vapid t=" + jwt + ", k=" + keys.publicKeyBase64Url();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String json) {
        return Base64Url.encode(json.getBytes(StandardCharsets.UTF_8));
    }
}
