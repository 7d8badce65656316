package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.DeviceLinking;
import org.parley.client.HistoryTransfer;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.DeviceStore;
import org.parley.client.crypto.Provisioning;
import org.parley.client.history.HistoryArchive;
import org.parley.client.history.HistoryArchiveException;
import org.parley.client.history.HistoryEntry;
import org.parley.client.history.MessageLog;
import org.parley.schemas.CodeOutbox;

/**
 * History for a newly linked device through the real stack (docs/e2e.md): alice and bob talk end to end; alice links a
 * laptop through provisioning; her phone seals what it kept into a history archive, uploads it to S3 with the
 * presigned upload API and sends its key in an end-to-end note whose envelope for the laptop alone carries it; the
 * laptop downloads, checks and opens it and shows the earlier messages. The S3 object is the sealed archive (its
 * SHA-256 is the digest in the note) and holds no marker of the conversation; an object that is not the one sealed is
 * refused by its digest.
 */
class LinkedDeviceHistoryIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @RegisterExtension
    static final SecureDeviceSessions DEVICES = new SecureDeviceSessions(STACK, WAIT);

    private SecureDevices.Connected device(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        return DEVICES.connect(d, keys);
    }

    private static String text(HistoryEntry e) {
        return new String(e.content(), StandardCharsets.UTF_8);
    }

    private static String marker() {
        String alphabet = "GHJKLMNPQRSTUVWXYZ";
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void aLaptopLinkedLaterShowsTheEarlierMessagesFromAnArchiveTheServerCannotRead() throws Exception {
        String marker = marker();
        ParleyClient.Device a1 = ParleyClient.register(DEVICES.edge(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(DEVICES.edge(), user("bob"), CodeOutbox::latest);
        DeviceKeys aliceKeys = DeviceKeys.generate(10, 0);
        SecureDevices.Connected phone = device(a1, aliceKeys);
        SecureDevices.Connected bob = device(b1, DeviceKeys.generate(10, 0));
        MessageLog phoneLog = MessageLog.open(DEVICES.stores().resolve(a1.deviceId() + ".messages"), DeviceStore.newKey());
        phone.messenger().keepHistory(phoneLog);

        // 1. History: alice writes, bob answers, alice writes again; her phone keeps what it sent and decrypted.
        JsonObject first = phone.messenger().send(b1.userId(), "h-1", ("hi bob " + marker).getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(first.getString("type")).as("%s", first).isEqualTo("sent");
        assertThat(SecureDevices.read(bob.client(), bob.messenger(), "h-1", WAIT)).isEqualTo("hi bob " + marker);
        bob.messenger().send(a1.userId(), "h-2", ("hello alice " + marker).getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(SecureDevices.read(phone.client(), phone.messenger(), "h-2", WAIT)).isEqualTo("hello alice " + marker);
        phone.messenger().send(b1.userId(), "h-3", "see you".getBytes(StandardCharsets.UTF_8), WAIT);
        String dm = first.getString("conversationId");
        assertThat(phoneLog.conversation(dm)).extracting(LinkedDeviceHistoryIT::text)
                .containsExactly("hi bob " + marker, "hello alice " + marker, "see you");

        // 2. alice links a laptop through provisioning; it publishes its keys.
        Provisioning.LinkRequest request = Provisioning.LinkRequest.create();
        DeviceLinking.authorise(DEVICES.edge(), a1, aliceKeys.identity(), request.linkCode());
        Provisioning.Grant grant = DeviceLinking.await(DEVICES.edge(), request, WAIT);
        ParleyClient.Device laptopDevice = new ParleyClient.Device(grant.userId(), grant.deviceId(), grant.token());
        SecureDevices.Connected laptop = device(laptopDevice,
                DeviceKeys.generate(grant.identity(), grant.registrationId(), 10, 0));

        // 3. The phone offers its history to the laptop.
        HistoryTransfer.Offered offered = HistoryTransfer.offer(DEVICES.edge(), phone.messenger(), a1, laptopDevice.deviceId(), WAIT);
        assertThat(offered.answer().getString("type")).as("%s", offered.answer()).isEqualTo("sent");
        assertThat(offered.entries()).isEqualTo(3);
        assertThat(offered.object()).startsWith("media/" + a1.userId() + "/");

        // 4. The laptop opens the note (its own envelope), downloads, checks and decrypts the archive.
        String noteId = offered.answer().getString("clientMessageId");
        JsonObject frame = laptop.client().awaitFrame(f -> TestUsers.is(f, "message", noteId), WAIT);
        SecureMessenger.Opened opened = laptop.messenger().open(frame);
        assertThat(opened).isInstanceOf(SecureMessenger.Opened.Content.class);
        Decrypted d = ((SecureMessenger.Opened.Content) opened).decrypted();
        assertThat(d).isInstanceOf(Decrypted.Plaintext.class);
        HistoryTransfer.Pointer pointer = HistoryTransfer.parse(((Decrypted.Plaintext) d).content()).orElseThrow();
        assertThat(pointer.isFor(laptopDevice.deviceId())).isTrue();
        MessageLog laptopLog = MessageLog.inMemory();
        List<HistoryEntry> past = HistoryTransfer.receive(DEVICES.edge(), laptopDevice, pointer, laptopLog);
        assertThat(past).containsExactlyElementsOf(phoneLog.entries());
        assertThat(laptopLog.conversation(dm)).extracting(LinkedDeviceHistoryIT::text)
                .containsExactly("hi bob " + marker, "hello alice " + marker, "see you");
        assertThat(laptopLog.conversation(dm)).extracting(HistoryEntry::senderUserId)
                .containsExactly(a1.userId(), b1.userId(), a1.userId());
        // The note is not a message: the phone did not keep it.
        assertThat(phoneLog.entries()).hasSize(3);

        // 5. What S3 holds is the sealed archive (the note's digest), not a plain one, and no marker of the chat.
        Path s3 = STACK.dataDir().resolve("data").resolve("s3");
        String objectName = offered.object().substring(offered.object().lastIndexOf('/') + 1);
        Path object;
        try (Stream<Path> files = Files.walk(s3)) {
            object = files.filter(p -> p.getFileName().toString().equals(objectName)).findFirst().orElseThrow();
        }
        byte[] stored = Files.readAllBytes(object);
        assertThat(HistoryArchive.sha256(stored)).isEqualTo(pointer.digest());
        assertThatThrownBy(() -> HistoryArchive.decode(stored)).isInstanceOf(HistoryArchiveException.Malformed.class);
        MarkerScan.Result scan = MarkerScan.scan(marker, s3);
        assertThat(scan.files()).isPositive();
        assertThat(scan.hits()).as("the chat's marker in S3").isEmpty();

        // 6. An object that is not the one sealed (here: another upload of alice's, named in a forged note) is refused
        //    by the digest before anything is read from it.
        byte[] forged = stored.clone();
        forged[forged.length / 2] ^= 1;
        String forgedObject = uploadAs(a1, forged);
        HistoryTransfer.Pointer swapped = new HistoryTransfer.Pointer(pointer.forDevice(), forgedObject, pointer.key(),
                pointer.digest(), pointer.bytes(), pointer.entries());
        MessageLog untouched = MessageLog.inMemory();
        assertThatThrownBy(() -> HistoryTransfer.receive(DEVICES.edge(), laptopDevice, swapped, untouched))
                .isInstanceOf(HistoryArchiveException.DigestMismatch.class);
        assertThat(untouched.entries()).isEmpty();
    }

    /** Uploads bytes through the presigned API as {@code device}, the way the SDK does, and returns the object key. */
    private static String uploadAs(ParleyClient.Device device, byte[] bytes) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        JsonObject upload = new JsonObject(http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(DEVICES.edge() + "/v1/uploads")).header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        new JsonObject().put("bytes", bytes.length).put("kind", "document").encode())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        int put = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(upload.getString("url")))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(put).isEqualTo(200);
        int done = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(DEVICES.edge() + "/v1/uploads/"
                        + upload.getString("uploadId") + "/complete")).header("Authorization", "Bearer " + device.token())
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(done).isEqualTo(200);
        return upload.getString("key");
    }
}
