package org.parley.projections;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.parley.config.Settings;

/**
 * Where a push may go. The dispatcher POSTs to whatever URL a device registered, so an unchecked subscription would
 * let any user make the server send requests into its own network (server-side request forgery). Three rules,
 * applied by the edge when a subscription is registered ({@link #refuseUrl}: no DNS lookup there) and again by the
 * push dispatcher at send time ({@link #refuseUrl}, then {@link #refuseAddress} on every address the host resolves
 * to, connecting only to an address that passed):
 * <ol>
 *   <li>the endpoint is an {@code https} URL without user info;</li>
 *   <li>its host is one of the configured push services ({@code push.allowed-hosts}: an entry matches the host and
 *       its subdomains, {@code *.x} only subdomains; {@code *} alone lifts the allow-list);</li>
 *   <li>every address it resolves to is a public unicast address: not loopback, private (RFC 1918, fc00::/7),
 *       link-local, CGNAT (100.64/10), multicast, unspecified, reserved or documentation ranges, nor an IPv6 form
 *       that embeds such an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4).</li>
 * </ol>
 * The local test mode ({@code push.allow-loopback-http=true}, off by default) additionally admits {@code http} and
 * {@code https} endpoints whose host is a loopback literal or {@code localhost}, and loopback addresses: the test
 * endpoint of the integration tests and the load harness listens on 127.0.0.1.
 */
public final class PushEndpointPolicy {
    /** The Web Push services of Chrome/Android (FCM), Firefox, Edge/Windows and Safari/Apple. */
    public static final String DEFAULT_ALLOWED_HOSTS =
            "fcm.googleapis.com,updates.push.services.mozilla.com,*.notify.windows.com,web.push.apple.com";
    public static final int MAX_ENDPOINT_LENGTH = 2048;

    private final List<String> allowedHosts;
    private final boolean anyHost;
    private final boolean allowLoopback;

    /**
     * @param allowedHosts host rules ({@code push.example.com} matches it and its subdomains, {@code *.example.com}
     *     only subdomains); {@code ["*"]} admits any host name (addresses are still checked)
     * @param allowLoopback the local test mode: loopback endpoints (http or https) and addresses admitted
     */
    public PushEndpointPolicy(List<String> allowedHosts, boolean allowLoopback) {
        if (allowedHosts.isEmpty()) {
            throw new IllegalArgumentException("push.allowed-hosts is empty: list the push services' hosts "
                    + "(comma-separated), or * for any public host");
        }
        this.allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        this.anyHost = this.allowedHosts.contains("*");
        this.allowLoopback = allowLoopback;
    }

    /** From {@code push.allowed-hosts} and {@code push.allow-loopback-http}. */
    public static PushEndpointPolicy from(Settings s) {
        String hosts = s.find("push.allowed-hosts").orElse("");
        return new PushEndpointPolicy(Arrays.stream(hosts.split(",")).map(String::trim).filter(h -> !h.isEmpty())
                .toList(), s.getBoolean("push.allow-loopback-http"));
    }

    public boolean allowsLoopback() {
        return allowLoopback;
    }

