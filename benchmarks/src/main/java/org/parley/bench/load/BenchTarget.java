package org.parley.bench.load;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.parley.config.Settings;

/**
 * Where a harness run points: the edge, ./parley's run folder (pid files), the device cache and the output folder,
 * from the options or else the settings ./parley passes (PARLEY_CONFIG).
 */
record BenchTarget(String edgeBase, Path runDir, Path deviceCache, Path outDir) {
    static BenchTarget resolve(Settings settings, String edge, Path runDir, Path devicesFile, Path out, String outPrefix)
            throws IOException {
        String edgeBase = edge != null ? edge : "http://" + settings.host() + ":" + settings.edgePort(0);
        Path dataDir = Path.of(settings.find("data.dir").orElse(".parley"));
        // Under data/, beside the registrations it names: ./parley up --clean deletes both together.
        Path cache = devicesFile != null ? devicesFile
                : dataDir.resolve("data").resolve("bench").resolve("devices-" + URI.create(edgeBase).getPort() + ".tsv");
        Path outDir = out != null ? out : Path.of("benchmarks", "target", outPrefix + "-" + System.currentTimeMillis());
        Files.createDirectories(outDir);
        return new BenchTarget(edgeBase, runDir != null ? runDir : dataDir.resolve("run"), cache, outDir);
    }
}
