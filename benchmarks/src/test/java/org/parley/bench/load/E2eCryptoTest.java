package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --e2e} without a stack: the envelopes a send carries (one per recipient device, PreKey messages until the peer
 * answers, then Signal messages), the receiver's decryption and what the result reports.
 */
class E2eCryptoTest {
    private final List<BenchDevice> devices = TestDevices.of(2, 2); // u0: d0, d1; u1: d2, d3
    private final byte[] payload = "a hundred bytes of chat, more or less".getBytes();

    private static JsonObject delivery(BenchDevice from, JsonObject envelope) {
        return new JsonObject().put("type", "message").put("encrypted", true).put("senderUserId", from.userId())
                .put("senderDeviceId", from.credentials.deviceId()).put("envelope", envelope);
    }

    private static JsonObject own(JsonArray envelopes, BenchDevice d) {
        return envelopes.stream().map(JsonObject.class::cast)
                .filter(e -> e.getString("deviceId").equals(d.credentials.deviceId())).findFirst().orElseThrow()
                .copy().put("deviceId", (Object) null);
    }

    @Test
    void aSendCarriesOneEnvelopePerRecipientDeviceThatEachDecryptsAndTheSizesAreReported() throws Exception {
        E2eCrypto e2e = E2eCrypto.local(devices, payload);
        BenchDevice d0 = devices.get(0);
        int[] recipients = {2, 3, 1}; // the partner's devices and the sender's other one
        JsonArray first = new JsonArray(e2e.envelopes(d0, recipients));
        assertThat(first).hasSize(3);
        assertThat(first.stream().map(o -> ((JsonObject) o).getString("type"))).containsOnly("prekey");
        for (int r : recipients) {
            e2e.open(devices.get(r), delivery(d0, own(first, devices.get(r))));
        }
        // d2 answers: d0's next envelope to d2 is a plain Signal message (steady state).
        e2e.open(d0, delivery(devices.get(2), own(new JsonArray(e2e.envelopes(devices.get(2), new int[] {0})), d0)));
        JsonArray second = new JsonArray(e2e.envelopes(d0, recipients));
        assertThat(own(second, devices.get(2)).getString("type")).isEqualTo("message");
        e2e.open(devices.get(2), delivery(d0, own(second, devices.get(2))));
        // A redelivery is a duplicate, not a failure.
        e2e.open(devices.get(2), delivery(d0, own(second, devices.get(2))));

        JsonObject r = e2e.result();
        assertThat(r.getLong("decrypted")).isEqualTo(5);
        assertThat(r.getLong("duplicates")).isEqualTo(1);
        assertThat(r.getLong("failed")).isZero();
        assertThat(r.getLong("wrongContent")).isZero();
        JsonObject prekey = r.getJsonObject("envelopes").getJsonObject("prekey");
        JsonObject message = r.getJsonObject("envelopes").getJsonObject("message");
        // 3 first, then 2 to d3 and d1, who have not answered; d2's answer (it took d0's PreKey message) and d0's
        // second envelope to d2 are Signal messages.
        assertThat(prekey.getLong("count")).isEqualTo(5);
        assertThat(message.getLong("count")).isEqualTo(2);
        assertThat(prekey.getDouble("meanBodyBytes")).isGreaterThan(1500); // the Kyber-1024 ciphertext rides along
        assertThat(message.getDouble("meanBodyBytes")).isLessThan(300);
    }

    @Test
    void anEnvelopeThatDoesNotOpenIsCountedAsAFailure() throws Exception {
        E2eCrypto e2e = E2eCrypto.local(devices, payload);
        JsonArray sent = new JsonArray(e2e.envelopes(devices.get(0), new int[] {2}));
        JsonObject envelope = own(sent, devices.get(2));
        e2e.open(devices.get(3), delivery(devices.get(0), envelope)); // another device's envelope
        e2e.open(devices.get(2), new JsonObject().put("type", "message").put("encrypted", true)
                .put("envelopeMissing", true));
        JsonObject r = e2e.result();
        assertThat(r.getLong("failed")).isEqualTo(2);
        assertThat(r.getString("firstFailure")).contains("device 3");
    }
}
