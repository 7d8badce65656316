package org.parley.push.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A push the local endpoint accepted: VAPID verified, payload decrypted.
 *
 * @param receivedAtMillis wall clock when the request arrived (latency: compare with the client's send time)
 * @param vapidSubject the JWT's {@code sub}
 * @param vapidKey the {@code k} the request was signed with
 */
public record ReceivedPush(String subscriberId, byte[] plaintext, long ttlSeconds, String urgency, String topic,
        String vapidSubject, String vapidKey, long receivedAtMillis) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String text() {
        return new String(plaintext, StandardCharsets.UTF_8);
    }

    /** The payload as JSON (Parley's pushes are JSON objects). */
    public JsonNode json() {
        try {
            return JSON.readTree(plaintext);
        } catch (IOException e) {
            throw new UncheckedIOException("push payload is not JSON: " + text(), e);
        }
    }
}
