package org.parley.projections.media;

import com.datastax.oss.driver.api.core.CqlSession;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.parley.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media sweeper on a timer inside the projection writer process (no process of its own): one daemon thread that
 * sweeps every {@code media.sweep-interval-minutes} (0: never), the first time one interval after the start.
 * Several writers may run it: a sweep is idempotent, so two that overlap remove nothing twice that matters.
 */
public final class MediaSweeperTask implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MediaSweeperTask.class);

    private final ScheduledExecutorService timer;
    private final S3SweptObjects objects;

    private MediaSweeperTask(ScheduledExecutorService timer, S3SweptObjects objects) {
        this.timer = timer;
        this.objects = objects;
    }

    /** The rules the settings give: {@code media.retention-after-last-reference-days}, {@code media.orphan-upload-ttl-hours}. */
    public static MediaSweepRules rules(Settings settings) {
        return new MediaSweepRules(Duration.ofDays(settings.getLong("media.retention-after-last-reference-days")),
                Duration.ofHours(settings.getLong("media.orphan-upload-ttl-hours")));
    }

    /** Starts the timer, or returns null when {@code media.sweep-interval-minutes} is 0. */
    public static MediaSweeperTask start(Settings settings, CqlSession session) {
        long minutes = settings.getLong("media.sweep-interval-minutes");
        if (minutes <= 0) {
            LOG.info("media sweeper off (media.sweep-interval-minutes={})", minutes);
            return null;
        }
        MediaSweepRules rules = rules(settings);
        S3SweptObjects objects = new S3SweptObjects(settings);
        MediaSweeper sweeper = new MediaSweeper(new CqlMediaLifecycleStore(session), objects, rules, Clock.systemUTC());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "media-sweeper");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                MediaSweeper.Report report = sweeper.sweepAll();
                LOG.info("media sweep: {} uploads, {} kept, {} orphans and {} released objects removed ({} bytes"
                        + " freed), {} failed", report.scanned(), report.kept(), report.sweptOrphans(),
                        report.sweptReleased(), report.freedBytes(), report.failed());
            } catch (RuntimeException e) {
                LOG.warn("media sweep failed; the next one tries again", e);
            }
        }, minutes, minutes, TimeUnit.MINUTES);
        LOG.info("media sweeper every {} min (retention {} after the last reference, orphan uploads after {})",
                minutes, rules.retention(), rules.orphanTtl());
        return new MediaSweeperTask(timer, objects);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        objects.close();
    }
}
