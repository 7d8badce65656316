package org.parley.edge.media.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UploadPlanTest {
    private static final long MIB = 1024 * 1024;
    private final UploadPlan.Limits limits = new UploadPlan.Limits(100 * MIB, 2048 * MIB, 8 * MIB, 5 * 1024 * MIB, 900);

    @Test
    void anObjectUpToOnePartIsOnePutAndALargerOneIsMultipartWithAShorterLastPart() throws Exception {
        UploadPlan small = UploadPlan.of(8 * MIB, UploadPlan.Kind.MEDIA, limits);
        assertThat(small.multipart()).isFalse();
        assertThat(small.partSize(1)).isEqualTo(8 * MIB);

        UploadPlan video = UploadPlan.of(20 * MIB + 5, UploadPlan.Kind.MEDIA, limits);
        assertThat(video.multipart()).isTrue();
        assertThat(video.parts()).isEqualTo(3);
        assertThat(video.partSize(1)).isEqualTo(8 * MIB);
        assertThat(video.partSize(2)).isEqualTo(8 * MIB);
        assertThat(video.partSize(3)).isEqualTo(4 * MIB + 5);
        assertThatThrownBy(() -> video.partSize(4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachKindHasItsCeilingAndASizeMustBePositive() throws Exception {
        assertThat(UploadPlan.of(100 * MIB, UploadPlan.Kind.MEDIA, limits).parts()).isEqualTo(13);
        assertThatThrownBy(() -> UploadPlan.of(100 * MIB + 1, UploadPlan.Kind.MEDIA, limits))
                .isInstanceOfSatisfying(UploadPlan.Refused.class, r -> assertThat(r.tooLarge()).isTrue())
                .hasMessageContaining("media upload may be at most 104857600 bytes");
        assertThat(UploadPlan.of(2048 * MIB, UploadPlan.Kind.DOCUMENT, limits).parts()).isEqualTo(256);
        assertThatThrownBy(() -> UploadPlan.of(2048 * MIB + 1, UploadPlan.Kind.DOCUMENT, limits))
                .isInstanceOf(UploadPlan.Refused.class);
        assertThatThrownBy(() -> UploadPlan.of(0, UploadPlan.Kind.MEDIA, limits))
                .isInstanceOfSatisfying(UploadPlan.Refused.class, r -> assertThat(r.tooLarge()).isFalse());
        assertThatThrownBy(() -> UploadPlan.Kind.parse("video")).hasMessageContaining("media or document");
    }

    @Test
    void theQuotaCountsWhatIsHeldPlusThisUpload() throws Exception {
        UploadPlan doc = UploadPlan.of(2048 * MIB, UploadPlan.Kind.DOCUMENT, limits);
        assertThat(doc.fits(3 * 1024 * MIB, limits)).isTrue();
        assertThat(doc.fits(3 * 1024 * MIB + 1, limits)).isFalse();
    }

    @Test
    void limitsS3CannotServeAreRefusedAtStart() {
        assertThatThrownBy(() -> new UploadPlan.Limits(100 * MIB, 2048 * MIB, 4 * MIB, 1, 900))
                .hasMessageContaining("at least 5 MiB");
        assertThatThrownBy(() -> new UploadPlan.Limits(100 * MIB, 100_000 * MIB, 5 * MIB, 1, 900))
                .hasMessageContaining("10,000 parts");
        assertThatThrownBy(() -> new UploadPlan.Limits(100 * MIB, 2048 * MIB, 8 * MIB, 1, 0))
                .hasMessageContaining("presign-seconds");
    }
}
