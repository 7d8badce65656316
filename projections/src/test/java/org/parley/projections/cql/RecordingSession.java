package org.parley.projections.cql;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The seam between the projection writers and CQL in unit tests: a {@link CqlSession} that prepares any statement,
 * records every executed one (its CQL and bound values; a batch as its statements) and applies it to a {@link CqlModel},
 * and answers reads with nothing. {@link #failWith} makes executions fail, as a store that is down would.
 */
public final class RecordingSession {
    /** One executed statement: the prepared CQL and the values bound to it (byte buffers as hex). */
    public record Executed(String cql, List<Object> values) {
        @Override
        public String toString() {
            return cql + " " + values;
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
    private final List<Executed> executed = Collections.synchronizedList(new ArrayList<>());
    private final CqlModel model;
    private volatile Function<Executed, RuntimeException> failure = e -> null;
    private final CqlSession session;

    public RecordingSession(CqlModel model) {
        this.model = model;
        this.session = (CqlSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{CqlSession.class},
                handler());
    }

    public RecordingSession() {
        this(CqlModel.fromSchema());
    }

    public CqlSession session() {
        return session;
    }

    public CqlModel model() {
        return model;
    }

    /** Requests sent so far (a batch is one request). */
    public int requests() {
        return requests.get();
    }

    /** Executed statements so far, in order of execution. */
    public List<Executed> executed() {
        synchronized (executed) {
            return List.copyOf(executed);
        }
    }

    public void clear() {
        executed.clear();
    }

    /** From now on, a statement for which {@code failure} returns an exception fails with it (and is not applied). */
    public void failWith(Function<Executed, RuntimeException> failure) {
        this.failure = failure;
    }

    private InvocationHandler handler() {
        return (proxy, method, args) -> switch (method.getName()) {
            case "prepare" -> prepared(args[0] instanceof String s ? s
                    : ((com.datastax.oss.driver.api.core.cql.SimpleStatement) args[0]).getQuery());
            case "executeAsync" -> execute((Statement<?>) args[0]);
            // What a wrapping session (ReplicaBatchingSession) calls: the generic form of the two above.
            case "execute" -> args[0] instanceof com.datastax.oss.driver.api.core.cql.PrepareRequest p
                    ? prepared(p.getQuery()) : execute((Statement<?>) args[0]);
            case "getMetadata" -> noTokenMap();
            case "getContext" -> null;
            case "getKeyspace" -> java.util.Optional.empty();
            case "close", "closeAsync", "forceCloseAsync" -> null;
            case "toString" -> "RecordingSession";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new UnsupportedOperationException("RecordingSession does not do " + method.getName());
        };
    }

    private CompletableFuture<AsyncResultSet> execute(Statement<?> statement) {
        requests.incrementAndGet();
        List<Executed> all = new ArrayList<>();
        if (statement instanceof BatchStatement batch) {
            for (BatchableStatement<?> inner : batch) {
                all.add(((Bound) Proxy.getInvocationHandler(inner)).executed);
            }
        } else {
            all.add(((Bound) Proxy.getInvocationHandler(statement)).executed);
        }
        for (Executed e : all) {
            RuntimeException f = failure.apply(e);
            if (f != null) {
                return CompletableFuture.failedFuture(f);
            }
        }
        for (Executed e : all) {
            executed.add(e);
            if (!e.cql().startsWith("SELECT")) {
                model.apply(e.cql(), e.values());
            }
        }
        return CompletableFuture.completedFuture(emptyResult());
    }

    /** Metadata without a token map: the replicas of a partition are unknown. */
    private static com.datastax.oss.driver.api.core.metadata.Metadata noTokenMap() {
        return (com.datastax.oss.driver.api.core.metadata.Metadata) Proxy.newProxyInstance(
                RecordingSession.class.getClassLoader(),
                new Class<?>[]{com.datastax.oss.driver.api.core.metadata.Metadata.class}, (p, m, a) -> switch (m.getName()) {
                    case "getTokenMap" -> java.util.Optional.empty();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static AsyncResultSet emptyResult() {
        return (AsyncResultSet) Proxy.newProxyInstance(RecordingSession.class.getClassLoader(),
                new Class<?>[]{AsyncResultSet.class}, (p, m, a) -> switch (m.getName()) {
                    case "currentPage" -> List.of();
                    case "one" -> null;
                    case "hasMorePages" -> false;
                    case "wasApplied" -> true;
                    case "remaining" -> 0;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A prepared statement of {@code cql} that only tells its query (what a bound statement says it came from). */
    private static PreparedStatement preparedOf(String cql) {
        return (PreparedStatement) Proxy.newProxyInstance(RecordingSession.class.getClassLoader(),
                new Class<?>[]{PreparedStatement.class}, (p, m, a) -> switch (m.getName()) {
                    case "getQuery", "toString" -> cql;
                    case "hashCode" -> cql.hashCode();
                    case "equals" -> a[0] instanceof PreparedStatement other && cql.equals(other.getQuery());
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private PreparedStatement prepared(String cql) {
        return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{PreparedStatement.class}, (p, m, a) -> switch (m.getName()) {
                    case "bind" -> bound(cql, a == null || a.length == 0 ? new Object[0] : (Object[]) a[0]);
                    case "getQuery" -> cql;
                    case "toString" -> cql;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** The invocation handler of a bound statement proxy: holds what was bound. */
    private static final class Bound implements InvocationHandler {
        final Executed executed;

        Bound(Executed executed) {
            this.executed = executed;
        }

        @Override
        public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] a) {
            return switch (m.getName()) {
                case "toString" -> executed.toString();
                case "getPreparedStatement" -> preparedOf(executed.cql());
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == a[0];
                // The driver's batch builder reads the statements' options: none set.
                default -> none(m.getReturnType());
            };
        }
    }

    private static Object none(Class<?> type) {
        if (type == boolean.class) {
            return Boolean.FALSE;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }

    private static BoundStatement bound(String cql, Object[] values) {
        List<Object> copied = new ArrayList<>();
        for (Object v : values) {
            copied.add(normalise(v));
        }
        return (BoundStatement) Proxy.newProxyInstance(RecordingSession.class.getClassLoader(),
                new Class<?>[]{BoundStatement.class}, new Bound(new Executed(cql, Collections.unmodifiableList(copied))));
    }

    /** Byte buffers as hex text (their content, not their position), everything else as bound. */
    static Object normalise(Object v) {
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return "0x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof byte[] bytes) {
            return "0x" + HexFormat.of().formatHex(bytes);
        }
        return v;
    }

    static List<Object> list(Object... values) {
        return Arrays.asList(values);
    }
}
