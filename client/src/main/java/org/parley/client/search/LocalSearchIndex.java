package org.parley.client.search;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * A device's full-text index of the messages it decrypted or sent (Apache Lucene), the text half of search: with
 * end-to-end encryption only the device can read the text, so only the device can index it (docs/search.md). One
 * document per (conversation, seq): the text and the metadata the server knows too (sender, time, media type), so a
 * query can filter on both. Deletes for everyone and for oneself remove the document ({@link #observe}).
 *
 * <p>The index lives in a folder of the device's store, <b>not encrypted at rest</b> (Lucene's files hold the terms in
 * clear): an application that needs that keeps the folder on an encrypted volume, or indexes in memory
 * ({@link #inMemory}) and rebuilds from the encrypted {@link org.parley.client.history.MessageLog} at start. Writes
 * become searchable at once; they are made durable by {@link #commit} and {@link #close}.
 */
public final class LocalSearchIndex implements AutoCloseable {
    private static final String ID = "id";
    private static final String CONVERSATION = "conversation";
    private static final String SENDER = "sender";
    private static final String MEDIA = "media";
    private static final String AT = "at";
    private static final String SEQ = "seq";
    private static final String TEXT = "text";
    /** Media type stored for messages without media, so {@code none} is a term query. */
    private static final String NO_MEDIA = "-";

    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    /** Words as Unicode splits them, lower case, accents folded ("Café" is found by "cafe"). */
    private final Analyzer analyzer = new Analyzer() {
        @Override
        protected TokenStreamComponents createComponents(String field) {
            StandardTokenizer source = new StandardTokenizer();
            TokenStream folded = new ASCIIFoldingFilter(new LowerCaseFilter(source));
            return new TokenStreamComponents(source, folded);
        }
    };

    private LocalSearchIndex(Directory directory) throws IOException {
        this.directory = directory;
        this.writer = new IndexWriter(directory, new IndexWriterConfig(analyzer)
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
        this.searchers = new SearcherManager(writer, null);
    }

    /** The index in {@code folder} (created if absent), e.g. a {@code search} folder beside the device store. */
    public static LocalSearchIndex open(Path folder) throws IOException {
        return new LocalSearchIndex(FSDirectory.open(folder));
    }

    /** An index in memory only. */
    public static LocalSearchIndex inMemory() {
        try {
            return new LocalSearchIndex(new ByteBuffersDirectory());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One message as the device knows it. {@code mediaType} null: none. */
    public record Entry(String conversationId, long seq, String senderUserId, long sentAt, String mediaType,
                        String text) {
    }

    /**
     * A local query: {@code text} (every word must occur, each as the beginning of a word: "meet tom" finds "meeting
     * tomorrow"; case and accents do not matter; null: any text) and the same metadata filters as the server's {@code search} ({@code fromTime}
     * inclusive, {@code untilTime} exclusive, epoch ms; {@code mediaType} {@code none}, {@code any}, a top-level type
     * or a {@code type/subtype}), at most {@code limit} hits, newest first.
     */
    public record Request(String text, String conversationId, Long fromTime, Long untilTime, String senderUserId,
                          String mediaType, int limit) {
        public static Request text(String text, int limit) {
            return new Request(text, null, null, null, null, null, limit);
        }
    }

    private static String id(String conversationId, long seq) {
        return conversationId + "#" + seq;
    }

    /** Adds or replaces the message (an edit indexes its new text under the same seq). */
    public void index(Entry e) {
        Document d = new Document();
        d.add(new StringField(ID, id(e.conversationId(), e.seq()), Field.Store.YES));
        d.add(new StringField(CONVERSATION, e.conversationId(), Field.Store.YES));
        d.add(new SortedDocValuesField(CONVERSATION, new BytesRef(e.conversationId())));
        d.add(new StringField(SENDER, e.senderUserId() == null ? "" : e.senderUserId(), Field.Store.YES));
        String media = normalized(e.mediaType());
        d.add(new StringField(MEDIA, media == null ? NO_MEDIA : media, Field.Store.YES));
        d.add(new LongPoint(AT, e.sentAt()));
        d.add(new NumericDocValuesField(AT, e.sentAt()));
        d.add(new StoredField(AT, e.sentAt()));
        d.add(new NumericDocValuesField(SEQ, e.seq()));
        d.add(new StoredField(SEQ, e.seq()));
        d.add(new TextField(TEXT, e.text() == null ? "" : e.text(), Field.Store.YES));
        try {
            writer.updateDocument(new Term(ID, id(e.conversationId(), e.seq())), d);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Removes the message (deleted for everyone, or for this user). */
    public void remove(String conversationId, long seq) {
        try {
            writer.deleteDocuments(new Term(ID, id(conversationId, seq)));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Applies a received {@code message} frame or history item whose content the device could read: a plain
     * {@code message} is indexed with its payload as UTF-8 text; a {@code message_edited} re-indexes its target with the
     * new text (when the target is indexed); {@code message_deleted} and {@code hidden_for_me} remove their target; a
     * history item marked {@code deleted} is removed. End-to-end encrypted content is indexed by the messenger after
     * decrypting ({@link #index}); this reads only {@code payload}, so an encrypted frame's metadata alone is not indexed.
     */
    public void observe(JsonObject frame) {
        String type = frame.getString("type");
        String kind = frame.getString("kind", "message");
        String conversation = frame.getString("conversationId");
        if (conversation == null || type != null && !type.equals("message")) {
            return; // not a conversation event (a "sent" answer, a receipt, …)
        }
        Object target = frame.getValue("targetSeq");
        switch (kind) {
            case "message_deleted", "hidden_for_me" -> {
                if (target instanceof Number t) {
                    remove(conversation, t.longValue());
                }
            }
            case "message" -> {
                if (!(frame.getValue("seq") instanceof Number seq)) {
                    return;
                }
                if (frame.getBoolean("deleted", false)) {
                    remove(conversation, seq.longValue());
                } else if (!frame.getBoolean("encrypted", false) && frame.getString("payload") != null) {
                    index(new Entry(conversation, seq.longValue(), frame.getString("senderUserId"),
                            frame.getLong("sentAt", 0L), frame.getString("mediaType"), text(frame.getString("payload"))));
                }
            }
            case "message_edited" -> {
                if (target instanceof Number t && !frame.getBoolean("encrypted", false) && frame.getString("payload") != null) {
                    edit(conversation, t.longValue(), text(frame.getString("payload")));
                }
            }
            default -> {
            }
        }
    }

    /** Replaces an indexed message's text (an edit); false if it is not indexed. */
    public boolean edit(String conversationId, long seq, String newText) {
        Entry old = get(conversationId, seq);
        if (old == null) {
            return false;
        }
        index(new Entry(conversationId, seq, old.senderUserId(), old.sentAt(), old.mediaType(), newText));
        return true;
    }

    /** The indexed message, or null. */
    public Entry get(String conversationId, long seq) {
        List<Entry> found = run(new TermQuery(new Term(ID, id(conversationId, seq))), 1);
        return found.isEmpty() ? null : found.get(0);
    }

    private static String text(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** Hits of {@code q}, newest first (time, then conversation, then seq, all descending: the server's order). */
    public List<Entry> search(Request q) {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        b.add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER);
        if (q.text() != null && !q.text().isBlank()) {
            b.add(textQuery(q.text()), BooleanClause.Occur.MUST);
        }
        if (q.conversationId() != null) {
            b.add(new TermQuery(new Term(CONVERSATION, q.conversationId())), BooleanClause.Occur.FILTER);
        }
        if (q.senderUserId() != null) {
            b.add(new TermQuery(new Term(SENDER, q.senderUserId())), BooleanClause.Occur.FILTER);
        }
        if (q.fromTime() != null || q.untilTime() != null) {
            long from = q.fromTime() == null ? Long.MIN_VALUE : q.fromTime();
            long until = q.untilTime() == null ? Long.MAX_VALUE : q.untilTime() - 1;
            b.add(LongPoint.newRangeQuery(AT, from, until), BooleanClause.Occur.FILTER);
        }
        if (q.mediaType() != null) {
            String f = q.mediaType().toLowerCase(java.util.Locale.ROOT);
            Query media = switch (f) {
                case "none" -> new TermQuery(new Term(MEDIA, NO_MEDIA));
                case "any" -> new BooleanQuery.Builder().add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER)
                        .add(new TermQuery(new Term(MEDIA, NO_MEDIA)), BooleanClause.Occur.MUST_NOT).build();
                default -> f.indexOf('/') >= 0 ? new TermQuery(new Term(MEDIA, f)) : new PrefixQuery(new Term(MEDIA, f + "/"));
            };
            b.add(media, BooleanClause.Occur.FILTER);
        }
        return run(b.build(), Math.max(1, q.limit()));
    }

    /** Every word must occur, each as a word's beginning (typing "meet tom" finds "meeting tomorrow"). */
    private Query textQuery(String text) {
        List<String> tokens = tokens(text);
        if (tokens.isEmpty()) {
            return new BooleanQuery.Builder().build(); // only punctuation: matches nothing
        }
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (String t : tokens) {
            b.add(new PrefixQuery(new Term(TEXT, t)), BooleanClause.Occur.MUST);
        }
        return b.build();
    }

    private List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        try (var stream = analyzer.tokenStream(TEXT, text)) {
            var term = stream.addAttribute(org.apache.lucene.analysis.tokenattributes.CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                out.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static final Sort NEWEST_FIRST = new Sort(new SortField(AT, SortField.Type.LONG, true),
            new SortField(CONVERSATION, SortField.Type.STRING, true), new SortField(SEQ, SortField.Type.LONG, true));

    private List<Entry> run(Query query, int limit) {
        try {
            searchers.maybeRefreshBlocking();
            IndexSearcher searcher = searchers.acquire();
            try {
                TopDocs top = searcher.search(query, limit, NEWEST_FIRST);
                List<Entry> out = new ArrayList<>(top.scoreDocs.length);
                var stored = searcher.storedFields();
                for (ScoreDoc sd : top.scoreDocs) {
                    Document d = stored.document(sd.doc);
                    String media = d.get(MEDIA);
                    out.add(new Entry(d.get(CONVERSATION), d.getField(SEQ).numericValue().longValue(), d.get(SENDER),
                            d.getField(AT).numericValue().longValue(), NO_MEDIA.equals(media) ? null : media, d.get(TEXT)));
                }
                return out;
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many messages are indexed. */
    public int size() {
        try {
            searchers.maybeRefreshBlocking();
            IndexSearcher s = searchers.acquire();
            try {
                return s.getIndexReader().numDocs();
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes every write so far durable. */
    public void commit() {
        try {
            writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String normalized(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        int semicolon = mediaType.indexOf(';');
        String bare = (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).trim()
                .toLowerCase(java.util.Locale.ROOT);
        return bare.isEmpty() ? null : bare;
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
