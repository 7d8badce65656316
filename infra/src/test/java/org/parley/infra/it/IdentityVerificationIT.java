package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.parley.client.DeviceLinking;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.crypto.Provisioning;
import org.parley.client.crypto.Verification.State;
import org.parley.schemas.CodeOutbox;

/**
 * Identity and verification through the real stack (docs/e2e.md, docs/adr/0013): alice and bob exchange encrypted
 * messages and see the same safety number; bob verifies alice; alice links a laptop through provisioning (the
 * identity travels sealed over the relay), bob sees the device-list change and his next message reaches the laptop
 * too; alice re-registers with a new identity, bob's SDK holds his next send until he accepts the change; a device the
 * server adds with an identity of its own is refused by bob's SDK as an identity change.
 */
class IdentityVerificationIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @RegisterExtension
    static final SecureDeviceSessions DEVICES = new SecureDeviceSessions(STACK, WAIT);

    record Phone(ParleyClient client, SecureMessenger messenger) {
        String deviceId() {
            return client.device().deviceId();
        }
    }

    private Phone device(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        SecureDevices.Connected c = DEVICES.connect(d, keys);
        return new Phone(c.client(), c.messenger());
    }

    private static String read(Phone p, String clientMessageId) throws Exception {
        return SecureDevices.read(p.client(), p.messenger(), clientMessageId, WAIT);
    }

    private static JsonObject send(Phone from, String to, String clientMessageId, String text) throws Exception {
        JsonObject sent = from.messenger().send(to, clientMessageId, text.getBytes(StandardCharsets.UTF_8), WAIT);
        assertThat(sent.getString("type")).as("%s", sent).isEqualTo("sent");
        return sent;
    }

    private static JsonObject event(Phone p, String kind, String deviceId) throws Exception {
        return p.client().awaitFrame(f -> "message".equals(f.getString("type")) && kind.equals(f.getString("kind"))
                && deviceId.equals(f.getString("senderDeviceId")), WAIT);
    }

    @Test
    void verifyLinkThroughProvisioningReRegisterAndRefuseADeviceTheServerAdded() throws Exception {
        ParleyClient.Device a1 = ParleyClient.register(DEVICES.edge(), user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(DEVICES.edge(), user("bob"), CodeOutbox::latest);
        String alice = a1.userId();
        DeviceKeys aliceKeys = DeviceKeys.generate(10, 0);
        Phone alicePhone = device(a1, aliceKeys);
        Phone bob = device(b1, DeviceKeys.generate(10, 0));
        List<JsonObject> bobFrames = new CopyOnWriteArrayList<>();
        bob.client().onFrame(bobFrames::add);

        // 1. Encrypted both ways; both sides show the same safety number; bob verifies alice by scanning.
        send(alicePhone, b1.userId(), "iv-1", "hello bob");
        assertThat(read(bob, "iv-1")).isEqualTo("hello bob");
        send(bob, alice, "iv-2", "hi alice");
        assertThat(read(alicePhone, "iv-2")).isEqualTo("hi alice");
        String number = bob.messenger().safetyNumber(alice).displayText();
        assertThat(number).matches("[0-9]{60}").isEqualTo(alicePhone.messenger().safetyNumber(b1.userId()).displayText());
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.UNVERIFIED);
        assertThat(bob.messenger().verify(alice, alicePhone.messenger().safetyNumber(b1.userId()).scannable())).isTrue();
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.VERIFIED);

        // 2. alice links a laptop through provisioning: it shows a link code, her phone seals the identity to it.
        Provisioning.LinkRequest request = Provisioning.LinkRequest.create();
        ParleyClient.Device linked = DeviceLinking.authorise(DEVICES.edge(), a1, aliceKeys.identity(), request.linkCode());
        Provisioning.Grant grant = DeviceLinking.await(DEVICES.edge(), request, WAIT);
        assertThat(grant.deviceId()).isEqualTo(linked.deviceId());
        assertThat(grant.identity().getPublicKey()).isEqualTo(aliceKeys.identity().getPublicKey());
        assertThatThrownBy(() -> DeviceLinking.await(DEVICES.edge(), request, Duration.ZERO)) // taken once
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
        Phone aliceLaptop = device(new ParleyClient.Device(grant.userId(), grant.deviceId(), grant.token()),
                DeviceKeys.generate(grant.identity(), grant.registrationId(), 10, 0));

        // bob sees the device-list change; alice's identity is the same, so she stays verified.
        SecureMessenger.Opened change = bob.messenger().open(event(bob, "device_linked", linked.deviceId()));
        assertThat(change).isEqualTo(new SecureMessenger.Opened.DeviceListChanged(alice, linked.deviceId(), true));
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.VERIFIED);
        // bob's next message reaches the laptop too: one envelope more, and no MISMATCHED_DEVICES round trip.
        send(bob, alice, "iv-3", "to both of you");
        assertThat(read(alicePhone, "iv-3")).isEqualTo("to both of you");
        assertThat(read(aliceLaptop, "iv-3")).isEqualTo("to both of you");
        assertThat(bob.messenger().knownDevices(alice)).containsExactlyInAnyOrder(a1.deviceId(), linked.deviceId());
        assertThat(bobFrames).noneMatch(f -> "error".equals(f.getString("type")) && "iv-3".equals(f.getString("ref")));

        // 3. alice re-registers on a new phone with a new identity: bob's SDK marks her CHANGED and holds his send.
        ParleyClient.Device a3 = ParleyClient.register(DEVICES.edge(), alice, CodeOutbox::latest);
        Phone newPhone = device(a3, DeviceKeys.generate(10, 0));
        SecureMessenger.Opened changed = bob.messenger().open(event(bob, "identity_changed", a3.deviceId()));
        assertThat(changed).isEqualTo(new SecureMessenger.Opened.IdentityChanged(alice));
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.CHANGED);
        assertThatThrownBy(() -> bob.messenger().send(alice, "iv-4", "held?".getBytes(StandardCharsets.UTF_8), WAIT))
                .isInstanceOf(SecureMessenger.IdentityChangedException.class);
        assertThat(bobFrames).noneMatch(f -> "iv-4".equals(f.getString("clientMessageId"))
                || "iv-4".equals(f.getString("ref")));
        assertThat(bob.messenger().safetyNumber(alice).displayText()).isNotEqualTo(number)
                .isEqualTo(newPhone.messenger().safetyNumber(b1.userId()).displayText());
        bob.messenger().acceptIdentityChange(alice);
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.UNVERIFIED);
        send(bob, alice, "iv-4", "welcome back");
        assertThat(read(newPhone, "iv-4")).isEqualTo("welcome back");
        assertThat(bob.messenger().knownDevices(alice)).containsExactly(a3.deviceId());

        // 4. A device the server adds on its own (linked without provisioning, keys of an identity of its own): bob's
        // SDK refuses its bundle as an identity change and sends nothing.
        ParleyClient.Device planted = ParleyClient.link(DEVICES.edge(), a3);
        device(planted, DeviceKeys.generate(10, 0));
        assertThat(bob.messenger().open(event(bob, "device_linked", planted.deviceId())))
                .isEqualTo(new SecureMessenger.Opened.DeviceListChanged(alice, planted.deviceId(), true));
        assertThatThrownBy(() -> bob.messenger().send(alice, "iv-5", "to whom?".getBytes(StandardCharsets.UTF_8), WAIT))
                .isInstanceOf(SecureMessenger.IdentityChangedException.class);
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.CHANGED);
        assertThatThrownBy(() -> bob.messenger().acceptIdentityChange(alice)).isInstanceOf(IOException.class)
                .hasMessageContaining("different identity keys");
        assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.CHANGED);
        assertThat(bobFrames).noneMatch(f -> "iv-5".equals(f.getString("clientMessageId"))
                || "iv-5".equals(f.getString("ref")));

        // Unlinking the planted device is announced too; then alice's own identity can be accepted again.
        assertThat(ParleyClient.unlink(DEVICES.edge(), a3, planted.deviceId())).isEqualTo(204);
        assertThat(bob.messenger().open(event(bob, "device_unlinked", planted.deviceId())))
                .isEqualTo(new SecureMessenger.Opened.DeviceListChanged(alice, planted.deviceId(), false));
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            bob.messenger().acceptIdentityChange(alice);
            assertThat(bob.messenger().verificationState(alice)).isEqualTo(State.UNVERIFIED);
        });
        send(bob, alice, "iv-6", "just you");
        assertThat(read(newPhone, "iv-6")).isEqualTo("just you");
    }
}
