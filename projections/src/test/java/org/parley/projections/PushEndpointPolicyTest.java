package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.parley.config.Settings;

class PushEndpointPolicyTest {
    private final PushEndpointPolicy defaults = PushEndpointPolicy.from(Settings.of(Map.of()));
    private final PushEndpointPolicy anyHost = new PushEndpointPolicy(List.of("*"), false);
    private final PushEndpointPolicy testMode = new PushEndpointPolicy(List.of("*"), true);

    @Test
    void byDefaultTheKnownPushServicesAreAllowedAndLoopbackIsNot() {
        assertThat(defaults.allowsLoopback()).isFalse();
        assertThat(defaults.refuseUrl("https://fcm.googleapis.com/fcm/send/abc:def")).isNull();
        assertThat(defaults.refuseUrl("https://updates.push.services.mozilla.com/wpush/v2/gAAA")).isNull();
        assertThat(defaults.refuseUrl("https://wns2-par02p.notify.windows.com/w/?token=x")).isNull();
        assertThat(defaults.refuseUrl("https://web.push.apple.com/QGx")).isNull();
        assertThat(defaults.refuseUrl("https://FCM.googleapis.com./fcm/send/x")).isNull();
    }

    @Test
    void aHostOutsideTheAllowListIsRefusedByName() {
        assertThat(defaults.refuseUrl("https://push.example.com/x"))
                .isEqualTo("endpoint host push.example.com is not an allowed push service (fcm.googleapis.com, "
                        + "updates.push.services.mozilla.com, *.notify.windows.com, web.push.apple.com)");
        // Suffix rules match whole labels only, and *.x does not match x itself.
        assertThat(defaults.refuseUrl("https://evilfcm.googleapis.com.attacker.net/x")).isNotNull();
        assertThat(defaults.refuseUrl("https://notfcm.googleapis.com/x")).isNotNull();
        assertThat(defaults.refuseUrl("https://notify.windows.com/x")).isNotNull();
        assertThat(defaults.refuseUrl("https://attackernotify.windows.com/x")).isNotNull();
        assertThat(defaults.refuseUrl("https://8.8.8.8/x"))
                .startsWith("endpoint must name a push service (fcm.googleapis.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://fcm.googleapis.com/x", "ftp://fcm.googleapis.com/x", "fcm.googleapis.com/x",
            "/relative", "https:///x"})
    void onlyAbsoluteHttpsUrlsAreEndpoints(String url) {
        assertThat(defaults.refuseUrl(url)).isIn("endpoint must be an https URL",
                "endpoint must be an absolute https URL of at most 2048 characters");
    }

    @Test
    void userInfoOverlongAndUnparsableUrlsAreRefused() {
        assertThat(defaults.refuseUrl("https://me:pw@fcm.googleapis.com/x")).isEqualTo("endpoint must not carry user info");
        assertThat(defaults.refuseUrl("https://fcm.googleapis.com/" + "a".repeat(2048))).contains("at most 2048");
        assertThat(defaults.refuseUrl("https://fcm.googleapis.com/a b")).isEqualTo("endpoint is not a URL");
        assertThat(defaults.refuseUrl(null)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://127.0.0.1/x", "https://10.1.2.3/x", "https://172.16.0.1/x", "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/x", "https://0.0.0.0/x", "https://224.0.0.1/x",
            "https://255.255.255.255/x", "https://[::1]/x", "https://[::]/x", "https://[fc00::1]/x", "https://[fd12::1]/x",
            "https://[fe80::1]/x", "https://[ff02::1]/x", "https://[::ffff:127.0.0.1]/x", "https://[::ffff:a9fe:a9fe]/x",
            "https://[64:ff9b::a00:1]/x", "https://[2002:c0a8:101::1]/x"})
    void literalNonPublicAddressesAreRefusedEvenWithoutAnAllowList(String url) {
        assertThat(anyHost.refuseUrl(url)).startsWith("endpoint resolves to ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://2130706433/x", "https://127.1/x", "https://0177.0.0.1/x", "https://1.2.3.4.5/x",
            "https://[fe80::1%25eth0]/x"})
    void addressFormsResolversDisagreeOnAreRefused(String url) {
        assertThat(anyHost.refuseUrl(url)).startsWith("endpoint host ").contains(" is not a valid ");
    }

    @Test
    void publicAddressesAndNamesPassWithoutAnAllowList() {
        assertThat(anyHost.refuseUrl("https://8.8.8.8/x")).isNull();
        assertThat(anyHost.refuseUrl("https://[2606:4700:4700::1111]/x")).isNull();
        assertThat(anyHost.refuseUrl("https://push.example.com/x")).isNull();
        assertThat(anyHost.refuseUrl("http://push.example.com/x")).isEqualTo("endpoint must be an https URL");
    }

    @Test
    void theTestModeAdmitsLoopbackHttpAndNothingElsePrivate() {
        assertThat(testMode.refuseUrl("http://127.0.0.1:4000/push/x")).isNull();
        assertThat(testMode.refuseUrl("http://[::1]:4000/push/x")).isNull();
        assertThat(testMode.refuseUrl("http://localhost:4000/push/x")).isNull();
        assertThat(testMode.refuseUrl("http://10.0.0.1/push/x")).isEqualTo("endpoint must be an https URL");
        assertThat(testMode.refuseUrl("https://10.0.0.1/push/x")).startsWith("endpoint resolves to a private address");
        assertThat(defaults.refuseUrl("http://127.0.0.1:4000/push/x")).isEqualTo("endpoint must be an https URL");
        // The allow-list does not stand in the way of the local endpoint in test mode.
        assertThat(new PushEndpointPolicy(List.of("fcm.googleapis.com"), true).refuseUrl("http://127.0.0.1:1/p"))
                .isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.0.9",
            "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.168.0.1", "198.18.0.1",
            "198.51.100.1", "203.0.113.1", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
            "::", "::1", "::127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "64:ff9b:1::1", "2002:7f00:1::",
            "2001:db8::1", "2001::1", "100::1", "fc00::1", "fdff::1", "fe80::1", "febf::1", "fec0::1", "ff02::fb"})
    void nonPublicAddressesAreForbidden(String address) throws Exception {
        assertThat(PushEndpointPolicy.forbiddenRange(InetAddress.getByName(address))).isNotNull();
        assertThat(defaults.refuseAddress(InetAddress.getByName(address))).startsWith("resolves to ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
            "142.250.74.106", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001:82b::200a",
            "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"})
    void publicAddressesAreAllowed(String address) throws Exception {
        assertThat(PushEndpointPolicy.forbiddenRange(InetAddress.getByName(address))).isNull();
    }

    @Test
    void theTestModeAdmitsLoopbackAddressesOnly() throws Exception {
        assertThat(testMode.refuseAddress(InetAddress.getByName("127.0.0.1"))).isNull();
        assertThat(testMode.refuseAddress(InetAddress.getByName("::1"))).isNull();
        assertThat(testMode.refuseAddress(InetAddress.getByName("10.0.0.1"))).isEqualTo("resolves to a private address 10.0.0.1");
        assertThat(testMode.refuseAddress(InetAddress.getByName("169.254.169.254"))).isNotNull();
    }

    @Test
    void anEmptyAllowListIsAConfigurationError() {
        assertThatThrownBy(() -> PushEndpointPolicy.from(Settings.of(Map.of("push.allowed-hosts", " , "))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("push.allowed-hosts is empty");
    }
}
