package org.parley.infra.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Searches files for a text marker in every form a store or a log could hold it in: its UTF-8 bytes, its hex (lower and
 * upper case), and its standard and URL-safe base64. Base64 of a substring depends on where the substring starts
 * within its 3-byte group, so the marker is encoded behind 0, 1 and 2 bytes of prefix, and the characters that depend on
 * the prefix or on what follows the marker are trimmed: what remains appears in the base64 of any text that contains the
 * marker, whatever its offset.
 */
public final class MarkerScan {
    /** One form of the marker and its bytes. */
    public record Pattern(String form, byte[] bytes) {
    }

    /** Where the marker was found: the file, the form, the offset. */
    public record Hit(Path file, String form, long offset) {
    }

    /** The result: how much was read and what was found, per top-level area ({@code kafka}, {@code cql}, …). */
    public record Result(long files, long bytes, long vanished, List<Hit> hits, Map<String, long[]> byArea) {
        /** Hits in files under {@code area} (a path fragment like {@code /data/kafka/}). */
        public long hitsUnder(String fragment) {
            return hits.stream().filter(h -> h.file().toString().replace('\\', '/').contains(fragment)).count();
        }

        public String summary() {
            StringBuilder b = new StringBuilder(files + " files, " + bytes + " bytes scanned, " + hits.size() + " hits");
            if (vanished > 0) {
                b.append(", ").append(vanished).append(" files gone before they were read");
            }
            byArea.forEach((area, v) -> b.append("; ").append(area).append(": ").append(v[0]).append(" files, ")
                    .append(v[1]).append(" bytes, ").append(v[2]).append(" hits"));
            return b.toString();
        }
    }

    private MarkerScan() {
    }

    /** Every form of {@code marker} searched for. */
    public static List<Pattern> patterns(String marker) {
        byte[] m = marker.getBytes(StandardCharsets.UTF_8);
        List<Pattern> out = new ArrayList<>();
        out.add(new Pattern("utf-8", m));
        out.add(new Pattern("hex", HexFormat.of().formatHex(m).getBytes(StandardCharsets.US_ASCII)));
        out.add(new Pattern("HEX", HexFormat.of().withUpperCase().formatHex(m).getBytes(StandardCharsets.US_ASCII)));
        for (int shift = 0; shift < 3; shift++) {
            String std = stableBase64(Base64.getEncoder(), m, shift);
            String url = stableBase64(Base64.getUrlEncoder(), m, shift);
            out.add(new Pattern("base64+" + shift, std.getBytes(StandardCharsets.US_ASCII)));
            if (!url.equals(std)) {
                out.add(new Pattern("base64url+" + shift, url.getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return out;
    }

    /**
     * The base64 characters of {@code m} that do not depend on its surroundings when it starts {@code shift} bytes into
     * a 3-byte group: without the characters that mix in prefix bits, and without the last, partial group.
     */
    static String stableBase64(Base64.Encoder encoder, byte[] m, int shift) {
        byte[] shifted = new byte[shift + m.length];
        System.arraycopy(m, 0, shifted, shift, m.length);
        String encoded = encoder.withoutPadding().encodeToString(shifted);
        int from = shift == 0 ? 0 : shift + 1;            // 1 byte of prefix: 2 characters; 2 bytes: 3
        int to = (shifted.length / 3) * 4;                // complete groups only
        return encoded.substring(from, to);
    }

    /** Scans every regular file under each root (missing roots are skipped) for every pattern of {@code marker}. */
    public static Result scan(String marker, Path... roots) {
        List<Pattern> patterns = patterns(marker);
        long files = 0;
        long bytes = 0;
        long vanished = 0;
        List<Hit> hits = new ArrayList<>();
        Map<String, long[]> byArea = new TreeMap<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> all;
            try (Stream<Path> walk = Files.walk(root)) {
                all = walk.filter(Files::isRegularFile).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (Path f : all) {
                byte[] content;
                try {
                    content = Files.readAllBytes(f);
                } catch (NoSuchFileException e) {
                    vanished++; // compacted or rolled away between the listing and the read
                    continue;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + f, e);
                }
                files++;
                bytes += content.length;
                Path rel = root.relativize(f);
                String area = root.getFileName() + "/" + (rel.getNameCount() > 1 ? rel.getName(0).toString() : ".");
                long[] a = byArea.computeIfAbsent(area, k -> new long[3]);
                a[0]++;
                a[1] += content.length;
                for (Pattern p : patterns) {
                    for (int at = indexOf(content, p.bytes(), 0); at >= 0; at = indexOf(content, p.bytes(), at + 1)) {
                        hits.add(new Hit(f, p.form(), at));
                        a[2]++;
                    }
                }
            }
        }
        return new Result(files, bytes, vanished, List.copyOf(hits), new LinkedHashMap<>(byArea));
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
