package org.parley.push.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;

class VapidKeysTest {
    @Test
    void generatedOnFirstStartIntoTheDataFolderAndTheSameAfterwards(@TempDir Path dir) {
        Settings s = Settings.of(Map.of("data.dir", dir.toString()));

        VapidKeys first = VapidKeys.load(s);
        VapidKeys again = VapidKeys.load(s);

        assertThat(dir.resolve("data/push/vapid.properties")).exists();
        assertThat(again.publicKeyBase64Url()).isEqualTo(first.publicKeyBase64Url());
        assertThat(again.privateKey().getS()).isEqualTo(first.privateKey().getS());
        assertThat(Base64Url.decode(first.publicKeyBase64Url())).hasSize(65);
    }

    @Test
    void configuredKeysWinAndMustComeInPairs(@TempDir Path dir) {
        VapidKeys k = VapidKeys.generate();
        String priv = Base64Url.encode(P256.encode(k.privateKey()));
        Settings s = Settings.of(Map.of("data.dir", dir.toString(), "push.vapid-public-key", k.publicKeyBase64Url(),
                "push.vapid-private-key", priv));

        assertThat(VapidKeys.load(s).publicKeyBase64Url()).isEqualTo(k.publicKeyBase64Url());
        assertThat(Files.exists(dir.resolve("data/push/vapid.properties"))).isFalse();
        assertThatThrownBy(() -> VapidKeys.load(Settings.of(Map.of("push.vapid-public-key", k.publicKeyBase64Url()))))
                .isInstanceOf(IllegalStateException.class);
    }

    /** Two dispatchers of one data folder starting together (the cluster topology) sign with one and the same pair. */
    @Test
    void twoDispatchersStartingTogetherUseTheSamePair(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 30; round++) {
            Path file = dir.resolve("round-" + round).resolve("vapid.properties");
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.Callable<String> start = () -> {
                together.await();
                return VapidKeys.loadOrCreate(file).publicKeyBase64Url();
            };
            var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var a = pool.submit(start);
                var b = pool.submit(start);
                assertThat(a.get()).as("round %d", round).isEqualTo(b.get())
                        .isEqualTo(VapidKeys.loadOrCreate(file).publicKeyBase64Url());
            } finally {
                pool.shutdownNow();
            }
            try (var left = Files.list(file.getParent())) {
                assertThat(left).as("no temporary file left").containsExactly(file);
            }
        }
    }
}
