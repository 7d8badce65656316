package org.parley.edge.session;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.parley.edge.http.Failures;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.protocol.SearchCursor;
import org.parley.edge.protocol.SearchFrames;
import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.readmodel.ConversationReach;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.projections.Buckets;
import org.parley.projections.MessageSearch;

/**
 * The {@code search} frame (docs/search.md): messages by conversation, time, sender and media type from the metadata
 * projection ({@code message_search}), within the user's reach ({@link ConversationReach}: the same ranges as
 * history, and nothing before a re-registration), without what the user deleted for itself; what was deleted for
 * everyone has no row. Newest first across all chats.
 *
 * <p>The walk is best first over buckets: every candidate bucket (1000 seqs of one conversation, with its time span)
 * waits in a queue ordered by its latest time; the bucket read next ({@link #BUCKETS_AT_ONCE} at a time) is
 * the one that may hold the newest hit. It stops
 * once {@code limit + 1} hits are found and no unread bucket can hold a newer one (the page is exact), or after
 * {@link #MAX_BUCKETS_PER_PAGE} buckets: then it answers the hits no unread bucket can precede (maybe fewer than
 * {@code limit}, maybe none) with {@code more} and a cursor, so one request's work stays bounded however rare the
 * matches.
 */
final class SearchQueries {
    /** Buckets (each up to 1000 message rows) one search page reads at most. */
    static final int MAX_BUCKETS_PER_PAGE = 64;
    /**
     * Buckets read at once while walking (each two reads: its rows and the user's hidden seqs in it). One: reading 4 at
     * once (speculatively, as the page may need only the first) was measured no faster across 20 chats and twice as
     * slow for one chat on the CPU-bound test machine (docs/search.md).
     */
    static final int BUCKETS_AT_ONCE = 1;
    /** Conversations whose reach and buckets are read at once. */
    static final int CONVERSATIONS_AT_ONCE = 16;

    private final EdgeReadModel readModel;
    private final ConversationReach reach;
    private final Consumer<String> out;
    private final String userId;
    private Future<Optional<Instant>> visibleFrom;

    SearchQueries(EdgeReadModel readModel, Consumer<String> out, String userId) {
        this.readModel = readModel;
        this.reach = new ConversationReach(readModel);
        this.out = out;
        this.userId = userId;
    }

    private record Scope(String conversationId, ConversationReach.Range range) {
    }

    private record Candidate(Scope scope, MessageSearch.Bucket bucket) {
        long maxAt() {
            return bucket.maxAt().toEpochMilli();
        }
    }

    private static final Comparator<Candidate> NEWEST_BUCKET_FIRST = Comparator.comparingLong(Candidate::maxAt)
            .thenComparing(c -> c.scope().conversationId()).thenComparingLong(c -> c.bucket().bucket()).reversed();

