package org.parley.edge.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.parley.projections.MessageSearch;
import org.parley.schemas.Conversations;

/** The {@code search} frame (docs/protocol.md, docs/search.md): its validation and its answer. */
public final class SearchFrames {
    /** The default page size. */
    public static final int DEFAULT_LIMIT = 50;
    private static final String NAME = "[a-z0-9][a-z0-9!#$&^_.+-]{0,126}";
    private static final Pattern MEDIA_FILTER = Pattern.compile(NAME + "(?:/" + NAME + ")?");

    private SearchFrames() {
    }

    /** Validates a {@code search} frame; {@code pageMax} bounds {@code limit} (edge.history-page-max). */
    static ClientFrame.Search decode(JsonObject json, int pageMax) {
        String ref = requestId(json);
        String conversationId = optionalString(json, "conversationId", ref);
        if (conversationId != null && (conversationId.length() > FieldBounds.MAX_CONVERSATION_ID
                || !Conversations.isValid(conversationId))) {
            throw invalid("'conversationId' is not a conversation id (dm:<user>:<user> sorted, or g:<id>)", ref);
        }
        Long from = optionalLong(json, "fromTime", ref);
        Long until = optionalLong(json, "untilTime", ref);
        if (from != null && until != null && from >= until) {
            throw invalid("'fromTime' (inclusive) must be before 'untilTime' (exclusive)", ref);
        }
        String sender = optionalString(json, "senderUserId", ref);
        if (sender != null && !Conversations.USER_ID.matcher(sender).matches()) {
            throw invalid("'senderUserId' is not a valid user id", ref);
        }
        String media = optionalString(json, "mediaType", ref);
        if (media != null) {
            media = media.toLowerCase(Locale.ROOT);
            if (media.length() > FieldBounds.MAX_MEDIA_TYPE || !MEDIA_FILTER.matcher(media).matches()) {
                throw invalid("'mediaType' must be 'none', 'any', a top-level type such as 'image', or a type/subtype"
                        + " such as 'image/jpeg' (no parameters)", ref);
            }
        }
        Long limit = optionalLong(json, "limit", ref);
        if (limit != null && (limit < 1 || limit > pageMax)) {
            throw invalid("'limit' must be from 1 to " + pageMax + " (edge.history-page-max)", ref);
        }
        SearchCursor cursor = null;
        if (json.getValue("cursor") != null) {
            cursor = SearchCursor.decode(optionalString(json, "cursor", ref));
            if (cursor == null) {
                throw invalid("'cursor' is not a cursor this server gave (pass a search answer's 'cursor' unchanged)",
                        ref);
            }
        }
        return new ClientFrame.Search(ref, conversationId, from, until, sender, media,
                limit == null ? Math.min(DEFAULT_LIMIT, pageMax) : limit.intValue(), cursor);
    }

    /**
     * Whether a stored media type ({@link MessageSearch#normalizedMediaType}: lower case, no parameters, null for
     * none) matches a filter: {@code none} (no media), {@code any} (any media), a top-level type ({@code image}:
     * any {@code image/...}), or an exact {@code type/subtype}. A null filter matches everything.
     */
    public static boolean mediaMatches(String filter, String stored) {
        if (filter == null) {
            return true;
        }
        return switch (filter) {
            case "none" -> stored == null;
            case "any" -> stored != null;
            default -> stored != null && (filter.indexOf('/') >= 0 ? stored.equals(filter)
                    : stored.startsWith(filter + "/"));
        };
    }

    /** The answer: the hits newest first, whether more follow, and the cursor to ask for them. */
    public static String answer(String requestId, List<MessageSearch.Hit> hits, boolean more, SearchCursor next) {
        JsonArray items = new JsonArray();
        for (MessageSearch.Hit h : hits) {
            JsonObject o = new JsonObject().put("conversationId", h.conversationId()).put("seq", h.seq())
                    .put("sentAt", h.sentAt().toEpochMilli()).put("senderUserId", h.senderUserId());
            if (h.mediaType() != null) {
                o.put("mediaType", h.mediaType());
            }
            items.add(o);
        }
        JsonObject answer = new JsonObject().put("type", "search").put("requestId", requestId).put("hits", items)
                .put("more", more);
        if (more && next != null) {
            answer.put("cursor", next.encode());
        }
        return answer.encode();
    }

    private static String requestId(JsonObject json) {
        Object v = json.getValue("requestId");
        if (v == null) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'requestId'", null);
        }
        if (!(v instanceof String s) || !FieldBounds.isClientId(s)) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "'requestId' must be 1.." + FieldBounds.MAX_CLIENT_ID
                    + " visible ASCII characters", null);
        }
        return s;
    }

    private static String optionalString(JsonObject json, String field, String ref) {
        Object v = json.getValue(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || s.isEmpty()) {
            throw invalid("'" + field + "' must be a non-empty string", ref);
        }
        return s;
    }

    private static Long optionalLong(JsonObject json, String field, String ref) {
        Object v = json.getValue(field);
        if (v == null) {
            return null;
        }
        Long exact = v instanceof Number n ? FrameDecoder.exactLong(n) : null;
        boolean integral = v instanceof Number n && !(n instanceof Double d && d != Math.rint(d))
                && !(n instanceof Float f && f != Math.rint(f));
        if (exact == null || !integral || exact < 0) {
            throw invalid("'" + field + "' must be an integer from 0 to " + Long.MAX_VALUE, ref);
        }
        return exact;
    }

    private static ProtocolException invalid(String message, String ref) {
        return new ProtocolException(ErrorCode.INVALID_FIELD, message, ref);
    }
}
