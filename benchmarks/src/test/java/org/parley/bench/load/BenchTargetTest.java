package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.config.Settings;

class BenchTargetTest {
    @TempDir
    Path dir;

    @Test
    void theDeviceCacheLivesInTheDataThatUpCleanDeletes() throws Exception {
        Path dataDir = dir.resolve("stack");
        BenchTarget t = BenchTarget.resolve(Settings.of(Map.of("data.dir", dataDir.toString())), null, null, null,
                dir.resolve("out"), "load");
        // ./parley up --clean deletes <data.dir>/data: a cache kept outside it named devices the stack forgot (401).
        assertThat(t.deviceCache().startsWith(dataDir.resolve("data"))).as("%s under %s/data", t.deviceCache(), dataDir)
                .isTrue();
        assertThat(t.deviceCache().getFileName().toString()).startsWith("devices-").endsWith(".tsv");
    }

    @Test
    void anExplicitDeviceFileWins() throws Exception {
        Path file = dir.resolve("mine.tsv");
        assertThat(BenchTarget.resolve(Settings.of(Map.of()), "http://127.0.0.1:1234", null, file, dir.resolve("out"),
                "load").deviceCache()).isEqualTo(file);
    }
}
