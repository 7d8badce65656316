package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.TokenMap;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.type.reflect.GenericType;
import com.datastax.oss.driver.internal.core.session.SessionWrapper;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A CQL session that, while its owner thread has a window open ({@link #open}), holds that thread's asynchronous
 * writes and sends them at {@link #flush} as UNLOGGED batches, one per replica set (a batch's mutations all belong to
 * the node it is routed to, so the coordinator applies them locally). Everything else — reads, synchronous calls,
 * conditional writes, other threads' requests — goes straight through.
 *
 * <p>Why: the CQL server's cost is mostly per request (the native transport's hand-offs between its event loop and
 * request workers, the workers' spin), not per mutation; the projection writer sends ~6 small writes per message.
 *
 * <p>What a batch changes: a statement without {@code USING TIMESTAMP} gets the batch's timestamp, so two such writes
 * to one cell in one window would tie (the larger value wins, a null over any) instead of the later one winning: a
 * user's presence going online and offline within one poll read back online. Only statements with their own
 * timestamp are held, for which a cell's winner never depends on how they were sent; the rest go alone, in the order
 * they were made. A batch carries its own options (consistency, timeout), not its statements': the writer's tables
 * set none per statement. A failed batch fails each statement it carried, as the statement alone would have.
 */
public final class ReplicaBatchingSession extends SessionWrapper implements CqlSession {
    /** DML that may join a batch: with its own timestamp, never a conditional one. */
    private static final Pattern CONDITIONAL = Pattern.compile("\\bIF\\b", Pattern.CASE_INSENSITIVE);

    private final CqlSession delegate;
    private final int maxStatements;
    private final long maxBytes;
    private final Map<String, Boolean> batchable = new ConcurrentHashMap<>();
    private final List<Held> held = new ArrayList<>();
    private volatile Thread owner;
    private long batchesSent;
    private long statementsBatched;

    private record Held(BoundStatement statement, CompletableFuture<AsyncResultSet> result) {
    }

    /**
     * @param maxStatements at most this many statements per batch; 1 turns batching off (every write goes alone)
     * @param maxBytes      at most this many bytes of statements per batch (the server warns and fails above its own
     *                      {@code batch_size_*_threshold})
     */
    public ReplicaBatchingSession(CqlSession delegate, int maxStatements, long maxBytes) {
        super(delegate);
        if (maxStatements < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("maxStatements and maxBytes must be positive");
        }
        this.delegate = delegate;
        this.maxStatements = maxStatements;
        this.maxBytes = maxBytes;
    }

    /** From now until {@link #closeWindow()}, the calling thread's batchable writes are held for {@link #flush}. */
    public void open() {
        if (maxStatements > 1) {
            owner = Thread.currentThread();
        }
    }

    /** Sends what is held and stops holding. */
    public void closeWindow() {
        flush();
        owner = null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <RequestT extends Request, ResultT> ResultT execute(RequestT request, GenericType<ResultT> resultType) {
        if (owner == Thread.currentThread() && resultType.equals(Statement.ASYNC)
                && request instanceof BoundStatement bound && isBatchable(bound.getPreparedStatement())) {
            CompletableFuture<AsyncResultSet> result = new CompletableFuture<>();
            // Bounded by the owner: the projection writer flushes whenever ProjectionWriter.MAX_IN_FLIGHT are pending.
            held.add(new Held(bound, result));
            return (ResultT) result;
        }
        return delegate.execute(request, resultType);
    }

    private boolean isBatchable(PreparedStatement prepared) {
        return batchable.computeIfAbsent(prepared.getQuery(), ReplicaBatchingSession::isBatchable);
    }

    static boolean isBatchable(String query) {
        String q = query.toUpperCase(Locale.ROOT);
        return q.contains("USING TIMESTAMP") && !CONDITIONAL.matcher(q).find(); // only DML carries USING TIMESTAMP
    }

    /** Sends the held writes: grouped by replica set in the order they were made, each group in batches. */
    public void flush() {
        if (held.isEmpty()) {
            return;
        }
        List<Held> out = new ArrayList<>(held);
        held.clear();
        Map<Object, List<Held>> byReplicas = new LinkedHashMap<>();
        Optional<TokenMap> tokens = delegate.getMetadata().getTokenMap();
        for (Held h : out) {
            byReplicas.computeIfAbsent(replicas(tokens, h.statement()), k -> new ArrayList<>()).add(h);
        }
        for (List<Held> group : byReplicas.values()) {
            List<Held> batch = new ArrayList<>();
            long bytes = 0;
            for (Held h : group) {
                long size = h.statement().computeSizeInBytes(getContext());
                if (!batch.isEmpty() && (batch.size() >= maxStatements || bytes + size > maxBytes)) {
                    send(batch);
                    batch = new ArrayList<>();
                    bytes = 0;
                }
                batch.add(h);
                bytes += size;
            }
            send(batch);
        }
    }

    /**
     * The replicas of a statement's partition. Statements whose replicas are unknown (no token map, no routing key)
     * share one group: such a batch is as correct, its coordinator just forwards the mutations it does not own.
     */
    private Object replicas(Optional<TokenMap> tokens, BoundStatement s) {
        ByteBuffer key = s.getRoutingKey();
        CqlIdentifier keyspace = s.getRoutingKeyspace() != null ? s.getRoutingKeyspace()
                : delegate.getKeyspace().orElse(null);
        if (tokens.isEmpty() || key == null || keyspace == null) {
            return UNKNOWN_REPLICAS;
        }
        Set<Node> nodes = tokens.get().getReplicas(keyspace, key);
        return nodes.isEmpty() ? UNKNOWN_REPLICAS : nodes;
    }

    private static final Object UNKNOWN_REPLICAS = new Object();

    private void send(List<Held> batch) {
        if (batch.isEmpty()) {
            return;
        }
        CompletionStage<AsyncResultSet> sent = batch.size() == 1
                ? delegate.executeAsync(batch.get(0).statement())
                : delegate.executeAsync(BatchStatement.newInstance(BatchType.UNLOGGED,
                        batch.stream().map(Held::statement).toArray(BoundStatement[]::new)));
        batchesSent++;
        statementsBatched += batch.size();
        sent.whenComplete((rs, error) -> batch.forEach(h -> {
            if (error != null) {
                h.result().completeExceptionally(error);
            } else {
                h.result().complete(rs);
            }
        }));
    }

    /** Requests sent by {@link #flush} (a batch or a lone statement) and the statements they carried, for tests. */
    long batchesSent() {
        return batchesSent;
    }

    long statementsBatched() {
        return statementsBatched;
    }
}
