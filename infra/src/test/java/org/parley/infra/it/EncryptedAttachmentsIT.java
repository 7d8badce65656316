package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.media.AttachmentCipher;
import org.parley.client.media.AttachmentDescriptor;
import org.parley.client.media.AttachmentException;
import org.parley.client.media.AttachmentView;
import org.parley.client.media.Attachments;
import org.parley.client.media.AutoDownload;
import org.parley.client.media.MediaFile;
import org.parley.client.media.MediaKind;
import org.parley.client.media.MediaProcessor;
import org.parley.client.media.NetworkKind;
import org.parley.schemas.CodeOutbox;

/**
 * End-to-end encrypted attachments through the real stack (edge, Kafka, sequencer, fan-out, projections, s3proxy):
 * alice's SDK encrypts an image in authenticated chunks, uploads the ciphertext with presigned URLs and sends the
 * descriptor inside an end-to-end encrypted message; bob's phone and bob's linked laptop download it whole, by a Range
 * of chunks and as a stream, each verified; bob forwards it to carol without uploading it again; carol, a stranger to
 * the first chat, cannot presign it; bob's auto-download setting, stored with his settings, decides on the laptop
 * whether the file is fetched or only its thumbnail shown; the object in S3 holds no plaintext; a byte flipped in the
 * stored object is refused; once alice deletes her message for everyone, bob can no longer presign the object, and carol,
 * shown it by the forward, still can.
 */
class EncryptedAttachmentsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @RegisterExtension
    static final SecureDeviceSessions DEVICES = new SecureDeviceSessions(STACK, WAIT);

    private SecureDevices.Connected device(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        return DEVICES.connect(d, keys);
    }

    /** The message frame and the attachment inside it, opened with the device's own keys. */
    private record Received(JsonObject frame, AttachmentDescriptor.Message message) {
    }

    /** Opened once per device and message: opening the same envelope again would be a duplicate. */
    private final java.util.Map<String, Received> received = new java.util.HashMap<>();

    private Received receive(SecureDevices.Connected c, String clientMessageId) throws Exception {
        String key = c.client().device().deviceId() + "/" + clientMessageId;
        Received known = received.get(key);
        if (known == null) {
            known = open(c, clientMessageId);
            received.put(key, known);
        }
        return known;
    }

    private static Received open(SecureDevices.Connected c, String clientMessageId) throws Exception {
        JsonObject frame = c.client().awaitFrame(f -> TestUsers.is(f, "message", clientMessageId), WAIT);
        SecureMessenger.Opened opened = c.messenger().open(frame);
        assertThat(opened).as("%s", frame).isInstanceOf(SecureMessenger.Opened.Content.class);
        Decrypted d = ((SecureMessenger.Opened.Content) opened).decrypted();
        assertThat(d).isInstanceOf(Decrypted.Plaintext.class);
        return new Received(frame, AttachmentDescriptor.fromMessage(((Decrypted.Plaintext) d).content()));
    }

    /** A 960x720 photo-like JPEG (noise over gradients: it does not compress to nothing), about 270 KB. */
    static byte[] photo(long seed) throws Exception {
        BufferedImage img = new BufferedImage(960, 720, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, new Color((x + r.nextInt(60)) % 256, (y + r.nextInt(60)) % 256, r.nextInt(256)).getRGB());
            }
        }
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.drawString("the beach", 20, 40);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    private static int downloadStatus(ParleyClient.Device d, String key, String conversationId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(DEVICES.edge() + "/v1/downloads"))
                .header("Authorization", "Bearer " + d.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("key", key)
                        .put("conversationId", conversationId).encode())).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Path storedObject(String objectId) throws Exception {
        String name = objectId.substring(objectId.lastIndexOf('/') + 1);
        try (Stream<Path> files = Files.walk(STACK.dataDir().resolve("data"))) {
            return files.filter(p -> p.getFileName().toString().equals(name) && Files.isRegularFile(p)
                    && p.toString().contains("s3")).findFirst().orElseThrow(() -> new AssertionError(
                    "no stored object for " + objectId + " under the stack's S3 folder"));
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * A video-like sample: an ISO-BMFF {@code ftyp} box, then seeded noise. Without ffmpeg the SDK passes a video
     * through as it is (docs/media.md), so the bytes need not decode; what a player needs first is the first chunk.
     */
    static byte[] videoSample(int bytes) {
        byte[] v = new byte[bytes];
        new Random(7).nextBytes(v);
        byte[] ftyp = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
        System.arraycopy(ftyp, 0, v, 0, ftyp.length);
        return v;
    }

    /** A poster frame as a player's decoder would give it. */
    static BufferedImage poster() {
        BufferedImage img = new BufferedImage(640, 360, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(20, 120, 40));
        g.fillRect(0, 0, 640, 360);
        g.setColor(Color.WHITE);
        g.drawString("kick-off", 300, 180);
        g.dispose();
        return img;
    }

    @Test
    void aVideoAndADocumentReachBothOfBobsDevicesVerifiedTheVideoFromItsFirstChunk() throws Exception {
        ParleyClient.Device a1 = ParleyClient.register(DEVICES.edge(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(DEVICES.edge(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device b2 = TestUsers.linkedDevice(DEVICES.edge(), b1);
        DeviceKeys bobKeys = DeviceKeys.generate(10, 0);
        SecureDevices.Connected alice = device(a1, DeviceKeys.generate(10, 0));
        SecureDevices.Connected bob = device(b1, bobKeys);
        SecureDevices.Connected laptop = device(b2, DeviceKeys.generate(bobKeys.identity(), 10, 0));

        MediaProcessor processor = new MediaProcessor();
        byte[] video = videoSample(3 * AttachmentCipher.DEFAULT_CHUNK_BYTES + 1234);
        MediaFile clip = processor.video(video, "video/mp4", 640, 360, 4_000L, poster());
        assertThat(clip.thumbnail()).as("poster thumbnail").isNotEmpty();
        byte[] pdf = ("%PDF-1.4\n% a document generated by the test\n" + "line of the report\n".repeat(4000)
                + "%%EOF\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MediaFile report = processor.prepare(pdf, "application/pdf", "report.pdf");
        Attachments fromAlice = new Attachments(DEVICES.edge(), a1);
        AttachmentDescriptor sentVideo = fromAlice.upload(clip);
        AttachmentDescriptor sentReport = fromAlice.upload(report);
        assertThat(Attachments.send(alice.messenger(), b1.userId(), "vid-1", sentVideo, "the match", WAIT)
                .getString("type")).isEqualTo("sent");
        assertThat(Attachments.send(alice.messenger(), b1.userId(), "doc-1", sentReport, "the report", WAIT)
                .getString("type")).isEqualTo("sent");

        for (SecureDevices.Connected device : List.of(bob, laptop)) {
            Attachments attachments = new Attachments(DEVICES.edge(), device.client().device());
            Received v = receive(device, "vid-1");
            assertThat(v.frame().getString("mediaType")).isEqualTo("video/mp4");
            AttachmentDescriptor d = v.message().attachment();
            assertThat(d.durationMs()).isEqualTo(4_000L);
            assertThat(d.width()).isEqualTo(640);
            assertThat(d.thumbnail()).isEqualTo(clip.thumbnail());
            String conversation = v.frame().getString("conversationId");
            long seq = v.frame().getLong("seq");
            // A player starts from the first chunk, fetched alone by HTTP Range and verified before the rest exists.
            List<byte[]> first = attachments.readChunks(d, conversation, seq, 0, 0);
            assertThat(first.get(0)).isEqualTo(Arrays.copyOfRange(video, 0, d.chunkBytes()));
            assertThat(attachments.download(d, conversation, seq)).isEqualTo(video);

            Received r = receive(device, "doc-1");
            assertThat(r.frame().getString("mediaType")).isEqualTo("application/pdf");
            AttachmentDescriptor doc = r.message().attachment();
            assertThat(doc.fileName()).isEqualTo("report.pdf");
            assertThat(r.message().caption()).isEqualTo("the report");
            assertThat(attachments.download(doc, r.frame().getString("conversationId"), r.frame().getLong("seq")))
                    .isEqualTo(pdf);
        }
    }

    @Test
    void anEncryptedImageReachesBothOfBobsDevicesVerifiedAndATamperedObjectIsRefused() throws Exception {
        ParleyClient.Device a1 = ParleyClient.register(DEVICES.edge(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(DEVICES.edge(), user("bob"), CodeOutbox::latest);
        ParleyClient.Device b2 = TestUsers.linkedDevice(DEVICES.edge(), b1);
        ParleyClient.Device c1 = ParleyClient.register(DEVICES.edge(), user("carol"), CodeOutbox::latest);
        DeviceKeys bobKeys = DeviceKeys.generate(10, 0);
        SecureDevices.Connected alice = device(a1, DeviceKeys.generate(10, 0));
        SecureDevices.Connected bob = device(b1, bobKeys);
        SecureDevices.Connected laptop = device(b2, DeviceKeys.generate(bobKeys.identity(), 10, 0));
        SecureDevices.Connected carol = device(c1, DeviceKeys.generate(10, 0));

        byte[] image = photo(1);
        byte[] thumbnail = Arrays.copyOf(photo(2), 2000);
        assertThat(image.length).isGreaterThan(2 * AttachmentCipher.DEFAULT_CHUNK_BYTES);
        AttachmentDescriptor sent = new Attachments(DEVICES.edge(), a1)
                .upload(new MediaFile(image, "image/jpeg", 960, 720, null, thumbnail, null));
        assertThat(sent.objectId()).startsWith("media/" + a1.userId() + "/");
        JsonObject answer = Attachments.send(alice.messenger(), b1.userId(), "img-1", sent, "at the beach", WAIT);
        assertThat(answer.getString("type")).as("%s", answer).isEqualTo("sent");

        // Both of bob's devices open the message, see the thumbnail and dimensions first, then fetch and verify.
        long chunks = sent.chunkCount();
        for (SecureDevices.Connected device : List.of(bob, laptop)) {
            Received r = receive(device, "img-1");
            // Server-visible: the media type and the object; the payload itself is the envelope only.
            assertThat(r.frame().getString("mediaType")).isEqualTo("image/jpeg");
            assertThat(r.frame().getString("mediaObjectId")).isEqualTo(sent.objectId());
            AttachmentDescriptor d = r.message().attachment();
            assertThat(r.message().caption()).isEqualTo("at the beach");
            assertThat(d.thumbnail()).isEqualTo(thumbnail);
            assertThat(d.width()).isEqualTo(960);
            String conversation = r.frame().getString("conversationId");
            long seq = r.frame().getLong("seq");
            Attachments attachments = new Attachments(DEVICES.edge(), device.client().device());
            assertThat(attachments.download(d, conversation, seq)).isEqualTo(image);
            // Progressive: the middle chunk alone by HTTP Range, and the whole file chunk by chunk as it arrives.
            List<byte[]> middle = attachments.readChunks(d, conversation, seq, 1, 1);
            assertThat(middle.get(0)).isEqualTo(Arrays.copyOfRange(image, d.chunkBytes(), 2 * d.chunkBytes()));
            ByteArrayOutputStream streamed = new ByteArrayOutputStream();
            List<Long> order = new ArrayList<>();
            attachments.stream(d, conversation, seq, (i, plain) -> {
                order.add(i);
                streamed.write(plain);
            });
            assertThat(streamed.toByteArray()).isEqualTo(image);
            assertThat(order).hasSize((int) chunks).isSorted();
        }

        // Bob's phone turns auto-download off on cellular; his laptop reads the setting from the user's settings and
        // shows the next image as its thumbnail only on cellular, the whole verified file on Wi-Fi.
        AutoDownload chosen = AutoDownload.defaults().with(NetworkKind.CELLULAR, java.util.EnumSet.noneOf(MediaKind.class));
        assertThat(chosen.save(DEVICES.edge(), b1)).isEqualTo(chosen);
        await().atMost(WAIT).until(() -> AutoDownload.fetch(DEVICES.edge(), b2).equals(chosen));
        Received onLaptop = receive(laptop, "img-1");
        AttachmentView view = new AttachmentView(new Attachments(DEVICES.edge(), b2), () -> {
            try {
                return AutoDownload.fetch(DEVICES.edge(), b2);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        AttachmentView.Shown cellular = view.show(onLaptop.message().attachment(),
                onLaptop.frame().getString("conversationId"), onLaptop.frame().getLong("seq"), NetworkKind.CELLULAR);
        assertThat(cellular.autoDownloaded()).isFalse();
        assertThat(cellular.thumbnail()).isEqualTo(thumbnail);
        assertThat(view.show(onLaptop.message().attachment(), onLaptop.frame().getString("conversationId"),
                onLaptop.frame().getLong("seq"), NetworkKind.WIFI).content()).isEqualTo(image);

        // Carol never saw it: the edge presigns nothing for her.
        HttpResponse<String> stranger = HTTP.send(HttpRequest.newBuilder(URI.create(DEVICES.edge() + "/v1/downloads"))
                .header("Authorization", "Bearer " + c1.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("key", sent.objectId()).encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(403);

        // Bob forwards it to carol: the same descriptor, no upload; carol fetches the same object and verifies it.
        Received atBob = receive(bob, "img-1");
        JsonObject fwd = Attachments.forward(bob.messenger(), c1.userId(), "fwd-1", atBob.message().attachment(),
                atBob.frame().getString("conversationId"), atBob.frame().getLong("seq"), WAIT);
        assertThat(fwd.getString("type")).as("%s", fwd).isEqualTo("sent");
        Received atCarol = receive(carol, "fwd-1");
        assertThat(atCarol.frame().getBoolean("forwarded")).isTrue();
        assertThat(atCarol.message().attachment().objectId()).isEqualTo(sent.objectId());
        assertThat(new Attachments(DEVICES.edge(), c1).download(atCarol.message().attachment(),
                atCarol.frame().getString("conversationId"), atCarol.frame().getLong("seq"))).isEqualTo(image);

        // The stored object is the ciphertext only: no run of the image in it.
        Path stored = storedObject(sent.objectId());
        byte[] object = Files.readAllBytes(stored);
        assertThat(object).hasSize((int) sent.encryptedBytes());
        for (int at : new int[] {0, image.length / 2, image.length - 64}) {
            assertThat(contains(object, Arrays.copyOfRange(image, at, at + 32))).as("plaintext at %d", at).isFalse();
        }
        assertThat(contains(object, "the beach".getBytes(StandardCharsets.UTF_8))).isFalse();

        // One byte flipped in the middle chunk of the stored object: the whole download is refused (digest), the
        // chunk is refused (its tag), a chunk before it still verifies, and the stream stops at it.
        object[(int) AttachmentCipher.chunkOffset(1, sent.chunkBytes()) + 100] ^= 0x01;
        Files.write(stored, object);
        Received r = receive(bob, "img-1");
        AttachmentDescriptor d = r.message().attachment();
        String conversation = r.frame().getString("conversationId");
        long seq = r.frame().getLong("seq");
        Attachments attachments = new Attachments(DEVICES.edge(), b1);
        assertThatThrownBy(() -> attachments.download(d, conversation, seq)).isInstanceOf(AttachmentException.class)
                .hasMessageContaining("digest");
        assertThatThrownBy(() -> attachments.readChunks(d, conversation, seq, 1, 1))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("chunk 1 fails");
        assertThat(attachments.readChunks(d, conversation, seq, 0, 0).get(0))
                .isEqualTo(Arrays.copyOf(image, d.chunkBytes()));
        List<Long> shown = new ArrayList<>();
        assertThatThrownBy(() -> attachments.stream(d, conversation, seq, (i, plain) -> shown.add(i)))
                .isInstanceOf(AttachmentException.class).hasMessageContaining("chunk 1 fails");
        assertThat(shown).containsExactly(0L);

        // Alice deletes her message for everyone: bob's download is refused from then on (the reference is revoked),
        // while carol's forward still shows the object to her.
        Received first = receive(bob, "img-1");
        JsonObject deleted = alice.client().actRetrying(new JsonObject().put("type", "delete")
                .put("clientMessageId", "del-1").put("conversationId", first.frame().getString("conversationId"))
                .put("targetSeq", first.frame().getLong("seq")).put("scope", "everyone"), WAIT, 3);
        assertThat(deleted.getString("type")).as("%s", deleted).isEqualTo("sent");
        await().atMost(WAIT).untilAsserted(() -> assertThat(downloadStatus(b1, sent.objectId(),
                first.frame().getString("conversationId"))).isEqualTo(403));
        assertThat(downloadStatus(c1, sent.objectId(), atCarol.frame().getString("conversationId"))).isEqualTo(200);
    }
}
