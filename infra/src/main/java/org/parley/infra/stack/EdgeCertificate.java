package org.parley.infra.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * edge.tls=self-signed: a certificate for the local edges, made once per data folder with the JDK's keytool
 * ({@code <data.dir>/data/tls}: edge.p12, its password in edge.p12.password, the certificate for clients in
 * edge-cert.pem), for localhost, 127.0.0.1 and bind.host.
 */
final class EdgeCertificate {
    private static final SecureRandom RANDOM = new SecureRandom();

    private EdgeCertificate() {
    }

    /** The subject alternative names for a bind host. */
    static String san(String host) {
        String san = "dns:localhost,ip:127.0.0.1";
        if (host.matches("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+")) {
            if (!host.equals("127.0.0.1")) {
                san += ",ip:" + host;
            }
        } else if (!host.equals("localhost")) {
            san += ",dns:" + host;
        }
        return san;
    }

    static void ensure(StackSettings settings, Console console) {
        if (!settings.get("edge.tls", "off").equals("self-signed")) {
            return;
        }
        Path dir = settings.data().resolve("tls");
        Path keystore = dir.resolve("edge.p12");
        Path password = dir.resolve("edge.p12.password");
        if (Files.isRegularFile(keystore) && Files.isRegularFile(password)) {
            return;
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new StackException("edge.tls=self-signed needs the JDK's keytool (" + keytool + " not found)");
        }
        String san = san(settings.host());
        Path log = settings.logs().resolve("tls.log");
        try {
            Files.createDirectories(dir);
            StackSupervisor.ownerOnly(dir, "rwx------");
            Files.deleteIfExists(keystore);
            Files.writeString(password, StackSupervisor.randomToken(() -> {
                byte[] b = new byte[24];
                RANDOM.nextBytes(b);
                return b;
            }));
            StackSupervisor.ownerOnly(password, "rw-------");
            boolean ok = run(log, List.of(keytool.toString(), "-genkeypair", "-alias", "edge", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-validity", "365", "-dname", "CN=Parley local edge", "-ext", "SAN=" + san,
                    "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass:file", password.toString(),
                    "-keypass:file", password.toString()))
                    && run(log, List.of(keytool.toString(), "-exportcert", "-rfc", "-alias", "edge", "-keystore",
                    keystore.toString(), "-storetype", "PKCS12", "-storepass:file", password.toString(), "-file",
                    dir.resolve("edge-cert.pem").toString()));
            if (!ok) {
                Files.deleteIfExists(keystore);
                Files.deleteIfExists(password);
                throw new StackException("keytool could not create the edge certificate (log: " + log + ")");
            }
            StackSupervisor.ownerOnly(keystore, "rw-------");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        console.say("edge.tls=self-signed: created " + keystore + " (" + san + "); clients trust " + dir.resolve("edge-cert.pem"));
    }

    private static boolean run(Path log, List<String> command) throws IOException {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().close();
        try {
            return p.waitFor() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }
}
