package org.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class MediaProcessorTest {
    private static final String GPS_MARKER = "GPSLatitude=48.8584N;GPSLongitude=2.2945E";

    private static BufferedImage picture(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(w * 31L + h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, new Color((x * 255 / w + r.nextInt(20)) % 256, (y * 255 / h) % 256, r.nextInt(256),
                        type == BufferedImage.TYPE_INT_ARGB ? (x < w / 2 ? 0 : 255) : 255).getRGB());
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    /** A camera JPEG: an APP1 Exif segment (TIFF header, a GPS entry as text) right after SOI. */
    static byte[] withExif(byte[] jpeg) {
        byte[] tiff = ("II*\0\b\0\0\0" + GPS_MARKER).getBytes(StandardCharsets.ISO_8859_1);
        byte[] exif = ByteBuffer.allocate(6 + tiff.length).put("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1))
                .put(tiff).array();
        ByteBuffer out = ByteBuffer.allocate(jpeg.length + 4 + exif.length);
        out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) (exif.length + 2)).put(exif)
                .put(jpeg, 2, jpeg.length - 2);
        return out.array();
    }

    /** The JPEG's marker segments before the image data (SOS), e.g. 0xE0 (APP0/JFIF), 0xE1 (APP1/Exif). */
    static List<Integer> markers(byte[] jpeg) {
        List<Integer> out = new ArrayList<>();
        assertThat(jpeg[0] & 0xff).isEqualTo(0xFF);
        assertThat(jpeg[1] & 0xff).isEqualTo(0xD8);
        int at = 2;
        while (at + 4 <= jpeg.length) {
            int marker = jpeg[at + 1] & 0xff;
            out.add(marker);
            if (marker == 0xDA) {
                break;
            }
            at += 2 + (((jpeg[at + 2] & 0xff) << 8) | (jpeg[at + 3] & 0xff));
        }
        return out;
    }

    private static BufferedImage read(byte[] bytes) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(bytes));
    }

    @Test
    void aCameraJpegIsDownscaledReencodedAndLosesItsExifAndGpsSegment() throws Exception {
        byte[] camera = withExif(encode(picture(2400, 1800, BufferedImage.TYPE_INT_RGB), "jpg"));
        assertThat(markers(camera)).contains(0xE1);
        assertThat(new String(camera, StandardCharsets.ISO_8859_1)).contains(GPS_MARKER).contains("Exif");

        MediaFile out = new MediaProcessor().prepare(camera, "image/jpeg", "IMG_0001.JPG");
        assertThat(out.mimeType()).isEqualTo("image/jpeg");
        assertThat(out.width()).isEqualTo(1600);
        assertThat(out.height()).isEqualTo(1200);
        assertThat(out.fileName()).isNull(); // an image's file name is not sent
        assertThat(markers(out.bytes())).doesNotContain(0xE1).doesNotContain(0xFE); // no APP1 (Exif/XMP), no comment
        String text = new String(out.bytes(), StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("Exif").doesNotContain("GPSLatitude");
        BufferedImage decoded = read(out.bytes());
        assertThat(decoded.getWidth()).isEqualTo(1600);
        assertThat(out.bytes().length).isLessThan(camera.length);

        BufferedImage thumb = read(out.thumbnail());
        assertThat(Math.max(thumb.getWidth(), thumb.getHeight())).isEqualTo(96);
        assertThat(thumb.getWidth()).isEqualTo(96);
        assertThat(thumb.getHeight()).isEqualTo(72);
        assertThat(out.thumbnail().length).isLessThan(AttachmentDescriptor.MAX_THUMBNAIL_BYTES);
    }

    @Test
    void theLongEdgeAndQualityAreSettingsAndASmallImageIsNotUpscaled() throws Exception {
        byte[] portrait = encode(picture(900, 1500, BufferedImage.TYPE_INT_RGB), "png");
        MediaProcessor small = new MediaProcessor(new MediaProcessor.Settings(640, 0.5f, 64, 0.5f, 50_000_000L));
        MediaFile low = small.prepare(portrait, "image/png", null);
        assertThat(low.mimeType()).isEqualTo("image/jpeg");
        assertThat(low.height()).isEqualTo(640);
        assertThat(low.width()).isEqualTo(384);
        MediaFile high = new MediaProcessor(new MediaProcessor.Settings(640, 0.95f, 64, 0.5f, 50_000_000L))
                .prepare(portrait, "image/png", null);
        assertThat(high.bytes().length).isGreaterThan(low.bytes().length);

        byte[] tiny = withExif(encode(picture(300, 200, BufferedImage.TYPE_INT_RGB), "jpg"));
        MediaFile kept = new MediaProcessor().prepare(tiny, "image/jpeg", null);
        assertThat(kept.width()).isEqualTo(300);
        assertThat(kept.height()).isEqualTo(200);
        assertThat(markers(kept.bytes())).doesNotContain(0xE1); // re-encoded even when not scaled: no EXIF
    }

    @Test
    void transparencyIsFlattenedOntoWhite() throws Exception {
        byte[] png = encode(picture(200, 100, BufferedImage.TYPE_INT_ARGB), "png");
        MediaFile out = new MediaProcessor().prepare(png, "image/png", null);
        BufferedImage decoded = read(out.bytes());
        Color leftHalf = new Color(decoded.getRGB(10, 50));
        assertThat(leftHalf.getRed()).isGreaterThan(240);
        assertThat(leftHalf.getGreen()).isGreaterThan(240);
        assertThat(leftHalf.getBlue()).isGreaterThan(240);
    }

    @Test
    void aGifKeepsItsBytesAndGetsAThumbnail() throws Exception {
        byte[] gif = encode(picture(400, 300, BufferedImage.TYPE_INT_RGB), "gif");
        MediaFile out = new MediaProcessor().prepare(gif, "image/gif", null);
        assertThat(out.bytes()).isEqualTo(gif);
        assertThat(out.width()).isEqualTo(400);
        assertThat(read(out.thumbnail()).getWidth()).isEqualTo(96);
    }

    @Test
    void videoAudioAndDocumentsPassThroughAsTheyAre() throws Exception {
        byte[] video = new byte[5000];
        new Random(1).nextBytes(video);
        MediaFile v = new MediaProcessor().prepare(video, "video/mp4", "clip.mp4");
        assertThat(v.bytes()).isSameAs(video);
        assertThat(v.mimeType()).isEqualTo("video/mp4");
        assertThat(v.thumbnail()).isNull();
        assertThat(v.width()).isNull();
        // With what the platform knows: a poster frame becomes the thumbnail.
        MediaFile posted = new MediaProcessor().video(video, "video/mp4", 1280, 720, 4200L,
                picture(1280, 720, BufferedImage.TYPE_INT_RGB));
        assertThat(posted.bytes()).isSameAs(video);
        assertThat(posted.durationMs()).isEqualTo(4200L);
        assertThat(read(posted.thumbnail()).getWidth()).isEqualTo(96);

        MediaFile a = new MediaProcessor().prepare(video, "audio/ogg", "note.ogg");
        assertThat(a.bytes()).isSameAs(video);
        assertThat(a.fileName()).isNull();
        MediaFile d = new MediaProcessor().prepare(video, "application/pdf", "minutes.pdf");
        assertThat(d.bytes()).isSameAs(video);
        assertThat(d.fileName()).isEqualTo("minutes.pdf");
        assertThat(d.thumbnail()).isNull(); // no PDF preview
        assertThat(d.kind()).isEqualTo(MediaKind.DOCUMENT);
        assertThat(d.kind().uploadKind()).isEqualTo("document");
    }

    @Test
    void anUndecodableOrHugeImageIsRefusedSayingWhy() throws Exception {
        assertThatThrownBy(() -> new MediaProcessor().prepare("not a picture".getBytes(StandardCharsets.UTF_8),
                "image/jpeg", null)).isInstanceOf(IOException.class).hasMessageContaining("not an image");
        byte[] big = encode(picture(400, 300, BufferedImage.TYPE_INT_RGB), "png");
        MediaProcessor strict = new MediaProcessor(new MediaProcessor.Settings(200, 0.7f, 50, 0.5f, 100_000L));
        assertThatThrownBy(() -> strict.prepare(big, "image/png", null)).isInstanceOf(IOException.class)
                .hasMessageContaining("120000 pixels");
    }
}
