package org.parley.edge.identity;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a user proves control of to register: a phone number in E.164 ({@code +14155550100}) or an e-mail address.
 * Normalised (e-mail lower-cased, surrounding blanks dropped), so one mailbox or number is one identifier.
 */
public record Identifier(Kind kind, String value) {
    /** Where a code is sent. */
    public enum Kind { PHONE, EMAIL }

    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    private static final Pattern EMAIL = Pattern.compile("[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})+");
    /** What the client is told when an identifier is refused. */
    public static final String FORMAT = "identifier must be a phone number in E.164 (+ and 7-15 digits, e.g."
            + " +14155550100) or an e-mail address (at most 254 characters of [a-z0-9._%+-]@domain)";

    /** The normalised identifier, or empty if it is neither an E.164 number nor a plain e-mail address. */
    public static Optional<Identifier> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String s = raw.strip();
        if (E164.matcher(s).matches()) {
            return Optional.of(new Identifier(Kind.PHONE, s));
        }
        String mail = s.toLowerCase(Locale.ROOT);
        if (mail.length() <= 254 && !mail.startsWith(".") && EMAIL.matcher(mail).matches()) {
            return Optional.of(new Identifier(Kind.EMAIL, mail));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
