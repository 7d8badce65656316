package org.parley.edge.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.SearchCursor;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.projections.Buckets;
import org.parley.projections.GroupDepartures;
import org.parley.projections.GroupDirectory;
import org.parley.projections.MessageSearch;
import org.parley.projections.UserConversations;

/**
 * The search walk over an in-memory metadata projection: reach, hidden messages, time bounds, filters, and pages
 * that together hold every hit exactly once, newest first, even when a page stops at its bucket budget.
 */
class SearchQueriesTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final String DM = "dm:alice:bob";
    private static final String G = "g:searchclub";

    /** conversation → bucket → seq → hit. */
    private final Map<String, TreeMap<Long, TreeMap<Long, MessageSearch.Hit>>> rows = new HashMap<>();
    private final Map<String, UserConversations.Membership> memberships = new HashMap<>();
    private final Set<String> hidden = new HashSet<>();
    private Instant historyFrom;

    private void message(String conv, long seq, Instant at, String sender, String media) {
        rows.computeIfAbsent(conv, c -> new TreeMap<>()).computeIfAbsent(Buckets.of(seq), b -> new TreeMap<>())
                .put(seq, new MessageSearch.Hit(conv, seq, at, sender, media));
    }

    private void member(String user, String conv, long since, Long left) {
        memberships.put(user + "/" + conv, new UserConversations.Membership(user, conv, since, left, 0, 0));
    }

    private EdgeReadModel readModel() {
        return (EdgeReadModel) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {EdgeReadModel.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "membership" -> Future.succeededFuture(Optional.ofNullable(memberships.get(args[0] + "/" + args[1])));
                    case "conversations" -> Future.succeededFuture(memberships.values().stream()
                            .filter(m -> m.userId().equals(args[0])).toList());
                    case "hidden" -> {
                        Set<Long> out = new HashSet<>();
                        for (long s = (long) args[2]; s <= (long) args[3]; s++) {
                            if (hidden.contains(args[0] + "/" + args[1] + "/" + s)) {
                                out.add(s);
                            }
                        }
                        yield Future.succeededFuture(out);
                    }
                    case "group" -> Future.succeededFuture(Optional.<GroupDirectory.Group>empty());
                    case "departure" -> Future.succeededFuture(Optional.<GroupDepartures.Departure>empty());
                    case "historyFrom" -> Future.succeededFuture(Optional.ofNullable(historyFrom));
                    case "searchBuckets" -> {
                        List<MessageSearch.Bucket> out = new ArrayList<>();
                        rows.getOrDefault((String) args[0], new TreeMap<>()).descendingMap().forEach((b, hits) -> out.add(
                                new MessageSearch.Bucket(b,
                                        hits.values().stream().map(MessageSearch.Hit::sentAt).min(Comparator.naturalOrder()).orElseThrow(),
                                        hits.values().stream().map(MessageSearch.Hit::sentAt).max(Comparator.naturalOrder()).orElseThrow())));
                        yield Future.succeededFuture(out);
                    }
                    case "searchBucket" -> Future.succeededFuture(new ArrayList<>(rows.getOrDefault((String) args[0],
                            new TreeMap<>()).getOrDefault((Long) args[1], new TreeMap<>()).descendingMap().values()));
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private JsonObject ask(String user, ClientFrame.Search s) {
        List<String> out = new ArrayList<>();
        new SearchQueries(readModel(), out::add, user).search(s);
        assertThat(out).hasSize(1);
        return new JsonObject(out.get(0));
    }

    private static ClientFrame.Search query(String conv, Long from, Long until, String sender, String media, int limit,
                                            SearchCursor cursor) {
        return new ClientFrame.Search("r", conv, from, until, sender, media, limit, cursor);
    }

    /** Every page until {@code more} is false: the hits as "conv#seq", in page order. */
    private List<String> allPages(String user, ClientFrame.Search first) {
        List<String> hits = new ArrayList<>();
        ClientFrame.Search s = first;
        for (int pages = 0; pages < 1000; pages++) {
            JsonObject answer = ask(user, s);
            assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("search");
            JsonArray page = answer.getJsonArray("hits");
            assertThat(page.size()).isLessThanOrEqualTo(s.limit());
            page.forEach(h -> hits.add(((JsonObject) h).getString("conversationId") + "#" + ((JsonObject) h).getLong("seq")));
            if (!answer.getBoolean("more")) {
                return hits;
            }
            s = new ClientFrame.Search(s.requestId(), s.conversationId(), s.fromTime(), s.untilTime(), s.senderUserId(),
                    s.mediaType(), s.limit(), SearchCursor.decode(answer.getString("cursor")));
        }
        throw new AssertionError("no last page");
    }

    /** The expected hits of {@code user}: every stored message the predicate keeps, newest first. */
    private List<String> expected(Predicate<MessageSearch.Hit> keep) {
        List<MessageSearch.Hit> all = new ArrayList<>();
        rows.values().forEach(b -> b.values().forEach(h -> all.addAll(h.values())));
        return all.stream().filter(keep)
                .sorted(Comparator.comparing(SearchQueries::key, SearchCursor.NEWEST_FIRST))
                .map(h -> h.conversationId() + "#" + h.seq()).toList();
    }

    private void twoChats() {
        member("alice", DM, 1, null);
        member("bob", DM, 1, null);
        member("alice", G, 1, null);
        member("carol", G, 1, 1500L); // removed at 1500
        member("dave", G, 900, null); // joined at 900
        for (long seq = 1; seq <= 2500; seq += 7) {
            // The group's clock runs a little behind now and then (another edge): times are not monotonic in seq.
            message(G, seq, T0.plusSeconds(seq * 2 - (seq % 5 == 0 ? 3 : 0)), seq % 3 == 0 ? "carol" : "alice",
                    seq % 4 == 0 ? "image/jpeg" : null);
        }
        for (long seq = 1; seq <= 1200; seq += 3) {
            message(DM, seq, T0.plusSeconds(seq * 3), seq % 2 == 0 ? "bob" : "alice", seq % 6 == 0 ? "video/mp4" : null);
        }
    }

    @Test
    void pagesAcrossAllChatsHoldEveryHitOnceNewestFirst() {
        twoChats();
        assertThat(allPages("alice", query(null, null, null, null, null, 37, null)))
                .containsExactlyElementsOf(expected(h -> true));
    }

    @Test
    void aRemovedMemberFindsNothingAfterItsRemovalAndALateJoinerNothingBefore() {
        twoChats();
        assertThat(allPages("carol", query(null, null, null, null, null, 50, null)))
                .containsExactlyElementsOf(expected(h -> h.conversationId().equals(G) && h.seq() <= 1500))
                .isNotEmpty();
        assertThat(allPages("dave", query(G, null, null, null, null, 50, null)))
                .containsExactlyElementsOf(expected(h -> h.conversationId().equals(G) && h.seq() >= 900));
        JsonObject refused = ask("dave", query(DM, null, null, null, null, 50, null));
        assertThat(refused.getString("code")).isEqualTo("NOT_A_MEMBER");
    }

    @Test
    void timeBoundsAreFromInclusiveUntilExclusive() {
        twoChats();
        long from = T0.plusSeconds(3 * 100).toEpochMilli(); // exactly DM seq 100's time
        long until = T0.plusSeconds(3 * 400).toEpochMilli(); // exactly DM seq 400's time
        List<String> hits = allPages("alice", query(DM, from, until, null, null, 20, null));
        assertThat(hits).contains(DM + "#100").doesNotContain(DM + "#400")
                .containsExactlyElementsOf(expected(h -> h.conversationId().equals(DM)
                        && h.sentAt().toEpochMilli() >= from && h.sentAt().toEpochMilli() < until));
    }

    @Test
    void senderAndMediaFiltersAndHiddenMessages() {
        twoChats();
        hidden.add("alice/" + G + "/8");
        assertThat(allPages("alice", query(G, null, null, "alice", "image", 25, null)))
                .doesNotContain(G + "#8")
                .containsExactlyElementsOf(expected(h -> h.conversationId().equals(G) && h.senderUserId().equals("alice")
                        && "image/jpeg".equals(h.mediaType()) && h.seq() != 8));
        assertThat(allPages("alice", query(null, null, null, null, "none", 100, null)))
                .containsExactlyElementsOf(expected(h -> h.mediaType() == null));
        assertThat(allPages("alice", query(null, null, null, null, "video/mp4", 100, null)))
                .containsExactlyElementsOf(expected(h -> "video/mp4".equals(h.mediaType())));
    }

    @Test
    void nothingFromBeforeARegistrationIsFound() {
        twoChats();
        historyFrom = T0.plusSeconds(3000);
        assertThat(allPages("alice", query(DM, null, null, null, null, 100, null)))
                .containsExactlyElementsOf(expected(h -> h.conversationId().equals(DM) && !h.sentAt().isBefore(historyFrom)));
    }

    @Test
    void aRareMatchSpreadOverMoreBucketsThanOnePageReadsComesInShortPagesWithoutLoss() {
        member("alice", G, 1, null);
        for (long seq = 1; seq <= 150_000; seq += 10) {
            message(G, seq, T0.plusMillis(seq), seq % 20_001 == 0 ? "zed" : "alice", null);
        }
        message(G, 150_001, T0.plusMillis(150_001), "zed", null);
        List<String> hits = allPages("alice", query(G, null, null, "zed", null, 10, null));
        assertThat(hits).containsExactlyElementsOf(expected(h -> h.senderUserId().equals("zed"))).hasSizeGreaterThan(1);
        // 151 buckets, at most MAX_BUCKETS_PER_PAGE a page: the answer took several (short) pages.
        JsonObject first = ask("alice", query(G, null, null, "zed", null, 10, null));
        assertThat(first.getBoolean("more")).isTrue();
        assertThat(first.getJsonArray("hits").size()).isLessThan(hits.size());
    }
}
