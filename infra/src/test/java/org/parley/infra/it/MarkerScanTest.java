package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marker scan finds its marker in every form and at every base64 alignment, and nothing else. */
class MarkerScanTest {
    private static final String MARKER = "mk-3f9c2a71d0e84b5c9a16f0d2c7e4b813";

    @TempDir
    Path dir;

    private static byte[] around(String prefix, String suffix) {
        return (prefix + MARKER + suffix).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findsTheMarkerInPlainHexAndBase64AtEachOffset() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/kafka/actions-0"));
        Files.write(data.resolve("plain.log"), around("{\"text\":\"", "\"}"));
        Files.writeString(data.resolve("hex.log"), "0x" + HexFormat.of().formatHex(around("a", "b")));
        for (String prefix : new String[] {"", "x", "xy", "xyz", "xyzw"}) {
            Files.writeString(data.resolve("b64-" + prefix.length()), "payload=" + Base64.getEncoder()
                    .encodeToString(around(prefix, "tail")) + ";");
            Files.writeString(data.resolve("b64url-" + prefix.length()), Base64.getUrlEncoder()
                    .encodeToString(("\u00ff\u00fe" + prefix + MARKER + "?>").getBytes(StandardCharsets.ISO_8859_1)));
        }
        Files.writeString(data.resolve("other"), "nothing here but mk-3f9c2a71d0e84b5c9a16f0d2c7e4b81");

        MarkerScan.Result r = MarkerScan.scan(MARKER, dir.resolve("data"), dir.resolve("logs-that-do-not-exist"));

        assertThat(r.files()).isEqualTo(13);
        assertThat(r.hits()).extracting(h -> h.file().getFileName().toString()).contains("plain.log", "hex.log",
                "b64-0", "b64-1", "b64-2", "b64-3", "b64-4", "b64url-0", "b64url-1", "b64url-2", "b64url-3", "b64url-4")
                .doesNotContain("other");
        assertThat(r.hitsUnder("/data/kafka/")).isEqualTo(r.hits().size());
        assertThat(r.byArea()).containsKey("data/kafka");
    }

    @Test
    void aCiphertextOfTheMarkerIsNotAHit() throws Exception {
        Files.createDirectories(dir.resolve("s3"));
        byte[] plain = around("secret: ", "");
        byte[] scrambled = plain.clone();
        for (int i = 0; i < scrambled.length; i++) {
            scrambled[i] ^= 0x5a;
        }
        Files.write(dir.resolve("s3/object"), scrambled);
        assertThat(MarkerScan.scan(MARKER, dir).hits()).isEmpty();
        Files.write(dir.resolve("s3/object"), plain);
        assertThat(MarkerScan.scan(MARKER, dir).hits()).hasSize(1);
    }
}
