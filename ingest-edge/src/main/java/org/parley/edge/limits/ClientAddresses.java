package org.parley.edge.limits;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The address a client's per-address limits count against. It is the TCP peer, unless the peer is one of
 * {@code limits.trusted-proxies}: then it is the right-most {@code X-Forwarded-For} entry that is not itself a trusted
 * proxy (entries to its left were written by the client and prove nothing). Without trusted proxies the header is
 * ignored: anyone can send it. IPv6 addresses count per {@code limits.address.ipv6-prefix} (a /64 by default: one
 * subscriber usually holds a whole /64, so per-address would be no limit at all).
 */
public final class ClientAddresses {
    private final List<Cidr> trustedProxies;
    private final List<Cidr> exempt;
    private final int ipv6PrefixBits;

    public ClientAddresses(List<Cidr> trustedProxies, List<Cidr> exempt, int ipv6PrefixBits) {
        this.trustedProxies = trustedProxies;
        this.exempt = exempt;
        this.ipv6PrefixBits = ipv6PrefixBits;
    }

    /**
     * The limit key of the client behind {@code peer} ({@code forwardedFor}: the X-Forwarded-For header values in
     * order), or empty if that address is exempt ({@code limits.address.exempt}).
     */
    public Optional<String> key(String peer, List<String> forwardedFor) {
        byte[] client = client(peer, forwardedFor);
        if (client == null) {
            return Optional.of(peer == null ? "unknown" : peer);
        }
        if (Cidr.any(exempt, client)) {
            return Optional.empty();
        }
        return Optional.of(format(client));
    }

    /** Whether {@code peer} is one of limits.trusted-proxies (its connections count for the clients behind it). */
    public boolean trusted(String peer) {
        byte[] ip = Cidr.literal(peer).orElse(null);
        return ip != null && Cidr.any(trustedProxies, ip);
    }

    private byte[] client(String peer, List<String> forwardedFor) {
        byte[] hop = Cidr.literal(peer).orElse(null);
        if (hop == null || trustedProxies.isEmpty() || !Cidr.any(trustedProxies, hop)) {
            return hop;
        }
        List<String> entries = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String e : header.split(",")) {
                if (!e.isBlank()) {
                    entries.add(e.trim());
                }
            }
        }
        for (int i = entries.size() - 1; i >= 0; i--) {
            byte[] e = Cidr.literal(stripPort(entries.get(i))).orElse(null);
            if (e == null) {
                return hop; // garbage where a proxy should have written an address: stay with the last known hop
            }
            hop = e;
            if (!Cidr.any(trustedProxies, e)) {
                return e;
            }
        }
        return hop;
    }

    /** "1.2.3.4:5678" and "[v6]:port" as some proxies write them. */
    private static String stripPort(String s) {
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end > 0 ? s.substring(0, end + 1) : s;
        }
        int colon = s.indexOf(':');
        return colon > 0 && s.indexOf(':', colon + 1) < 0 ? s.substring(0, colon) : s;
    }

    private String format(byte[] ip) {
        if (ip.length == 4) {
            return addressText(ip);
        }
        byte[] masked = ip.clone();
        for (int bit = ipv6PrefixBits; bit < 128; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        return addressText(masked) + "/" + ipv6PrefixBits;
    }

    private static String addressText(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
