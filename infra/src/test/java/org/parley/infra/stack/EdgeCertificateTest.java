package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeCertificateTest {
    @TempDir
    Path root;

    @Test
    void subjectNamesCoverLoopbackAndTheBindHost() {
        assertThat(EdgeCertificate.san("127.0.0.1")).isEqualTo("dns:localhost,ip:127.0.0.1");
        assertThat(EdgeCertificate.san("10.1.2.3")).isEqualTo("dns:localhost,ip:127.0.0.1,ip:10.1.2.3");
        assertThat(EdgeCertificate.san("chat.example")).isEqualTo("dns:localhost,ip:127.0.0.1,dns:chat.example");
        assertThat(EdgeCertificate.san("localhost")).isEqualTo("dns:localhost,ip:127.0.0.1");
    }

    @Test
    void selfSignedMakesAKeystoreItsPasswordAndThePemOnceAndNothingWhenOff() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        StackSettings off = StackSettings.load(root, Map.of());
        EdgeCertificate.ensure(off, console);
        assertThat(off.data().resolve("tls")).doesNotExist();

        StackSettings s = StackSettings.load(root, Map.of("PARLEY_EDGE_TLS", "self-signed"));
        EdgeCertificate.ensure(s, console);

        Path dir = s.data().resolve("tls");
        String password = Files.readString(dir.resolve("edge.p12.password"));
        assertThat(password).matches("[A-Za-z0-9]{20,}");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("edge.p12"))) {
            ks.load(in, password.toCharArray());
        }
        assertThat(ks.isKeyEntry("edge")).isTrue();
        X509Certificate pem;
        try (InputStream in = Files.newInputStream(dir.resolve("edge-cert.pem"))) {
            pem = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(pem).isEqualTo(ks.getCertificate("edge"));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("edge.tls=self-signed: created");

        long modified = Files.getLastModifiedTime(dir.resolve("edge.p12")).toMillis();
        out.reset();
        EdgeCertificate.ensure(s, console);
        assertThat(Files.getLastModifiedTime(dir.resolve("edge.p12")).toMillis()).isEqualTo(modified);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
