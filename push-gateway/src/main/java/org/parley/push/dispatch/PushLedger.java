package org.parley.push.dispatch;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * The dedup ledger ({@code push_dispatches}): at most one dispatcher owns a push id at a time, and a push id that
 * reached a final state is never sent again. A claim is a lightweight transaction ({@code IF NOT EXISTS}), taken
 * before the push is sent; the final state is written after the push service answered. See
 * docs/adr/0007-exactly-once-push.md for what this guarantees across crashes.
 */
public class PushLedger {
    /** What a claim found. */
    public enum Claim {
        /** This dispatcher owns the push id now: send it. */
        OWNED,
        /** Already sent, given up or dropped: do nothing. */
        FINISHED,
        /** Claimed by this very dispatcher instance, still in flight (a duplicate record in the same run). */
        IN_FLIGHT_HERE
    }

    public static final String CLAIMED = "CLAIMED";

    private final CqlSession session;
    private final String owner;
    private final int ttlSeconds;
    private final PreparedStatement claim;
    private final PreparedStatement takeOver;
    private final PreparedStatement finish;

    /** @param owner this dispatcher process (a fresh id per start) */
    public PushLedger(CqlSession session, String owner, int ttlSeconds) {
        this.session = session;
        this.owner = owner;
        this.ttlSeconds = ttlSeconds;
        this.claim = session.prepare("INSERT INTO push_dispatches (push_id, state, owner, claimed_at) VALUES (?,?,?,?)"
                + " IF NOT EXISTS USING TTL ?");
        this.takeOver = session.prepare("UPDATE push_dispatches USING TTL ? SET owner = ?, claimed_at = ? "
                + "WHERE push_id = ? IF state = ? AND owner = ?");
        this.finish = session.prepare("UPDATE push_dispatches USING TTL ? SET state = ?, outcome = ? WHERE push_id = ?");
    }

    public CompletionStage<Claim> claim(String pushId) {
        return session.executeAsync(claim.bind(pushId, CLAIMED, owner, Instant.now(), ttlSeconds)).thenCompose(rs -> {
            if (rs.wasApplied()) {
                return java.util.concurrent.CompletableFuture.completedFuture(Claim.OWNED);
            }
            Row existing = rs.one();
            String state = existing.getString("state");
            String holder = existing.getString("owner");
            if (!CLAIMED.equals(state)) {
                return java.util.concurrent.CompletableFuture.completedFuture(Claim.FINISHED);
            }
            if (owner.equals(holder)) {
                return java.util.concurrent.CompletableFuture.completedFuture(Claim.IN_FLIGHT_HERE);
            }
            // Claimed by another process that never recorded an answer: this process now owns the request's
            // partition, so that process died (or was fenced out of the group) mid-push. Take over and send.
            return session.executeAsync(takeOver.bind(ttlSeconds, owner, Instant.now(), pushId, CLAIMED, holder))
                    .thenApply(r -> r.wasApplied() ? Claim.OWNED : Claim.FINISHED);
        });
    }

    /** Records the final state (SENT, GONE, REJECTED, FAILED): replays of this push id are dropped from now on. */
    public CompletionStage<Void> finish(String pushId, String state, String outcome) {
        return session.executeAsync(finish.bind(ttlSeconds, state, outcome, pushId)).thenApply(rs -> null);
    }
}
