package org.parley.projections.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.projections.media.MediaSweepRules.Keep;
import org.parley.projections.media.MediaSweepRules.Reason;
import org.parley.projections.media.MediaSweepRules.Reference;
import org.parley.projections.media.MediaSweepRules.Sweep;
import org.parley.projections.media.MediaSweepRules.Upload;

class MediaSweepRulesTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final MediaSweepRules RULES = new MediaSweepRules(Duration.ofDays(30), Duration.ofHours(24));
    private static final Upload UPLOAD = new Upload("alice", "u1", "media/alice/u1", 500_000, null, true, T0);

    private static Reference standing(String conversation, long seq) {
        return new Reference(conversation, seq, T0.plusSeconds(60), null);
    }

    private static Reference released(String conversation, long seq, Instant at) {
        return new Reference(conversation, seq, T0.plusSeconds(60), at);
    }

    @Test
    void aStandingReferenceKeepsTheObjectHoweverOldTheOthersAre() {
        List<Reference> refs = List.of(released("dm:alice:bob", 3, T0.plusSeconds(120)), standing("dm:bob:carol", 9));
        assertThat(RULES.decide(UPLOAD, refs, T0.plus(Duration.ofDays(400)))).isEqualTo(new Keep("referenced", null));
    }

    @Test
    void everyReferenceReleasedTheObjectGoesOnlyOnceTheRetentionPassedTheLatestRelease() {
        Instant first = T0.plus(Duration.ofDays(1));
        Instant last = T0.plus(Duration.ofDays(5));
        List<Reference> refs = List.of(released("dm:bob:carol", 9, last), released("dm:alice:bob", 3, first));
        Instant due = last.plus(Duration.ofDays(30));
        assertThat(RULES.decide(UPLOAD, refs, due.minusMillis(1)))
                .isEqualTo(new Keep("within the retention after the last reference", due));
        assertThat(RULES.decide(UPLOAD, refs, due)).isEqualTo(new Sweep(Reason.RELEASED));
        // The first release's retention alone would have passed long before: the latest one counts.
        assertThat(RULES.decide(UPLOAD, refs, first.plus(Duration.ofDays(31)))).isInstanceOf(Keep.class);
    }

    @Test
    void anUploadNoMessageReferencedIsAnOrphanAfterItsTtl() {
        Instant due = T0.plus(Duration.ofHours(24));
        assertThat(RULES.decide(UPLOAD, List.of(), due.minusSeconds(1)))
                .isEqualTo(new Keep("not referenced yet, within the orphan TTL", due));
        assertThat(RULES.decide(UPLOAD, List.of(), due)).isEqualTo(new Sweep(Reason.ORPHAN));
        Upload unfinished = new Upload("alice", "u2", "media/alice/u2", 20_000_000, "s3-upload-1", false, T0);
        assertThat(unfinished.multipartOpen()).isTrue();
        assertThat(RULES.decide(unfinished, List.of(), due)).isEqualTo(new Sweep(Reason.ORPHAN));
    }

    @Test
    void aReferencedUploadIsNoOrphanEvenPastTheOrphanTtl() {
        assertThat(RULES.decide(UPLOAD, List.of(standing("dm:alice:bob", 1)), T0.plus(Duration.ofDays(2))))
                .isInstanceOf(Keep.class);
    }

    @Test
    void anUploadWithoutAStartTimeIsNeverTakenForAnOrphan() {
        Upload undated = new Upload("alice", "u3", "media/alice/u3", 1, null, true, null);
        assertThat(RULES.decide(undated, List.of(), T0.plus(Duration.ofDays(999)))).isEqualTo(new Keep("no start time", null));
    }

    @Test
    void zeroDurationsSweepAtOnceAndNegativeOnesAreRefused() {
        MediaSweepRules now = new MediaSweepRules(Duration.ZERO, Duration.ZERO);
        assertThat(now.decide(UPLOAD, List.of(released("dm:alice:bob", 3, T0)), T0)).isEqualTo(new Sweep(Reason.RELEASED));
        assertThat(now.decide(UPLOAD, List.of(), T0)).isEqualTo(new Sweep(Reason.ORPHAN));
        assertThatThrownBy(() -> new MediaSweepRules(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
