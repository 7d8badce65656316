package org.parley.edge.limits;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token-bucket limit written {@code N/<period>} (e.g. {@code 20/60s}): at most {@code N} at once, refilled at
 * {@code N} per period, so {@code N} is both the burst and the sustained count per period. {@code off} disables it.
 * Periods: {@code ms}, {@code s}, {@code m}, {@code h}.
 */
public record Rate(int burst, long periodMs) {
    public static final Rate OFF = new Rate(0, 1);
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*/\\s*(\\d+)\\s*(ms|s|m|h)");

    public Rate {
        if (burst < 0 || periodMs <= 0) {
            throw new IllegalArgumentException("a rate needs a burst >= 0 and a period > 0");
        }
    }

    public static Rate of(int burst, long periodMs) {
        return new Rate(burst, periodMs);
    }

    /** Parses {@code N/<period>} or {@code off}; {@code key} names the setting in the error. */
    public static Rate parse(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("off")) {
            return OFF;
        }
        Matcher m = FORM.matcher(v);
        if (!m.matches()) {
            throw new IllegalStateException("setting '" + key + "' must look like 20/60s (N per period in ms, s, m"
                    + " or h) or be 'off', got '" + value + "'");
        }
        long amount = Long.parseLong(m.group(2));
        long unit = switch (m.group(3)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        return new Rate(Integer.parseInt(m.group(1)), amount * unit);
    }

    public boolean off() {
        return burst == 0;
    }

    double perMilli() {
        return burst / (double) periodMs;
    }

    /** "20 per 60 s", for error messages and logs. */
    public String describe() {
        if (off()) {
            return "unlimited";
        }
        long p = periodMs;
        String period = p % 3_600_000 == 0 ? p / 3_600_000 + " h" : p % 60_000 == 0 ? p / 60_000 + " min"
                : p % 1_000 == 0 ? p / 1_000 + " s" : p + " ms";
        return burst + " per " + period;
    }
}
