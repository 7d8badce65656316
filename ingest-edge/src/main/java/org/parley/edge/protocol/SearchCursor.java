package org.parley.edge.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;

/**
 * Where a search page ended: the last hit's (time, conversation, seq). Hits are ordered newest first by time (epoch
 * ms), then conversation id (descending), then seq (descending): one total order across all chats, so a page
 * continues exactly after the previous one. Opaque to clients: base64url of {@code v1|<atMs>|<seq>|<conversationId>}.
 */
public record SearchCursor(long atMs, String conversationId, long seq) {
    /** The longest cursor accepted (a conversation id is at most {@link FieldBounds#MAX_CONVERSATION_ID}). */
    public static final int MAX_LENGTH = 256;

    /** Newest first: the order of search pages. */
    public static final Comparator<SearchCursor> NEWEST_FIRST = Comparator.comparingLong(SearchCursor::atMs)
            .thenComparing(SearchCursor::conversationId).thenComparingLong(SearchCursor::seq).reversed();

    /** Whether a hit at {@code key} comes after this cursor in page order (strictly older). */
    public boolean before(SearchCursor key) {
        return NEWEST_FIRST.compare(this, key) < 0;
    }

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("v1|" + atMs + "|" + seq + "|" + conversationId)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor a {@link #encode} made, or null if {@code text} is not one. */
    public static SearchCursor decode(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return null;
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            String[] parts = plain.split("\\|", 4);
            if (parts.length != 4 || !parts[0].equals("v1")) { // an empty conversation: a page cut at its bucket budget
                return null;
            }
            long at = Long.parseLong(parts[1]);
            long seq = Long.parseLong(parts[2]);
            return at < 0 || seq < 0 ? null : new SearchCursor(at, parts[3], seq);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
