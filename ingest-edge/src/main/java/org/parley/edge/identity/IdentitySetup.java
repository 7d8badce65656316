package org.parley.edge.identity;

import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import java.util.stream.Collectors;
import org.parley.config.Settings;
import org.parley.edge.log.ActionLog;
import org.parley.edge.presence.PresenceStore;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.schemas.CodeOutbox;

/** Builds {@link IdentityRegistration} from the {@code identity.*} settings (docs/security.md, docs/operations.md). */
public final class IdentitySetup {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IdentitySetup.class);
    /** Entries of the per-address tables one edge keeps at most. */
    static final int MAX_ADDRESSES = 100_000;

    private IdentitySetup() {
    }

    public static IdentityRegistration from(Vertx vertx, Settings s, CqlSession cql, ActionLog log,
                                            EdgeReadModel readModel, int edgeId, PresenceStore presence) throws IOException {
        Clock clock = Clock.systemUTC();
        CodeSender sender = sender(vertx, s);
        if (sender instanceof FileCodeSender) {
            LOG.warn("registration codes are written to a local file, not sent: {}. Fine for the local stack and"
                    + " tests; production sets identity.sender=http (docs/security.md)", sender.describe());
        } else {
            LOG.info("registration codes are sent by {}", sender.describe());
        }
        VerificationCodes codes = new VerificationCodes(new CqlCodeStore(vertx, cql), sender, limits(s), clock,
                hashKey(s));
        Duration window = limits(s).window();
        Set<String> exempt = exempt(s);
        return new IdentityRegistration(codes, new CqlIdentityStore(vertx, cql),
                new AddressLimiter(s.getInt("identity.code-sends-per-address"), window, exempt, clock, MAX_ADDRESSES),
                new AddressLimiter(s.getInt("identity.verifications-per-address"), window, exempt, clock, MAX_ADDRESSES),
                log, readModel, edgeId, s.getInt("identity.announce-parallelism"), clock, new RegistrationLock(presence,
                        Duration.ofDays(s.getLong("identity.lock-inactive-days")), s.getInt("identity.lock-pbkdf2-iterations")));
    }

    public static VerificationCodes.Limits limits(Settings s) {
        return new VerificationCodes.Limits(s.getInt("identity.code-digits"),
                Duration.ofSeconds(s.getLong("identity.code-ttl-seconds")), s.getInt("identity.code-max-attempts"),
                Duration.ofSeconds(s.getLong("identity.rate-window-seconds")),
                s.getInt("identity.code-sends-per-identifier"),
                Duration.ofSeconds(s.getLong("identity.code-resend-interval-seconds")),
                s.getInt("identity.verify-failures-per-identifier"));
    }

    public static Set<String> exempt(Settings s) {
        return Arrays.stream(s.find("identity.rate-limit-exempt-addresses").orElse("").split(","))
                .map(String::strip).filter(a -> !a.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    /** {@code identity.sender}: {@code file} (local stack, tests) or {@code http} (a gateway for SMS and e-mail). */
    public static CodeSender sender(Vertx vertx, Settings s) {
        String kind = s.get("identity.sender").strip();
        return switch (kind) {
            case "file" -> new FileCodeSender(vertx, CodeOutbox.dir(s));
            case "http" -> {
                String url = s.find("identity.http-sender.url").orElse("").strip();
                if (url.isEmpty()) {
                    throw new IllegalArgumentException("identity.sender=http needs identity.http-sender.url");
                }
                yield new HttpCodeSender(vertx, URI.create(url), s.find("identity.http-sender.authorization").orElse(""),
                        s.getLong("identity.http-sender.timeout-ms"));
            }
            default -> throw new IllegalArgumentException("identity.sender must be file or http, not " + kind);
        };
    }

    /**
     * The HMAC key codes are hashed with: {@code identity.code-hash-key} (base64, at least 32 bytes; set the same on
     * every edge host), else {@code <data.dir>/data/identity/code-hash.key}, created on first start.
     */
    static byte[] hashKey(Settings s) throws IOException {
        String configured = s.find("identity.code-hash-key").orElse("").strip();
        if (!configured.isEmpty()) {
            byte[] key = Base64.getDecoder().decode(configured);
            if (key.length < 32) {
                throw new IllegalArgumentException("identity.code-hash-key must decode to at least 32 bytes");
            }
            return key;
        }
        Path file = Path.of(s.get("data.dir"), "data", "identity", "code-hash.key");
        if (Files.exists(file)) {
            return Base64.getDecoder().decode(Files.readString(file).strip());
        }
        Files.createDirectories(file.getParent());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = Files.createTempFile(file.getParent(), ".key-", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's permissions apply
        }
        Files.writeString(tmp, Base64.getEncoder().encodeToString(key));
        try {
            Files.createLink(file, tmp); // atomic: fails if another edge of this data folder made the key first
            return key;
        } catch (FileAlreadyExistsException e) {
            return Base64.getDecoder().decode(Files.readString(file).strip());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
