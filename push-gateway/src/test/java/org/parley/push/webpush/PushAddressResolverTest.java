package org.parley.push.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.projections.PushEndpointPolicy;

class PushAddressResolverTest {
    private static final PushEndpointPolicy POLICY = new PushEndpointPolicy(List.of("*"), false);

    /** Answers each lookup with the next scripted answer (DNS rebinding: a public address, then a loopback one). */
    private static PushAddressResolver.Lookup answers(String... each) {
        Deque<String> script = new ArrayDeque<>(List.of(each));
        return host -> {
            String next = script.poll();
            if (next == null) {
                throw new AssertionError("looked up more often than scripted");
            }
            String[] parts = next.split(",");
            InetAddress[] found = new InetAddress[parts.length];
            for (int i = 0; i < parts.length; i++) {
                found[i] = InetAddress.getByName(parts[i]);
            }
            return found;
        };
    }

    @Test
    void eachLookupIsCheckedSoARebindToLoopbackIsRefused() throws Exception {
        PushAddressResolver resolver = new PushAddressResolver(POLICY, answers("93.184.216.34", "127.0.0.1"));

        assertThat(resolver.resolve("push.example.com")).containsExactly(InetAddress.getByName("93.184.216.34"));
        assertThatThrownBy(() -> resolver.resolve("push.example.com"))
                .isInstanceOf(PushAddressResolver.RefusedAddressException.class)
                .hasMessage("push endpoint host push.example.com resolves to a loopback address 127.0.0.1");
    }

    @Test
    void theClientGetsResolvedSocketAddressesSoConnectingLooksNothingUp() throws Exception {
        PushAddressResolver resolver = new PushAddressResolver(POLICY, answers("93.184.216.34,2606:4700::1"));

        List<InetSocketAddress> addresses = resolver.resolve("push.example.com", 443);

        assertThat(addresses).hasSize(2).allSatisfy(a -> {
            assertThat(a.isUnresolved()).isFalse();
            assertThat(a.getPort()).isEqualTo(443);
        });
        assertThat(addresses.get(0).getAddress()).isEqualTo(InetAddress.getByName("93.184.216.34"));
    }

    @Test
    void oneInternalAddressAmongPublicOnesRefusesTheHost() {
        PushAddressResolver resolver = new PushAddressResolver(POLICY, answers("93.184.216.34,10.0.0.7"));

        assertThatThrownBy(() -> resolver.resolve("push.example.com"))
                .isInstanceOf(PushAddressResolver.RefusedAddressException.class)
                .hasMessageEndingWith("resolves to a private address 10.0.0.7");
    }

    @Test
    void ipv4MappedAndNat64FormsOfInternalAddressesAreRefused() {
        PushAddressResolver mapped = new PushAddressResolver(POLICY, answers("::ffff:169.254.169.254"));
        PushAddressResolver nat64 = new PushAddressResolver(POLICY, answers("64:ff9b::a9fe:a9fe"));

        assertThatThrownBy(() -> mapped.resolve("h")).hasMessageContaining("link-local");
        assertThatThrownBy(() -> nat64.resolve("h")).hasMessageContaining("link-local address (NAT64)");
    }

    @Test
    void anEmptyAnswerIsAnUnknownHostNotAnEmptyList() {
        PushAddressResolver resolver = new PushAddressResolver(POLICY, host -> new InetAddress[0]);

        assertThatThrownBy(() -> resolver.resolve("push.example.com", 443))
                .isExactlyInstanceOf(UnknownHostException.class);
    }

    @Test
    void theTestModeAdmitsLoopbackOnly() throws Exception {
        PushEndpointPolicy testMode = new PushEndpointPolicy(List.of("*"), true);

        assertThat(new PushAddressResolver(testMode, answers("127.0.0.1")).resolve("localhost")).hasSize(1);
        assertThatThrownBy(() -> new PushAddressResolver(testMode, answers("192.168.1.1")).resolve("localhost"))
                .isInstanceOf(PushAddressResolver.RefusedAddressException.class);
    }

    @Test
    void noCanonicalNameLookup() {
        assertThat(new PushAddressResolver(POLICY, answers()).resolveCanonicalHostname("push.example.com"))
                .isEqualTo("push.example.com");
    }
}
