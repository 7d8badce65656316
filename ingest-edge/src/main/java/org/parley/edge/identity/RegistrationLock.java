package org.parley.edge.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.parley.edge.presence.PresenceStore;

/**
 * The registration lock (Signal's): a PIN the user set from its primary that a re-registration must also present,
 * so a proven phone number alone (a SIM swap, an intercepted SMS) does not take the account over. It holds while the
 * user was seen within {@code inactiveAfter} (presence: any of its devices connected); a user away longer may
 * re-register without it, and the lock is then dropped. PINs are stored as salted PBKDF2-HMAC-SHA256.
 */
public record RegistrationLock(PresenceStore presence, Duration inactiveAfter, int iterations) {
    /** PINs are 4 to 64 characters. */
    public static final int MIN_PIN = 4;
    public static final int MAX_PIN = 64;

    public RegistrationLock {
        if (iterations < 1) {
            throw new IllegalArgumentException("identity.lock-pbkdf2-iterations must be at least 1");
        }
    }

    /** {@code pbkdf2-sha256:<iterations>:<salt>:<hash>} (base64). Slow by design: call off the event loop. */
    public String encode(String pin) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return "pbkdf2-sha256:" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(derive(pin, salt, iterations));
    }

    /** Whether {@code pin} is the one {@code encoded} was made from. Slow by design: call off the event loop. */
    public static boolean matches(String encoded, String pin) {
        String[] parts = encoded.split(":");
        if (parts.length != 4 || !"pbkdf2-sha256".equals(parts[0])) {
            return false;
        }
        byte[] expected = Base64.getDecoder().decode(parts[3]);
        byte[] actual = derive(pin, Base64.getDecoder().decode(parts[2]), Integer.parseInt(parts[1]));
        return MessageDigest.isEqual(expected, actual);
    }

    private static byte[] derive(String pin, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(pin.toCharArray(), salt, iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }

    static boolean validPin(Object pin) {
        return pin instanceof String p && p.length() >= MIN_PIN && p.length() <= MAX_PIN
                && p.getBytes(StandardCharsets.UTF_8).length <= 4 * MAX_PIN;
    }
}
