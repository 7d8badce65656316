package org.parley.edge.http;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.projections.DeviceDirectory;

/**
 * Bearer tokens: {@code <deviceId>.<32 random bytes, base64url>}. Only the SHA-256 of the token is stored; the
 * device id prefix finds the row, a constant-time comparison checks the hash.
 */
public class DeviceTokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final EdgeReadModel readModel;

    public DeviceTokens(EdgeReadModel readModel) {
        this.readModel = readModel;
    }

    public static String newToken(String deviceId) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return deviceId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The device this token authenticates, or empty (unknown device, wrong secret, revoked). */
    public Future<Optional<DeviceDirectory.Device>> authenticate(String token) {
        int dot = token == null ? -1 : token.indexOf('.');
        if (dot <= 0 || token.length() > 256) {
            return Future.succeededFuture(Optional.empty());
        }
        String presented = hash(token);
        return readModel.device(token.substring(0, dot)).map(found -> found.filter(d -> !d.revoked()
                && MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
                        d.tokenHash().getBytes(StandardCharsets.US_ASCII))));
    }
}
