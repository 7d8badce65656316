package org.parley.push.webpush;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Properties;
import org.parley.config.Settings;

/**
 * The application server's VAPID key pair (RFC 8292), P-256. Browsers bind a subscription to the public key given
 * as {@code applicationServerKey} when subscribing, so it must stay the same across restarts: configured
 * ({@code push.vapid-private-key} and {@code push.vapid-public-key}, base64url) or kept in
 * {@code <data.dir>/data/push/vapid.properties}, generated there on first start.
 */
public record VapidKeys(ECPublicKey publicKey, ECPrivateKey privateKey) {

    /** The public key as clients pass it to {@code pushManager.subscribe} and as the {@code k} parameter. */
    public String publicKeyBase64Url() {
        return Base64Url.encode(P256.encode(publicKey));
    }

    public static VapidKeys of(String publicKeyBase64Url, String privateKeyBase64Url) {
        return new VapidKeys(P256.publicKey(Base64Url.decode(publicKeyBase64Url)),
                P256.privateKey(Base64Url.decode(privateKeyBase64Url)));
    }

    public static VapidKeys generate() {
        KeyPair kp = P256.generate();
        return new VapidKeys((ECPublicKey) kp.getPublic(), (ECPrivateKey) kp.getPrivate());
    }

    /** Configured keys, else the data folder's file, else a new pair written to that file. */
    public static VapidKeys load(Settings s) {
        String pub = s.find("push.vapid-public-key").orElse("");
        String priv = s.find("push.vapid-private-key").orElse("");
        if (!pub.isBlank() || !priv.isBlank()) {
            if (pub.isBlank() || priv.isBlank()) {
                throw new IllegalStateException("set both push.vapid-public-key and push.vapid-private-key, or neither");
            }
            return of(pub, priv);
        }
        return loadOrCreate(Path.of(s.get("data.dir")).resolve("data").resolve("push").resolve("vapid.properties"));
    }

    public static VapidKeys loadOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    p.load(in);
                }
                return of(p.getProperty("publicKey"), p.getProperty("privateKey"));
            }
            VapidKeys keys = generate();
            Files.createDirectories(file.getParent());
            // A temporary file of this process's own: two dispatchers of one data folder (the cluster topology) may
            // start together.
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
            Properties p = new Properties();
            p.setProperty("publicKey", keys.publicKeyBase64Url());
            p.setProperty("privateKey", Base64Url.encode(P256.encode(keys.privateKey())));
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "Parley VAPID key pair (RFC 8292), generated on first start. Keep it: subscriptions "
                        + "are bound to the public key.");
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the folder's permissions protect it
            }
            // Atomic and never replacing: of two dispatchers starting together the first pair wins, and both use it
            // (a replacing move let the first keep signing with a pair the file no longer held).
            try {
                Files.createLink(file, tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // the other one made it first
            } finally {
                Files.deleteIfExists(tmp);
            }
            return loadOrCreate(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the VAPID keys at " + file, e);
        }
    }
}