    void search(ClientFrame.Search s) {
        if (visibleFrom == null || visibleFrom.failed()) {
            visibleFrom = readModel.historyFrom(userId);
        }
        visibleFrom.compose(from -> scopes(s).compose(scopes -> new Walk(s, from, scopes).run()))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        out.accept(ar.result());
                    } else if (ar.cause() instanceof ProtocolException p) {
                        out.accept(ServerFrames.error(p.code(), p.getMessage(), p.ref() != null ? p.ref() : s.requestId()));
                    } else {
                        out.accept(Failures.frame(ar.cause(), "not answered", "retry", s.requestId()));
                    }
                });
    }

    /** The conversations searched, each with the user's reach in it. */
    private Future<List<Scope>> scopes(ClientFrame.Search s) {
        if (s.conversationId() != null) {
            return reach.of(userId, s.conversationId(), s.requestId())
                    .map(range -> List.of(new Scope(s.conversationId(), range)));
        }
        return readModel.conversations(userId).compose(memberships -> {
            List<Scope> scopes = new ArrayList<>();
            return inBatches(memberships, m -> reach.of(userId, m)
                    .map(range -> {
                        synchronized (scopes) {
                            scopes.add(new Scope(m.conversationId(), range));
                        }
                        return null;
                    }), 0).map(v -> {
                        scopes.sort(Comparator.comparing(Scope::conversationId));
                        return scopes;
                    });
        });
    }

    private static <T> Future<Void> inBatches(List<T> items, java.util.function.Function<T, Future<?>> each, int from) {
        if (from >= items.size()) {
            return Future.succeededFuture();
        }
        int to = Math.min(items.size(), from + CONVERSATIONS_AT_ONCE);
        List<Future<?>> batch = new ArrayList<>();
        for (T item : items.subList(from, to)) {
            batch.add(each.apply(item));
        }
        return Future.all(batch).compose(v -> inBatches(items, each, to));
    }

    /** One page's walk over the candidate buckets. */
    private final class Walk {
        private final ClientFrame.Search s;
        private final long fromMs;
        private final long untilMs;
        private final List<Scope> scopes;
        private final PriorityQueue<Candidate> queue = new PriorityQueue<>(NEWEST_BUCKET_FIRST);
        private final TreeMap<SearchCursor, MessageSearch.Hit> found = new TreeMap<>(SearchCursor.NEWEST_FIRST);
        private int read;

        Walk(ClientFrame.Search s, Optional<Instant> visibleFrom, List<Scope> scopes) {
            this.s = s;
            long from = s.fromTime() == null ? 0 : s.fromTime();
            this.fromMs = visibleFrom.map(v -> Math.max(from, v.toEpochMilli())).orElse(from);
            this.untilMs = s.untilTime() == null ? Long.MAX_VALUE : s.untilTime();
            this.scopes = scopes;
        }

        Future<String> run() {
            return inBatches(scopes, scope -> readModel.searchBuckets(scope.conversationId()).map(buckets -> {
                for (MessageSearch.Bucket b : buckets) {
                    if (wanted(scope, b)) {
                        queue.add(new Candidate(scope, b));
                    }
                }
                return null;
            }), 0).compose(v -> step());
        }

        /** A bucket that can hold a hit: within reach, overlapping the time range, not all newer than the cursor. */
        private boolean wanted(Scope scope, MessageSearch.Bucket b) {
            long first = b.bucket() * Buckets.SIZE;
            long last = first + Buckets.SIZE - 1;
            return last >= scope.range().from() && first <= scope.range().to()
                    && b.maxAt().toEpochMilli() >= fromMs && b.minAt().toEpochMilli() < untilMs
                    && (s.cursor() == null || b.minAt().toEpochMilli() <= s.cursor().atMs());
        }

        private Future<String> step() {
            Candidate next = queue.peek();
            if (next == null) {
                return Future.succeededFuture(page(Long.MIN_VALUE));
            }
            if (found.size() > s.limit() && next.maxAt() < nth(s.limit()).atMs()) {
                return Future.succeededFuture(page(Long.MIN_VALUE)); // nothing unread can be newer than hit limit+1
            }
            if (read >= MAX_BUCKETS_PER_PAGE) {
                return Future.succeededFuture(page(next.maxAt()));
            }
            // The next buckets that may still hold a hit of this page, read at once (each: its rows, the hidden seqs).
            long threshold = found.size() > s.limit() ? nth(s.limit()).atMs() : Long.MIN_VALUE;
            List<Candidate> batch = new ArrayList<>();
            while (batch.size() < BUCKETS_AT_ONCE && read < MAX_BUCKETS_PER_PAGE && queue.peek() != null
                    && queue.peek().maxAt() >= threshold) {
                batch.add(queue.poll());
                read++;
            }
            List<Future<?>> reads = new ArrayList<>();
            List<Future<List<MessageSearch.Hit>>> rows = new ArrayList<>();
            List<Future<Set<Long>>> hidden = new ArrayList<>();
            for (Candidate c : batch) {
                long first = c.bucket().bucket() * Buckets.SIZE;
                Future<List<MessageSearch.Hit>> r = readModel.searchBucket(c.scope().conversationId(), c.bucket().bucket());
                Future<Set<Long>> h = readModel.hidden(userId, c.scope().conversationId(), first, first + Buckets.SIZE - 1);
                rows.add(r);
                hidden.add(h);
                reads.add(r);
                reads.add(h);
            }
            return Future.all(reads).compose(v -> {
                for (int i = 0; i < batch.size(); i++) {
                    for (MessageSearch.Hit h : rows.get(i).result()) {
                        if (matches(batch.get(i).scope(), h, hidden.get(i).result())) {
                            found.put(key(h), h);
                        }
                    }
                }
                while (found.size() > s.limit() + 1) {
                    found.pollLastEntry(); // never part of this page
                }
                return step();
            });
        }

        private boolean matches(Scope scope, MessageSearch.Hit h, Set<Long> hidden) {
            long at = h.sentAt().toEpochMilli();
            return scope.range().contains(h.seq()) && at >= fromMs && at < untilMs
                    && (s.senderUserId() == null || s.senderUserId().equals(h.senderUserId()))
                    && SearchFrames.mediaMatches(s.mediaType(), h.mediaType())
                    && (s.cursor() == null || s.cursor().before(key(h)))
                    && !hidden.contains(h.seq());
        }

        private SearchCursor nth(int index) {
            int i = 0;
            for (SearchCursor k : found.keySet()) {
                if (i++ == index) {
                    return k;
                }
            }
            throw new IllegalStateException("fewer than " + (index + 1) + " hits");
        }

        /**
         * The page: the first {@code limit} hits newer than {@code boundary} (every unread bucket's hits are at or
         * before it; {@link Long#MIN_VALUE}: the walk is complete or exact).
         */
        private String page(long boundary) {
            List<MessageSearch.Hit> hits = new ArrayList<>();
            SearchCursor last = null;
            int eligible = 0;
            for (Map.Entry<SearchCursor, MessageSearch.Hit> e : found.entrySet()) {
                if (e.getKey().atMs() <= boundary) {
                    break;
                }
                eligible++;
                if (hits.size() < s.limit()) {
                    hits.add(e.getValue());
                    last = e.getKey();
                }
            }
            boolean partial = boundary != Long.MIN_VALUE;
            boolean more = partial || eligible > s.limit();
            SearchCursor next = last != null ? last : partial ? new SearchCursor(boundary + 1, "", 0) : null;
            return SearchFrames.answer(s.requestId(), hits, more, next);
        }
    }

    static SearchCursor key(MessageSearch.Hit h) {
        return new SearchCursor(h.sentAt().toEpochMilli(), h.conversationId(), h.seq());
    }
}