    /** Why this URL may not be a push endpoint, or null if it may. Never looks a name up. */
    public String refuseUrl(String endpoint) {
        if (endpoint == null || endpoint.length() > MAX_ENDPOINT_LENGTH) {
            return "endpoint must be an absolute https URL of at most " + MAX_ENDPOINT_LENGTH + " characters";
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            return "endpoint is not a URL";
        }
        String host = uri.getHost();
        if (uri.isAbsolute() && host == null && uri.getRawAuthority() != null) { // e.g. 127.1: no server authority
            return "endpoint host " + uri.getRawAuthority() + " is not a valid host name or address";
        }
        if (!uri.isAbsolute() || host == null || host.isEmpty()) {
            return "endpoint must be an absolute https URL of at most " + MAX_ENDPOINT_LENGTH + " characters";
        }
        if (uri.getRawUserInfo() != null) {
            return "endpoint must not carry user info";
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        boolean loopbackHost;
        try {
            loopbackHost = allowLoopback && isLoopbackHost(host);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!scheme.equals("https") && !(scheme.equals("http") && loopbackHost)) {
            return "endpoint must be an https URL";
        }
        if (loopbackHost) {
            return null;
        }
        InetAddress literal;
        try {
            literal = literalAddress(host);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (literal != null) {
            String refused = refuseAddress(literal);
            if (refused != null) {
                return "endpoint " + refused;
            }
            if (!anyHost) {
                return "endpoint must name a push service (" + String.join(", ", allowedHosts) + "), not an address";
            }
            return null;
        }
        if (!anyHost && !allowedHost(host)) {
            return "endpoint host " + host + " is not an allowed push service (" + String.join(", ", allowedHosts)
                    + ")";
        }
        return null;
    }

    /** Whether the host name matches the allow-list (a name, compared without a trailing dot, case-insensitively). */
    public boolean allowedHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (String rule : allowedHosts) {
            if (rule.equals("*")) {
                return true;
            }
            if (rule.startsWith("*.")) {
                if (h.endsWith(rule.substring(1))) {
                    return true;
                }
            } else if (h.equals(rule) || h.endsWith("." + rule)) {
                return true;
            }
        }
        return false;
    }

    /** Why a push may not connect to this address ("resolves to a loopback address 127.0.0.1"), or null. */
    public String refuseAddress(InetAddress address) {
        String range = forbiddenRange(address);
        if (range == null || (allowLoopback && address.isLoopbackAddress())) {
            return null;
        }
        return "resolves to " + range + " " + address.getHostAddress();
    }

    /**
     * The name of the non-public range this address is in ("a loopback address", "a private address", ...), or null
     * for a public unicast address.
     */
    public static String forbiddenRange(InetAddress address) {
        byte[] a = address.getAddress();
        if (address instanceof Inet4Address) {
            return forbiddenV4(a);
        }
        if (!(address instanceof Inet6Address) || a.length != 16) {
            return "an unknown kind of address";
        }
        if (allZero(a, 0, 16)) {
            return "the unspecified address";
        }
        if (allZero(a, 0, 15) && a[15] == 1) {
            return "a loopback address";
        }
        // IPv6 forms that carry an IPv4 address: judged by that address.
        if (allZero(a, 0, 10) && a[10] == (byte) 0xff && a[11] == (byte) 0xff) { // ::ffff:a.b.c.d
            return embedded(a, 12, "IPv4-mapped");
        }
        if (allZero(a, 0, 12)) { // ::a.b.c.d (deprecated IPv4-compatible)
            return embedded(a, 12, "IPv4-compatible");
        }
        if (prefix(a, 0x00, 0x64, 0xff, 0x9b) && allZero(a, 4, 12)) { // 64:ff9b::/96 NAT64
            return embedded(a, 12, "NAT64");
        }
        if (prefix(a, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) {
            return "a local-use NAT64 address";
        }
        if (prefix(a, 0x20, 0x02)) { // 2002::/16 6to4
            return embedded(a, 2, "6to4");
        }
        int first = a[0] & 0xff;
        if (first == 0xff) {
            return "a multicast address";
        }
        if ((first & 0xfe) == 0xfc) {
            return "a unique local (private) address";
        }
        if (first == 0xfe && (a[1] & 0xc0) == 0x80) {
            return "a link-local address";
        }
        if (first == 0xfe && (a[1] & 0xc0) == 0xc0) {
            return "a site-local address";
        }
        if ((first & 0xe0) != 0x20) { // global unicast is 2000::/3
            return "a reserved address";
        }
        if (prefix(a, 0x20, 0x01, 0x0d, 0xb8)) {
            return "a documentation address";
        }
        if (prefix(a, 0x20, 0x01, 0x00, 0x00)) {
            return "a Teredo address";
        }
        if (prefix(a, 0x20, 0x01) && (a[2] & 0xfe) == 0x00) { // 2001::/23 IETF protocol assignments
            return "a reserved address";
        }
        return null;
    }

    private static String embedded(byte[] a, int offset, String form) {
        String inner = forbiddenV4(Arrays.copyOfRange(a, offset, offset + 4));
        return inner == null ? null : inner + " (" + form + ")";
    }

    private static String forbiddenV4(byte[] a) {
        int b0 = a[0] & 0xff;
        int b1 = a[1] & 0xff;
        int b2 = a[2] & 0xff;
        if (b0 == 0) {
            return "the unspecified (\"this network\") address";
        }
        if (b0 == 127) {
            return "a loopback address";
        }
        if (b0 == 10 || (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168)) {
            return "a private address";
        }
        if (b0 == 100 && (b1 & 0xc0) == 64) {
            return "a shared (CGNAT) address";
        }
        if (b0 == 169 && b1 == 254) {
            return "a link-local address";
        }
        if (b0 >= 224 && b0 <= 239) {
            return "a multicast address";
        }
        if (b0 >= 240) {
            return "a reserved or broadcast address";
        }
        if (b0 == 192 && b1 == 0 && b2 == 0) {
            return "a reserved address";
        }
        if ((b0 == 192 && b1 == 0 && b2 == 2) || (b0 == 198 && b1 == 51 && b2 == 100)
                || (b0 == 203 && b1 == 0 && b2 == 113)) {
            return "a documentation address";
        }
        if (b0 == 198 && (b1 & 0xfe) == 18) {
            return "a benchmarking address";
        }
        return null;
    }

    private static boolean allZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean prefix(byte[] a, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if ((a[i] & 0xff) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLoopbackHost(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        InetAddress literal = literalAddress(host);
        return literal != null && literal.isLoopbackAddress();
    }

    /**
     * The address an IP-literal host denotes (dotted-quad IPv4, or IPv6 in brackets), or null for a host name. Never
     * looks a name up. A host made of digits and dots that is not a dotted quad ({@code 2130706433}, {@code 127.1}),
     * leading zeros (octal to some resolvers), or an invalid IPv6 literal, is refused: resolvers read such forms differently, and no push service uses them.
     */
    static InetAddress literalAddress(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            if (h.matches("[0-9.]+")) {
                String[] parts = h.split("\\.", -1);
                if (parts.length != 4) {
                    throw new IllegalArgumentException("endpoint host " + host + " is not a valid address");
                }
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (parts[i].isEmpty() || parts[i].length() > 3 || (parts[i].length() > 1 && parts[i].startsWith("0"))
                            || Integer.parseInt(parts[i]) > 255) { // no octal-looking parts either
                        throw new IllegalArgumentException("endpoint host " + host + " is not a valid address");
                    }
                    bytes[i] = (byte) Integer.parseInt(parts[i]);
                }
                return InetAddress.getByAddress(bytes);
            }
            if (h.contains(":") || host.startsWith("[")) {
                if (!h.matches("[0-9a-fA-F:.]+")) { // no zone ids
                    throw new IllegalArgumentException("endpoint host " + host + " is not a valid address");
                }
                return InetAddress.getByName(h); // contains ':': parsed as a literal, or refused; never looked up
            }
            return null;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("endpoint host " + host + " is not a valid address");
        }
    }
}
