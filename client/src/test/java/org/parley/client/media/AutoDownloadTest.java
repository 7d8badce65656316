package org.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AutoDownloadTest {
    @Test
    void theDefaultsFetchEverythingOnWifiImagesAndAudioOnCellularNothingRoaming() {
        AutoDownload d = AutoDownload.defaults();
        for (MediaKind k : MediaKind.values()) {
            assertThat(d.allows(k, NetworkKind.WIFI)).isTrue();
            assertThat(d.allows(k, NetworkKind.ROAMING)).isFalse();
        }
        assertThat(d.allows(MediaKind.IMAGE, NetworkKind.CELLULAR)).isTrue();
        assertThat(d.allows(MediaKind.AUDIO, NetworkKind.CELLULAR)).isTrue();
        assertThat(d.allows(MediaKind.VIDEO, NetworkKind.CELLULAR)).isFalse();
        assertThat(d.allows(MediaKind.DOCUMENT, NetworkKind.CELLULAR)).isFalse();
    }

    @Test
    void theSettingIsReadFromAndWrittenAsTheUsersSettings() {
        JsonObject settings = new JsonObject().put("readReceipts", true).put("mediaAutoDownload", new JsonObject()
                .put("wifi", new JsonArray().add("image")).put("cellular", new JsonArray()));
        AutoDownload d = AutoDownload.fromSettings(settings);
        assertThat(d.allows(MediaKind.IMAGE, NetworkKind.WIFI)).isTrue();
        assertThat(d.allows(MediaKind.VIDEO, NetworkKind.WIFI)).isFalse();
        assertThat(d.allows(MediaKind.IMAGE, NetworkKind.CELLULAR)).isFalse();
        assertThat(d.allows(MediaKind.AUDIO, NetworkKind.ROAMING)).isFalse(); // missing: its default
        assertThat(AutoDownload.fromSettings(new JsonObject().put("mediaAutoDownload", d.toJson()))).isEqualTo(d);
        assertThat(d.toJson().getJsonArray("roaming")).isEmpty();
        assertThat(AutoDownload.fromSettings(new JsonObject())).isEqualTo(AutoDownload.defaults());
        AutoDownload roaming = d.with(NetworkKind.ROAMING, EnumSet.of(MediaKind.AUDIO));
        assertThat(roaming.allows(MediaKind.AUDIO, NetworkKind.ROAMING)).isTrue();
        assertThat(d.allows(MediaKind.AUDIO, NetworkKind.ROAMING)).isFalse(); // a copy
    }

    @Test
    void aMessageShowsItsThumbnailFirstAndFetchesTheFileOnlyWhenTheSettingSaysSo() throws Exception {
        byte[] file = "the file".getBytes();
        AttachmentCipher.Sealed sealed = AttachmentCipher.seal(file, AttachmentCipher.DEFAULT_CHUNK_BYTES);
        AttachmentDescriptor video = new AttachmentDescriptor("media/alice/0b0e3c1a-7c43-4d0e-9a43-6f5d7c1f4a21",
                sealed.key(), sealed.digest(), file.length, AttachmentCipher.DEFAULT_CHUNK_BYTES, "video/mp4", 640, 360,
                3000L, new byte[] {9, 9}, null);
        AtomicInteger downloads = new AtomicInteger();
        AtomicReference<AutoDownload> setting = new AtomicReference<>(AutoDownload.defaults());
        AttachmentView view = new AttachmentView((d, conversation, seq) -> {
            downloads.incrementAndGet();
            return AttachmentCipher.open(d, sealed.ciphertext());
        }, setting::get);

        AttachmentView.Shown onCellular = view.show(video, "dm:alice:bob", 4, NetworkKind.CELLULAR);
        assertThat(onCellular.autoDownloaded()).isFalse();
        assertThat(onCellular.content()).isNull();
        assertThat(onCellular.thumbnail()).containsExactly(9, 9);
        assertThat(downloads).hasValue(0);

        AttachmentView.Shown onWifi = view.show(video, "dm:alice:bob", 4, NetworkKind.WIFI);
        assertThat(onWifi.autoDownloaded()).isTrue();
        assertThat(onWifi.content()).isEqualTo(file);
        assertThat(downloads).hasValue(1);

        // The user turned video on for cellular (on another device): the next message follows it.
        setting.set(AutoDownload.defaults().with(NetworkKind.CELLULAR, EnumSet.of(MediaKind.VIDEO)));
        assertThat(view.show(video, "dm:alice:bob", 5, NetworkKind.CELLULAR).content()).isEqualTo(file);
        assertThat(downloads).hasValue(2);
        // On demand, whatever the setting.
        assertThat(view.show(video, "dm:alice:bob", 6, NetworkKind.ROAMING).content()).isNull();
        assertThat(view.fetch(video, "dm:alice:bob", 6)).isEqualTo(file);
        assertThat(downloads).hasValue(3);
    }
}
