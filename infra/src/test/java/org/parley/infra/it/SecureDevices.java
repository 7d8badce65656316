package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.Decrypted;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.DeviceStore;

/** What the end-to-end ITs do with a device: connect it with an encrypted store, and read a message it received. */
final class SecureDevices {
    private SecureDevices() {
    }

    /** A connected device with its store (a new file under {@code stores}) and its keys published. */
    record Connected(ParleyClient client, SecureMessenger messenger) {
    }

    static Connected connect(Vertx vertx, String edge, Path stores, ParleyClient.Device d, DeviceKeys keys,
                             Duration wait) throws Exception {
        DeviceStore store = DeviceStore.create(stores.resolve(d.deviceId() + ".store"), DeviceStore.newKey(), keys);
        ParleyClient client = ParleyClient.connect(vertx, edge, d, null, wait);
        SecureMessenger messenger = new SecureMessenger(edge, client, store, keys);
        messenger.publishKeys();
        return new Connected(client, messenger);
    }

    /** The message frame the device received for this client message id, opened with its own keys, as text. */
    static String read(ParleyClient client, SecureMessenger messenger, String clientMessageId, Duration wait)
            throws Exception {
        JsonObject frame = client.awaitFrame(f -> TestUsers.is(f, "message", clientMessageId), wait);
        SecureMessenger.Opened opened = messenger.open(frame);
        String device = client.device().deviceId();
        assertThat(opened).as("%s opening %s: %s", device, clientMessageId, frame)
                .isInstanceOf(SecureMessenger.Opened.Content.class);
        Decrypted d = ((SecureMessenger.Opened.Content) opened).decrypted();
        assertThat(d).as("%s decrypting %s", device, clientMessageId).isInstanceOf(Decrypted.Plaintext.class);
        return new String(((Decrypted.Plaintext) d).content(), StandardCharsets.UTF_8);
    }
}
