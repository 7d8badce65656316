package org.parley.fanout.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestorePointsTest {
    @TempDir
    Path root;

    private Path checkpoints() {
        return root.resolve("checkpoints");
    }

    private Path savepoints() {
        return root.resolve("savepoints");
    }

    private static Path completed(Path dir, long epochSecond) throws IOException {
        Files.createDirectories(dir);
        Path metadata = Files.write(dir.resolve("_metadata"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(metadata, FileTime.from(Instant.ofEpochSecond(epochSecond)));
        return dir;
    }

    @Test
    void nothingToRestoreWithoutACompletedCheckpoint() throws IOException {
        RestorePoints points = new RestorePoints(checkpoints(), savepoints());
        assertThat(points.latest()).isEmpty();

        Files.createDirectories(checkpoints().resolve("job-a/chk-3")); // in progress: no _metadata yet
        Files.createDirectories(checkpoints().resolve("job-a/shared"));
        assertThat(points.latest()).isEmpty();
    }

    @Test
    void theNewestCompletedCheckpointOfAnyRunWins() throws IOException {
        completed(checkpoints().resolve("job-a/chk-40"), 1_000);
        Path newest = completed(checkpoints().resolve("job-b/chk-2"), 2_000); // a later run, lower number
        Files.createDirectories(checkpoints().resolve("job-b/chk-3"));        // in progress

        Optional<RestorePoints.Point> latest = new RestorePoints(checkpoints(), savepoints()).latest();

        assertThat(latest).map(RestorePoints.Point::dir).contains(newest);
        assertThat(latest).map(RestorePoints.Point::savepoint).contains(false);
    }

    @Test
    void aSavepointNewerThanEveryCheckpointWins() throws IOException {
        completed(checkpoints().resolve("job-a/chk-7"), 1_000);
        Path sp = completed(savepoints().resolve("savepoint-abc123-0123456789ab"), 1_500);

        assertThat(new RestorePoints(checkpoints(), savepoints()).latest()).map(RestorePoints.Point::dir).contains(sp);
    }

    @Test
    void pruningKeepsOnlyTheRunBeingRestored() throws IOException {
        completed(checkpoints().resolve("job-a/chk-40"), 1_000);
        Path keep = completed(checkpoints().resolve("job-b/chk-2"), 2_000);
        completed(savepoints().resolve("savepoint-old"), 500);
        RestorePoints points = new RestorePoints(checkpoints(), savepoints());

        points.pruneAllBut(points.latest());

        assertThat(checkpoints().resolve("job-a")).doesNotExist();
        assertThat(savepoints().resolve("savepoint-old")).doesNotExist();
        assertThat(keep.resolve("_metadata")).exists();
        assertThat(points.latest()).map(RestorePoints.Point::dir).contains(keep);
    }
}
