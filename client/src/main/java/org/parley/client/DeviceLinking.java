package org.parley.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeoutException;
import org.parley.client.crypto.Provisioning;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.util.KeyHelper;

/**
 * Linking a companion device through provisioning (docs/e2e.md, "Linking a device"): the new device shows a link code
 * ({@link Provisioning.LinkRequest}); the primary {@linkplain #authorise authorises} it — links a device
 * ({@code POST /v1/devices/link}), seals the grant with the user's identity to the link code's key and leaves it on the
 * relay ({@code PUT /v1/devices/provisioning/{linkId}}); the new device {@linkplain #await takes} it
 * ({@code GET /v1/devices/provisioning/{linkId}}, once) and opens it. Then it makes its keys with
 * {@code DeviceKeys.generate(grant.identity(), grant.registrationId(), …).withGrant(grant.deviceGrant())}, connects
 * with the grant's token and publishes them (the primary's signature over the device goes with them).
 */
public final class DeviceLinking {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration POLL = Duration.ofMillis(200);

    private DeviceLinking() {
    }

    /**
     * The primary's side: links a new device for the user and leaves its sealed grant for the device that shows
     * {@code linkCode}. Returns the new device (its token travels only inside the sealed grant, too).
     */
    public static ParleyClient.Device authorise(String httpBase, ParleyClient.Device primary, IdentityKeyPair identity,
            String linkCode) throws IOException, InterruptedException, Provisioning.ProvisioningException {
        Provisioning.LinkCode code = Provisioning.LinkCode.parse(linkCode); // before a device slot is spent
        ParleyClient.Device device = ParleyClient.link(httpBase, primary);
        byte[] sealed = Provisioning.seal(code, identity, device.userId(), device.deviceId(), device.token(),
                KeyHelper.generateRegistrationId(false));
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/v1/devices/provisioning/"
                        + code.linkId())).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + primary.token()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject()
                        .put("message", Base64.getEncoder().encodeToString(sealed)).encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 204) {
            ParleyClient.unlink(httpBase, primary, device.deviceId()); // nobody can use it: do not leave it linked
            throw new IOException("provisioning for " + device.deviceId() + " not relayed: HTTP " + res.statusCode()
                    + " " + res.body());
        }
        return device;
    }

    /**
     * The new device's side: waits for the primary's sealed grant on the relay (polling), takes it and opens it.
     *
     * @throws Provisioning.ProvisioningException the message does not open with this request or is not a valid grant
     * @throws TimeoutException nothing arrived within {@code timeout}
     */
    public static Provisioning.Grant await(String httpBase, Provisioning.LinkRequest request, Duration timeout)
            throws IOException, InterruptedException, TimeoutException, Provisioning.ProvisioningException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase
                    + "/v1/devices/provisioning/" + request.linkId())).timeout(Duration.ofSeconds(15)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() == 200) {
                byte[] sealed = Base64.getDecoder().decode(new JsonObject(res.body()).getString("message"));
                return Provisioning.open(request, sealed);
            }
            if (res.statusCode() != 404) {
                throw new IOException("provisioning not taken: HTTP " + res.statusCode() + " " + res.body());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new TimeoutException("no provisioning message for link " + request.linkId() + " within " + timeout);
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
