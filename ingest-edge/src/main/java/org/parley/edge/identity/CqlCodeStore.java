package org.parley.edge.identity;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@link CodeStore} on the CQL {@code verification_codes} table. Every write is a lightweight transaction on the
 * row's version (registration is rare: LWT stays off the message path) with a TTL, so rows of identifiers nobody
 * asks for again disappear by themselves.
 */
public class CqlCodeStore implements CodeStore {
    private final Vertx vertx;
    private final CqlSession session;
    private final PreparedStatement find;
    private final PreparedStatement insert;
    private final PreparedStatement update;

    public CqlCodeStore(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.session = session;
        this.find = session.prepare("SELECT code_hash, expires_at, attempts, window_start, sends, failures, last_sent_at,"
                + " version FROM verification_codes WHERE identifier = ?");
        this.insert = session.prepare("INSERT INTO verification_codes (identifier, code_hash, expires_at, attempts,"
                + " window_start, sends, failures, last_sent_at, version) VALUES (?,?,?,?,?,?,?,?,?)"
                + " IF NOT EXISTS USING TTL ?");
        this.update = session.prepare("UPDATE verification_codes USING TTL ? SET code_hash = ?, expires_at = ?,"
                + " attempts = ?, window_start = ?, sends = ?, failures = ?, last_sent_at = ?, version = ?"
                + " WHERE identifier = ? IF version = ?");
    }

    @Override
    public Future<Optional<State>> find(String identifier) {
        return Future.fromCompletionStage(session.executeAsync(find.bind(identifier)).thenApply(rs -> {
            Row r = rs.one();
            return r == null ? Optional.<State>empty() : Optional.of(new State(identifier, r.getString("code_hash"),
                    r.getInstant("expires_at"), r.getInt("attempts"), r.getInstant("window_start"), r.getInt("sends"),
                    r.getInt("failures"), r.getInstant("last_sent_at"), r.getLong("version")));
        }), vertx.getOrCreateContext());
    }

    @Override
    public Future<Boolean> put(State s, Instant keepUntil) {
        int ttl = (int) Math.max(60, Math.min(Integer.MAX_VALUE, Duration.between(Instant.now(), keepUntil).toSeconds()));
        var statement = s.version() == 1
                ? insert.bind(s.identifier(), s.codeHash(), s.expiresAt(), s.attempts(), s.windowStart(), s.sends(),
                        s.failures(), s.lastSentAt(), s.version(), ttl)
                : update.bind(ttl, s.codeHash(), s.expiresAt(), s.attempts(), s.windowStart(), s.sends(), s.failures(),
                        s.lastSentAt(), s.version(), s.identifier(), s.version() - 1);
        return Future.fromCompletionStage(session.executeAsync(statement).thenApply(rs -> rs.wasApplied()), vertx.getOrCreateContext());
    }
}
