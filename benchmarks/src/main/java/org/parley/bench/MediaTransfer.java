package org.parley.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.parley.client.ParleyClient;
import org.parley.client.media.AttachmentCipher;
import org.parley.client.media.AttachmentDescriptor;
import org.parley.client.media.Attachments;
import org.parley.client.media.MediaFile;
import org.parley.client.media.MediaHttp;
import org.parley.schemas.CodeOutbox;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Media throughput through the running stack's S3 endpoint (docs/media.md, "Measured"): per run, one file of
 * {@code --bytes} encrypted by the SDK and uploaded with presigned URLs (multipart above media.part-bytes), then
 * downloaded whole and verified, then the first chunk read by HTTP Range (the time until a video can start: presign +
 * one ranged GET + verify). A benchmark, not a test.
 */
@Command(name = "media-transfer", mixinStandardHelpOptions = true,
        description = "Encrypted upload/download throughput through S3 and time to the first verified chunk.")
public final class MediaTransfer implements Callable<Integer> {
    @Option(names = "--edge", description = "HTTP base URL of the edge", defaultValue = "http://127.0.0.1:28080")
    String edge;

    @Option(names = "--bytes", defaultValue = "52428800", description = "file size (default 50 MiB)")
    int bytes;

    @Option(names = "--runs", defaultValue = "3")
    int runs;

    public static void main(String[] args) {
        System.exit(new CommandLine(new MediaTransfer()).execute(args));
    }

    private static double mibPerSecond(long bytes, long nanos) {
        return bytes / 1048576.0 / (nanos / 1e9);
    }

    @Override
    public Integer call() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        ParleyClient.Device d = ParleyClient.register(edge, "bench-media-" + run, CodeOutbox::latest);
        Attachments attachments = new Attachments(new MediaHttp(edge, d, Duration.ofMinutes(10)),
                AttachmentCipher.DEFAULT_CHUNK_BYTES);
        byte[] file = new byte[bytes];
        new Random(1).nextBytes(file);
        List<String> rows = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            long t0 = System.nanoTime();
            AttachmentDescriptor desc = attachments.upload(new MediaFile(file, "video/mp4", null, null, null, null, null));
            long t1 = System.nanoTime();
            byte[] back = attachments.download(desc, null, null);
            long t2 = System.nanoTime();
            List<byte[]> first = attachments.readChunks(desc, null, null, 0, 0);
            long t3 = System.nanoTime();
            if (back.length != file.length || first.get(0).length != desc.chunkBytes()) {
                throw new IllegalStateException("a transfer came back wrong");
            }
            String row = String.format("run %d: %d bytes (%d encrypted): upload %.0f ms (%.1f MiB/s incl. encryption),"
                    + " download+verify %.0f ms (%.1f MiB/s), first chunk by Range %.1f ms", i, bytes,
                    desc.encryptedBytes(), (t1 - t0) / 1e6, mibPerSecond(bytes, t1 - t0), (t2 - t1) / 1e6,
                    mibPerSecond(bytes, t2 - t1), (t3 - t2) / 1e6);
            rows.add(row);
            System.out.println(row);
        }
        return 0;
    }
}
