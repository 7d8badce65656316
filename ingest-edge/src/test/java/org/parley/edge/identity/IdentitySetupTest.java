package org.parley.edge.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;

@ExtendWith(VertxExtension.class)
class IdentitySetupTest {
    @Test
    void theDefaultsAreTheDocumentedOnes() {
        Settings s = Settings.of(Map.of());
        assertThat(IdentitySetup.limits(s)).isEqualTo(new VerificationCodes.Limits(6, Duration.ofMinutes(10), 5,
                Duration.ofHours(1), 5, Duration.ofSeconds(30), 10));
        assertThat(s.get("identity.sender")).isEqualTo("file");
        assertThat(s.getInt("identity.lock-inactive-days")).isEqualTo(7);
        assertThat(s.getInt("identity.lock-pbkdf2-iterations")).isEqualTo(310_000);
        assertThat(IdentitySetup.exempt(s)).containsExactlyInAnyOrder("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(IdentitySetup.exempt(s.with(Map.of("identity.rate-limit-exempt-addresses", "")))).isEmpty();
    }

    @Test
    void theHashKeyIsMadeOnceForADataFolderOrTakenFromTheSettings(@TempDir Path dir) throws Exception {
        Settings s = Settings.of(Map.of("data.dir", dir.toString()));
        byte[] first = IdentitySetup.hashKey(s);
        assertThat(first).hasSize(32);
        assertThat(IdentitySetup.hashKey(s)).isEqualTo(first); // a second edge of the same folder agrees
        assertThat(Files.list(dir.resolve("data/identity"))).extracting(p -> p.getFileName().toString())
                .containsExactly("code-hash.key");
        byte[] configured = new byte[40];
        configured[0] = 7;
        assertThat(IdentitySetup.hashKey(s.with(Map.of("identity.code-hash-key",
                Base64.getEncoder().encodeToString(configured))))).isEqualTo(configured);
        assertThatThrownBy(() -> IdentitySetup.hashKey(s.with(Map.of("identity.code-hash-key", "c2hvcnQ="))))
                .hasMessageContaining("32 bytes");
    }

    @Test
    void aMisconfiguredSenderStopsTheStart(Vertx vertx) {
        assertThatThrownBy(() -> IdentitySetup.sender(vertx, Settings.of(Map.of("identity.sender", "http"))))
                .hasMessageContaining("identity.http-sender.url");
        assertThatThrownBy(() -> IdentitySetup.sender(vertx, Settings.of(Map.of("identity.sender", "carrier-pigeon"))))
                .hasMessageContaining("file or http");
        assertThatThrownBy(() -> IdentitySetup.sender(vertx, Settings.of(Map.of("identity.sender", "http",
                "identity.http-sender.url", "ftp://gateway.example/")))).hasMessageContaining("http(s)");
        assertThat(IdentitySetup.sender(vertx, Settings.of(Map.of("identity.sender", "http",
                "identity.http-sender.url", "https://gateway.example/v1/codes"))).describe())
                .isEqualTo("http (https://gateway.example/v1/codes)");
    }
}
