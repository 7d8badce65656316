package org.parley.edge.protocol;

import java.util.regex.Pattern;

/**
 * The bound of every string field a client sends (docs/security.md, "Frame and field bounds, errors"). Each field
 * has a length bound and, where its content is an identifier, a charset: nothing a client sends reaches the log, the
 * read model or another client's reply unbounded. Lengths are in UTF-16 code units ({@link String#length()}), the
 * unit the sequencer checks the same fields in.
 */
public final class FieldBounds {
    /** clientMessageId and requestId: 1..128 visible ASCII characters (a UUID, a counter, "run-17.3"). */
    public static final int MAX_CLIENT_ID = 128;
    private static final Pattern CLIENT_ID = Pattern.compile("[\\x21-\\x7E]{1," + MAX_CLIENT_ID + "}");

    /** Conversation ids: {@code dm:<user>:<user>} (at most 3 + 64 + 1 + 64) or {@code g:<8..64>}. */
    public static final int MAX_CONVERSATION_ID = 132;

    /**
     * mediaType: an RFC 6838 media type ({@code type/subtype}, each 1..127 restricted-name characters) with optional
     * {@code ;name=value} parameters, at most 255 characters in all.
     */
    public static final int MAX_MEDIA_TYPE = 255;
    private static final String RESTRICTED_NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
    private static final Pattern MEDIA_TYPE = Pattern.compile(RESTRICTED_NAME + "/" + RESTRICTED_NAME
            + "(?: *; *[A-Za-z0-9!#$&^_.+-]{1,127}=(?:[A-Za-z0-9!#$&^_.+-]{1,127}|\"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]{0,127}\"))*");

    /** A group's name: 1..100 characters (the sequencer's bound too). */
    public static final int MAX_GROUP_NAME = 100;
    /** A group's description: at most 2048 characters (the sequencer's bound too); may hold line breaks. */
    public static final int MAX_GROUP_DESCRIPTION = 2048;
    /** A reaction: an emoji string of at most 32 characters; "" removes yours. */
    public static final int MAX_REACTION = 32;
    /** A push sound's name. */
    public static final int MAX_PUSH_SOUND = 64;

    /** Device ids are server-made UUIDs (lower-case hex, 36 characters). */
    public static final Pattern DEVICE_ID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private FieldBounds() {
    }

    public static boolean isClientId(String s) {
        return s != null && s.length() <= MAX_CLIENT_ID && CLIENT_ID.matcher(s).matches();
    }

    public static boolean isMediaType(String s) {
        return s != null && s.length() <= MAX_MEDIA_TYPE && MEDIA_TYPE.matcher(s).matches();
    }

    public static boolean isDeviceId(String s) {
        return s != null && s.length() == 36 && DEVICE_ID.matcher(s).matches();
    }

    /**
     * Free text a person reads (a group's name or description, a reaction, a sound's name): at most {@code max}
     * characters, no control characters (but line breaks and tabs when {@code multiline}), no unpaired surrogate
     * (which has no UTF-8 form: it would be stored as '?').
     */
    public static boolean isText(String s, int max, boolean multiline) {
        if (s == null || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            } else if ((c < 0x20 || (c >= 0x7F && c <= 0x9F)) && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) {
                return false;
            }
        }
        return true;
    }
}
