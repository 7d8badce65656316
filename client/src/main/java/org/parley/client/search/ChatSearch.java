package org.parley.client.search;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.parley.client.ParleyClient;

/**
 * Search as an application calls it (docs/search.md): by text, conversation, date range, sender and media type,
 * newest first. The server knows no text (end-to-end encryption), the device knows no more than it received; so:
 * <ul>
 *   <li>metadata only (no text): the server's {@code search} frame answers, page by page (its cursor), each hit with
 *       its text when this device indexed it;</li>
 *   <li>text only: the device's {@link LocalSearchIndex} answers alone;</li>
 *   <li>text and metadata: the local index's hits that the server's answer for the same filters also holds (the
 *       intersection), so a hit is always one the server still shows this user: within its reach, not deleted.</li>
 * </ul>
 */
public final class ChatSearch {
    /** The server's page size while confirming local hits (at most the edge's {@code edge.history-page-max}). */
    static final int CONFIRM_PAGE = 100;
    /** Server pages read at most to confirm one text query's local hits. */
    static final int MAX_CONFIRM_PAGES = 20;
    /**
     * How far the confirming window reaches beyond the local hits' times: a message this device sent is indexed at the
     * device's clock, the server keeps the edge's receive time.
     */
    static final long CLOCK_SLACK_MS = 5 * 60_000;
    /** Local candidates a text-and-metadata query considers. */
    static final int MAX_LOCAL_CANDIDATES = 1000;

    /** Sends one {@code search} frame and returns its answer (a {@code search} frame or an {@code error}). */
    @FunctionalInterface
    public interface Server {
        JsonObject request(JsonObject frame) throws Exception;
    }

    /** The server through a connected client. */
    public static Server over(ParleyClient client, Duration timeout) {
        return frame -> {
            JsonObject answer = client.request(frame, timeout);
            client.forget(answer);
            return answer;
        };
    }

    /**
     * A query. {@code text} null or blank: metadata only. Times in epoch ms, {@code fromTime} inclusive,
     * {@code untilTime} exclusive; {@code mediaType}: {@code none}, {@code any}, {@code image}, {@code image/jpeg}…;
     * {@code cursor}: a metadata-only result's, for its next page.
     */
    public record Query(String text, String conversationId, Long fromTime, Long untilTime, String senderUserId,
                        String mediaType, int limit, String cursor) {
        public static Query text(String text) {
            return new Query(text, null, null, null, null, null, 50, null);
        }

        public static Query metadata() {
            return new Query(null, null, null, null, null, null, 50, null);
        }

        public Query inConversation(String id) {
            return new Query(text, id, fromTime, untilTime, senderUserId, mediaType, limit, cursor);
        }

        public Query between(Long from, Long until) {
            return new Query(text, conversationId, from, until, senderUserId, mediaType, limit, cursor);
        }

        public Query from(String sender) {
            return new Query(text, conversationId, fromTime, untilTime, sender, mediaType, limit, cursor);
        }

        public Query media(String type) {
            return new Query(text, conversationId, fromTime, untilTime, senderUserId, type, limit, cursor);
        }

        public Query limit(int n) {
            return new Query(text, conversationId, fromTime, untilTime, senderUserId, mediaType, n, cursor);
        }

        public Query after(String nextCursor) {
            return new Query(text, conversationId, fromTime, untilTime, senderUserId, mediaType, limit, nextCursor);
        }

        boolean hasText() {
            return text != null && !text.isBlank();
        }

        boolean hasMetadata() {
            return conversationId != null || fromTime != null || untilTime != null || senderUserId != null
                    || mediaType != null;
        }
    }

    /** A hit: the message's metadata and, if this device has it, its text. */
    public record Hit(String conversationId, long seq, long sentAt, String senderUserId, String mediaType, String text) {
    }

    /**
     * Hits newest first; {@code more} and {@code cursor}: a metadata-only search's next page. {@code complete} false:
     * a text-and-metadata search stopped confirming after {@link #MAX_CONFIRM_PAGES} server pages (narrow the filters).
     */
    public record Result(List<Hit> hits, boolean more, String cursor, boolean complete) {
    }

    /** The server refused the search ({@code code}: the protocol's error code, e.g. NOT_A_MEMBER, INVALID_FIELD). */
    public static final class SearchFailed extends RuntimeException {
        private final String code;

