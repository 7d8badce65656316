package org.parley.client.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * What the sending device does to a file before it is encrypted (docs/media.md, "On the sending device"): the server
 * never sees the content, so compression and thumbnails happen here.
 * <ul>
 *   <li><b>Images</b> (JPEG, PNG, BMP, and any other format javax.imageio reads, except GIF): decoded, downscaled so the
 *       long edge is at most {@link Settings#imageLongEdge} (never upscaled), and re-encoded as a baseline JPEG at
 *       {@link Settings#jpegQuality}. Only pixels are carried over: EXIF (camera, GPS position, time), XMP, ICC profiles
 *       and comments are gone. Transparency is flattened onto white. A small JPEG thumbnail
 *       ({@link Settings#thumbnailLongEdge}, {@link Settings#thumbnailQuality}) goes into the descriptor. Images over
 *       {@link Settings#maxPixels} are refused before being decoded (a decompression bomb).</li>
 *   <li><b>GIF</b>: passed as is (re-encoding would drop an animation), with its dimensions and a thumbnail of its
 *       first frame.</li>
 *   <li><b>Video</b>: passed as is. Transcoding and a poster frame need ffmpeg, which this SDK does not bundle or
 *       require; an application with a platform encoder should transcode before and pass the poster as the
 *       thumbnail ({@link #video}).</li>
 *   <li><b>Audio and documents</b>: passed as is (a document keeps its name). No document preview: the first page of a
 *       PDF needs a PDF renderer, which is not cheap.</li>
 * </ul>
 */
public final class MediaProcessor {
    /**
     * @param imageLongEdge     the long edge of a sent image, in pixels (1600: WhatsApp's standard quality)
     * @param jpegQuality       0..1 (0.75)
     * @param thumbnailLongEdge the thumbnail's long edge (96)
     * @param thumbnailQuality  0..1 (0.6)
     * @param maxPixels         larger images are refused undecoded (50 megapixels)
     */
    public record Settings(int imageLongEdge, float jpegQuality, int thumbnailLongEdge, float thumbnailQuality,
                           long maxPixels) {
        public Settings {
            if (imageLongEdge < 16 || thumbnailLongEdge < 8 || thumbnailLongEdge > imageLongEdge) {
                throw new IllegalArgumentException("imageLongEdge >= 16 and 8 <= thumbnailLongEdge <= imageLongEdge");
            }
            if (!(jpegQuality > 0 && jpegQuality <= 1) || !(thumbnailQuality > 0 && thumbnailQuality <= 1)) {
                throw new IllegalArgumentException("JPEG qualities are in (0, 1]");
            }
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels must be positive");
            }
        }

        public static Settings defaults() {
            return new Settings(1600, 0.75f, 96, 0.6f, 50_000_000L);
        }
    }

    private final Settings settings;

    public MediaProcessor(Settings settings) {
        this.settings = settings;
    }

    public MediaProcessor() {
        this(Settings.defaults());
    }

    /**
     * Prepares {@code bytes} of type {@code mimeType} for sending. {@code fileName}: a document's name (kept for
     * documents only). An image that cannot be decoded is an {@link IOException} saying so (nothing is sent).
     */
    public MediaFile prepare(byte[] bytes, String mimeType, String fileName) throws IOException {
        return switch (MediaKind.of(mimeType)) {
            case IMAGE -> "image/gif".equals(mimeType.toLowerCase(Locale.ROOT)) ? gif(bytes) : image(bytes);
            case VIDEO -> video(bytes, mimeType, null, null, null, null);
            case AUDIO -> MediaFile.of(bytes, mimeType);
            case DOCUMENT -> new MediaFile(bytes, mimeType, null, null, null, null, fileName);
        };
    }

    /**
     * A video as it is: what an application knows of it (dimensions, duration, a poster frame from the platform's
     * decoder, any of them null) goes into the descriptor; a poster is scaled down into the thumbnail.
     */
    public MediaFile video(byte[] bytes, String mimeType, Integer width, Integer height, Long durationMs,
                           BufferedImage poster) throws IOException {
        return new MediaFile(bytes, mimeType, width, height, durationMs, poster == null ? null : thumbnail(poster), null);
    }

    /** Downscaled, re-encoded as JPEG (no metadata), with a thumbnail. */
    private MediaFile image(byte[] bytes) throws IOException {
        BufferedImage src = decode(bytes);
        BufferedImage scaled = scale(src, settings.imageLongEdge());
        return new MediaFile(jpeg(scaled, settings.jpegQuality()), "image/jpeg", scaled.getWidth(), scaled.getHeight(),
                null, thumbnail(scaled), null);
    }

    private MediaFile gif(byte[] bytes) throws IOException {
        BufferedImage first = decode(bytes);
        return new MediaFile(bytes, "image/gif", first.getWidth(), first.getHeight(), null, thumbnail(first), null);
    }

    private byte[] thumbnail(BufferedImage img) throws IOException {
        byte[] t = jpeg(scale(img, settings.thumbnailLongEdge()), settings.thumbnailQuality());
        if (t.length > AttachmentDescriptor.MAX_THUMBNAIL_BYTES) {
            throw new IOException("the thumbnail is " + t.length + " bytes; lower thumbnailLongEdge or its quality");
        }
        return t;
    }

    /** Decodes the first image, after checking its size from the header. */
    private BufferedImage decode(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException("not an image javax.imageio can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true); // ignore metadata: it is dropped anyway
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > settings.maxPixels()) {
                    throw new IOException("the image has " + pixels + " pixels, over the " + settings.maxPixels()
                            + " allowed");
                }
                return reader.read(0);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IOException("the image cannot be decoded: " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** An RGB copy whose long edge is at most {@code longEdge} (never larger than the source), on white. */
    static BufferedImage scale(BufferedImage src, int longEdge) {
        int w = src.getWidth();
        int h = src.getHeight();
        double factor = Math.min(1.0, (double) longEdge / Math.max(w, h));
        int tw = Math.max(1, (int) Math.round(w * factor));
        int th = Math.max(1, (int) Math.round(h * factor));
        BufferedImage current = src;
        int cw = w;
        int ch = h;
        // Halve step by step, then the last step: one bilinear step from far larger would alias.
        do {
            cw = Math.max(tw, cw / 2);
            ch = Math.max(th, ch / 2);
            if (cw < tw * 2 && ch < th * 2) {
                cw = tw;
                ch = th;
            }
            BufferedImage next = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = next.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, cw, ch);
            g.drawImage(current, 0, 0, cw, ch, null);
            g.dispose();
            current = next;
        } while (cw != tw || ch != th);
        return current;
    }

    /** A baseline JPEG of the pixels only (JFIF header, no EXIF, no other metadata). */
    static byte[] jpeg(BufferedImage img, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
