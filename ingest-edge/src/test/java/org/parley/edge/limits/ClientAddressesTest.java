package org.parley.edge.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {
    private static ClientAddresses behind(String proxies) {
        return new ClientAddresses(Cidr.parseList("p", proxies), List.of(), 64);
    }

    @Test
    void forwardedForIsIgnoredWithoutTrustedProxies() {
        assertThat(behind("").key("198.51.100.7", List.of("203.0.113.9"))).contains("198.51.100.7");
    }

    @Test
    void forwardedForIsIgnoredFromAPeerThatIsNotATrustedProxy() {
        assertThat(behind("10.0.0.0/8").key("198.51.100.7", List.of("203.0.113.9"))).contains("198.51.100.7");
    }

    @Test
    void behindTrustedProxiesTheRightMostUntrustedEntryIsTheClient() {
        ClientAddresses a = behind("10.0.0.0/8, 192.168.1.1");
        // The client wrote "1.2.3.4" itself; the edge proxy appended the real client, then an inner proxy its own.
        assertThat(a.key("10.0.0.5", List.of("1.2.3.4, 203.0.113.9", "192.168.1.1"))).contains("203.0.113.9");
        assertThat(a.key("10.0.0.5", List.of("203.0.113.9:51234"))).contains("203.0.113.9");
        assertThat(a.key("10.0.0.5", List.of())).as("no header: the proxy itself").contains("10.0.0.5");
        assertThat(a.key("10.0.0.5", List.of("not-an-address"))).as("garbage: the last known hop")
                .contains("10.0.0.5");
        assertThat(a.key("10.0.0.5", List.of("example.com"))).as("names are never resolved").contains("10.0.0.5");
    }

    @Test
    void ipv6ClientsCountPerPrefix() {
        ClientAddresses a = behind("");
        assertThat(a.key("2001:db8:1:2:aaaa::1", List.of())).isEqualTo(a.key("2001:db8:1:2:bbbb::9", List.of()))
                .contains("2001:db8:1:2:0:0:0:0/64");
        assertThat(a.key("2001:db8:1:3::1", List.of())).contains("2001:db8:1:3:0:0:0:0/64");
        assertThat(a.key("::ffff:192.0.2.1", List.of())).as("v4-mapped is IPv4").contains("192.0.2.1");
    }

    @Test
    void exemptAddressesHaveNoKey() {
        ClientAddresses a = new ClientAddresses(List.of(), Cidr.parseList("e", "127.0.0.0/8,::1"), 64);
        assertThat(a.key("127.0.0.1", List.of())).isEmpty();
        assertThat(a.key("::1", List.of())).isEmpty();
        assertThat(a.key("192.0.2.1", List.of())).contains("192.0.2.1");
    }

    @Test
    void badBlocksNameTheirSetting() {
        assertThatThrownBy(() -> Cidr.parseList("limits.trusted-proxies", "10.0.0.0/33"))
                .hasMessageContaining("limits.trusted-proxies");
        assertThatThrownBy(() -> Cidr.parseList("limits.trusted-proxies", "proxy.internal"))
                .hasMessageContaining("limits.trusted-proxies");
        assertThat(Cidr.literal("999.1.1.1")).isEmpty();
    }
}