        public SearchFailed(String code, String message, Throwable cause) {
            super(code + ": " + message, cause);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final LocalSearchIndex index;
    private final Server server;

    public ChatSearch(LocalSearchIndex index, Server server) {
        this.index = index;
        this.server = server;
    }

    public Result search(Query q) {
        if (!q.hasText()) {
            return serverPage(q);
        }
        LocalSearchIndex.Request local = new LocalSearchIndex.Request(q.text(), q.conversationId(), q.fromTime(),
                q.untilTime(), q.senderUserId(), q.mediaType(), q.hasMetadata() ? MAX_LOCAL_CANDIDATES : q.limit());
        List<LocalSearchIndex.Entry> candidates = index.search(local);
        if (!q.hasMetadata() || candidates.isEmpty()) {
            return new Result(hits(candidates, q.limit()), false, null, true);
        }
        // The server's view of the same filters, over the candidates' time span only.
        long oldest = Math.max(0, candidates.get(candidates.size() - 1).sentAt() - CLOCK_SLACK_MS);
        long newest = candidates.get(0).sentAt() + CLOCK_SLACK_MS;
        Long from = q.fromTime() == null ? oldest : Math.max(q.fromTime(), oldest);
        Long until = q.untilTime() == null ? newest + 1 : Math.min(q.untilTime(), newest + 1);
        Set<String> confirmed = new HashSet<>();
        String cursor = null;
        boolean complete = false;
        for (int page = 0; page < MAX_CONFIRM_PAGES; page++) {
            Result r = serverPage(new Query(null, q.conversationId(), from, until, q.senderUserId(), q.mediaType(),
                    CONFIRM_PAGE, cursor));
            r.hits().forEach(h -> confirmed.add(h.conversationId() + "#" + h.seq()));
            if (!r.more()) {
                complete = true;
                break;
            }
            cursor = r.cursor();
        }
        List<LocalSearchIndex.Entry> kept = candidates.stream()
                .filter(c -> confirmed.contains(c.conversationId() + "#" + c.seq())).toList();
        return new Result(hits(kept, q.limit()), false, null, complete);
    }

    private static List<Hit> hits(List<LocalSearchIndex.Entry> entries, int limit) {
        List<Hit> out = new ArrayList<>();
        for (LocalSearchIndex.Entry e : entries.subList(0, Math.min(limit, entries.size()))) {
            out.add(new Hit(e.conversationId(), e.seq(), e.sentAt(), e.senderUserId(), e.mediaType(), e.text()));
        }
        return out;
    }

    private Result serverPage(Query q) {
        JsonObject frame = new JsonObject().put("type", "search").put("requestId", "search-" + UUID.randomUUID())
                .put("limit", q.limit());
        putIf(frame, "conversationId", q.conversationId());
        putIf(frame, "fromTime", q.fromTime());
        putIf(frame, "untilTime", q.untilTime());
        putIf(frame, "senderUserId", q.senderUserId());
        putIf(frame, "mediaType", q.mediaType());
        putIf(frame, "cursor", q.cursor());
        JsonObject answer;
        try {
            answer = server.request(frame);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SearchFailed("INTERRUPTED", "interrupted while waiting for the search answer", e);
        } catch (Exception e) {
            throw new SearchFailed("UNAVAILABLE", "no search answer: " + e, e);
        }
        if ("error".equals(answer.getString("type"))) {
            throw new SearchFailed(answer.getString("code"), answer.getString("message"), null);
        }
        List<Hit> hits = new ArrayList<>();
        JsonArray items = answer.getJsonArray("hits", new JsonArray());
        for (int i = 0; i < items.size(); i++) {
            JsonObject h = items.getJsonObject(i);
            LocalSearchIndex.Entry local = index.get(h.getString("conversationId"), h.getLong("seq"));
            hits.add(new Hit(h.getString("conversationId"), h.getLong("seq"), h.getLong("sentAt"),
                    h.getString("senderUserId"), h.getString("mediaType"), local == null ? null : local.text()));
        }
        return new Result(hits, answer.getBoolean("more", false), answer.getString("cursor"), true);
    }

    private static void putIf(JsonObject o, String key, Object value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
