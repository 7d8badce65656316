package org.parley.push.webpush;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;
import org.parley.projections.PushEndpointPolicy;

/**
 * The Web Push client's only name resolver: looks a push endpoint's host up once per connection, refuses the host if
 * any of its addresses is one a push may not go to ({@link PushEndpointPolicy#refuseAddress}), and hands the client
 * exactly the addresses it checked, which the client connects to (TLS still verifies the certificate against the
 * host name). Nothing resolves the name a second time, so a DNS answer that changes between a check and a connect
 * (DNS rebinding) cannot redirect a push into the server's network.
 */
public final class PushAddressResolver implements DnsResolver {
    /** Looks a host name up; {@link #SYSTEM} in production, a scripted one in tests. */
    @FunctionalInterface
    public interface Lookup {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    public static final Lookup SYSTEM = InetAddress::getAllByName;

    /** The host resolved to an address a push may not go to. Not transient: the push is not retried. */
    public static final class RefusedAddressException extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        RefusedAddressException(String message) {
            super(message);
        }
    }

    private final PushEndpointPolicy policy;
    private final Lookup lookup;

    public PushAddressResolver(PushEndpointPolicy policy, Lookup lookup) {
        this.policy = policy;
        this.lookup = lookup;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] found = lookup.lookup(name);
        if (found == null || found.length == 0) {
            throw new UnknownHostException(host); // never an empty answer: the client would resolve it itself
        }
        for (InetAddress address : found) {
            String refused = policy.refuseAddress(address);
            if (refused != null) {
                throw new RefusedAddressException("push endpoint host " + host + " " + refused);
            }
        }
        return found.clone();
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (InetAddress address : resolve(host)) {
            addresses.add(new InetSocketAddress(address, port)); // resolved: connecting looks nothing up
        }
        return addresses;
    }

    @Override
    public String resolveCanonicalHostname(String host) {
        return host; // no reverse or canonical-name lookups
    }
}
