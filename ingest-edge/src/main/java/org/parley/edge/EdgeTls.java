package org.parley.edge;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.KeyStoreOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.parley.config.Settings;

/**
 * Whether and how the edge serves TLS ({@code https://} and {@code wss://} on its one port). {@code edge.tls}:
 * <ul>
 *   <li>{@code off} (default): plain http/ws, for the local stack on 127.0.0.1 or behind a TLS-terminating load
 *       balancer;</li>
 *   <li>{@code pem}: {@code edge.tls.cert-file} (the certificate chain, PEM) and {@code edge.tls.key-file} (its
 *       private key, PEM, PKCS#8 or PKCS#1);</li>
 *   <li>{@code keystore}: {@code edge.tls.keystore-file}, {@code edge.tls.keystore-password},
 *       {@code edge.tls.keystore-type} (PKCS12 by default, or JKS);</li>
 *   <li>{@code self-signed}: the keystore {@code ./parley up} generates on first use in
 *       {@code <data.dir>/data/tls/} ({@code edge.p12}, its password in {@code edge.p12.password}, the certificate
 *       for clients to trust in {@code edge-cert.pem}), for trying TLS locally.</li>
 * </ul>
 * TLS 1.2 and 1.3 only (Vert.x's defaults). A missing or unreadable file stops the edge at start with the setting's
 * name.
 */
public final class EdgeTls {
    private final String mode;
    private final KeyCertOptions keyCert;

    private EdgeTls(String mode, KeyCertOptions keyCert) {
        this.mode = mode;
        this.keyCert = keyCert;
    }

    public static EdgeTls off() {
        return new EdgeTls("off", null);
    }

    public static EdgeTls pem(Path certFile, Path keyFile) {
        readable(certFile, "edge.tls.cert-file");
        readable(keyFile, "edge.tls.key-file");
        return new EdgeTls("pem", new PemKeyCertOptions().setCertPath(certFile.toString())
                .setKeyPath(keyFile.toString()));
    }

    public static EdgeTls keystore(Path file, String password, String type) {
        return keystore("keystore", file, password, type);
    }

    private static EdgeTls keystore(String mode, Path file, String password, String type) {
        readable(file, "edge.tls.keystore-file");
        return new EdgeTls(mode, new KeyStoreOptions().setType(type).setPath(file.toString()).setPassword(password));
    }

    /** The keystore {@code ./parley up} generates for {@code edge.tls=self-signed}. */
    public static Path selfSignedKeystore(Settings s) {
        return Path.of(s.get("data.dir")).resolve("data").resolve("tls").resolve("edge.p12");
    }

    public static EdgeTls from(Settings s) {
        String mode = s.find("edge.tls").orElse("off").toLowerCase(Locale.ROOT);
        switch (mode) {
            case "off":
                return off();
            case "pem":
                return pem(path(s, "edge.tls.cert-file"), path(s, "edge.tls.key-file"));
            case "keystore":
                return keystore(path(s, "edge.tls.keystore-file"), s.find("edge.tls.keystore-password").orElse(""),
                        s.find("edge.tls.keystore-type").orElse("PKCS12"));
            case "self-signed": {
                Path keystore = selfSignedKeystore(s);
                Path passwordFile = keystore.resolveSibling("edge.p12.password");
                if (!Files.isReadable(keystore) || !Files.isReadable(passwordFile)) {
                    throw new IllegalStateException("edge.tls=self-signed: " + keystore + " or " + passwordFile
                            + " is missing; ./parley up creates them (or use edge.tls=pem/keystore with your own)");
                }
                try {
                    return keystore("self-signed", keystore, Files.readString(passwordFile).trim(), "PKCS12");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + passwordFile, e);
                }
            }
            default:
                throw new IllegalStateException("edge.tls must be off, pem, keystore or self-signed, got '" + mode + "'");
        }
    }

    public boolean enabled() {
        return keyCert != null;
    }

    /** {@code https} or {@code http}. */
    public String httpScheme() {
        return enabled() ? "https" : "http";
    }

    /** {@code wss} or {@code ws}. */
    public String webSocketScheme() {
        return enabled() ? "wss" : "ws";
    }

    /** Turns TLS on in the server options (nothing when off). */
    public HttpServerOptions apply(HttpServerOptions options) {
        if (enabled()) {
            options.setSsl(true).setKeyCertOptions(keyCert);
        }
        return options;
    }

    @Override
    public String toString() {
        return "edge.tls=" + mode;
    }

    private static Path path(Settings s, String key) {
        return Path.of(s.find(key).orElseThrow(() -> new IllegalStateException(
                "edge.tls=" + s.get("edge.tls") + " needs " + key)));
    }

    private static void readable(Path file, String key) {
        if (!Files.isReadable(file)) {
            throw new IllegalStateException(key + ": " + file.toAbsolutePath() + " does not exist or is not readable");
        }
    }
}
