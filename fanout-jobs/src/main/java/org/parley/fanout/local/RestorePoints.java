package org.parley.fanout.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the newest completed checkpoint or savepoint to restore from, and prunes the ones no longer needed.
 *
 * <p>Layout (Flink's): checkpoints are {@code <checkpoints>/<job id>/chk-<n>/_metadata}, savepoints
 * {@code <savepoints>/savepoint-<id>/_metadata}. A directory counts only once its {@code _metadata} exists (Flink
 * writes it last, through a rename). Each start of the local job gets a new job id, so checkpoint numbers of
 * different runs are not comparable: the newest {@code _metadata} (by modification time, then number) wins.
 */
public final class RestorePoints {
    private static final Logger LOG = LoggerFactory.getLogger(RestorePoints.class);
    private static final Pattern CHK = Pattern.compile("chk-(\\d+)");
    private static final String METADATA = "_metadata";

    private final Path checkpointsDir;
    private final Path savepointsDir;

    public RestorePoints(Path checkpointsDir, Path savepointsDir) {
        this.checkpointsDir = checkpointsDir;
        this.savepointsDir = savepointsDir;
    }

    /** A completed checkpoint or savepoint directory. */
    public record Point(Path dir, FileTime completedAt, long number, boolean savepoint) {
    }

    /** The newest completed checkpoint or savepoint, if any. */
    public Optional<Point> latest() {
        return all().stream().max(Comparator.comparing(Point::completedAt).thenComparingLong(Point::number));
    }

    /** Every completed checkpoint and savepoint. */
    public List<Point> all() {
        List<Point> points = new ArrayList<>();
        for (Path jobDir : children(checkpointsDir)) {
            for (Path chk : children(jobDir)) {
                Matcher m = CHK.matcher(chk.getFileName().toString());
                if (m.matches()) {
                    completedAt(chk).ifPresent(t -> points.add(new Point(chk, t, Long.parseLong(m.group(1)), false)));
                }
            }
        }
        for (Path sp : children(savepointsDir)) {
            if (sp.getFileName().toString().startsWith("savepoint-")) {
                completedAt(sp).ifPresent(t -> points.add(new Point(sp, t, 0, true)));
            }
        }
        return points;
    }

    /**
     * Deletes every checkpoint job directory and savepoint other than {@code keep}'s (a new job restoring from
     * {@code keep} writes its own checkpoints into a new job directory; Flink itself keeps only the newest
     * checkpoint of each job, never deletes savepoints, and never deletes a cancelled job's directory).
     */
    public void pruneAllBut(Optional<Point> keep) {
        Path keepJobDir = keep.filter(p -> !p.savepoint()).map(p -> p.dir().getParent()).orElse(null);
        Path keepSavepoint = keep.filter(Point::savepoint).map(Point::dir).orElse(null);
        for (Path jobDir : children(checkpointsDir)) {
            if (!jobDir.equals(keepJobDir)) {
                delete(jobDir);
            }
        }
        for (Path sp : children(savepointsDir)) {
            if (!sp.equals(keepSavepoint)) {
                delete(sp);
            }
        }
    }

    private static Optional<FileTime> completedAt(Path dir) {
        Path metadata = dir.resolve(METADATA);
        try {
            return Files.isRegularFile(metadata) && Files.size(metadata) > 0
                    ? Optional.of(Files.getLastModifiedTime(metadata)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static void delete(Path dir) {
        LOG.info("pruning old checkpoint/savepoint directory {}", dir);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
