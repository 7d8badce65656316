package org.parley.edge.limits;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** An address block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, or one address). Parses literals only, never DNS. */
public record Cidr(byte[] network, int bits) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Parses a comma-separated list; {@code key} names the setting in the error. Blank: empty. */
    public static List<Cidr> parseList(String key, String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(s -> {
            int slash = s.indexOf('/');
            byte[] ip = literal(slash < 0 ? s : s.substring(0, slash)).orElseThrow(() -> new IllegalStateException(
                    "setting '" + key + "': '" + s + "' is not an IP address or address/prefix"));
            int bits = ip.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > ip.length * 8) {
                    throw new IllegalStateException("setting '" + key + "': bad prefix length in '" + s + "'");
                }
            }
            return new Cidr(ip, bits);
        }).toList();
    }

    /**
     * The bytes of an IP literal (IPv4 dotted quad, IPv6 with or without brackets), or empty for anything else:
     * host names are refused, so nothing here ever looks anything up.
     */
    public static Optional<byte[]> literal(String s) {
        if (s == null) {
            return Optional.empty();
        }
        String v = s.trim();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1);
        }
        int zone = v.indexOf('%');
        if (zone >= 0) {
            v = v.substring(0, zone);
        }
        if (IPV4.matcher(v).matches()) {
            String[] parts = v.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(parts[i]);
                if (octet > 255) {
                    return Optional.empty();
                }
                b[i] = (byte) octet;
            }
            return Optional.of(b);
        }
        if (v.indexOf(':') < 0 || !v.matches("[0-9A-Fa-f:.]+")) {
            return Optional.empty();
        }
        try {
            // Bracketed, the JDK parses an IPv6 literal or fails; it never resolves a name.
            return Optional.of(v4Mapped(InetAddress.getByName("[" + v + "]").getAddress()));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** ::ffff:a.b.c.d is a.b.c.d. */
    static byte[] v4Mapped(byte[] b) {
        if (b.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return b;
                }
            }
            if (b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                return Arrays.copyOfRange(b, 12, 16);
            }
        }
        return b;
    }

    public boolean contains(byte[] ip) {
        if (ip.length != network.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (ip[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (ip[full] & mask) == (network[full] & mask);
    }

    static boolean any(List<Cidr> list, byte[] ip) {
        for (Cidr c : list) {
            if (c.contains(ip)) {
                return true;
            }
        }
        return false;
    }
}
