package org.parley.edge.session;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.events.ActionResult;

/** Actions appended by this edge that await the sequencer's result, by action id. Results arrive on a Kafka thread. */
public class PendingActions {
    private record Waiter(Context context, Promise<ActionResult> promise, long startNanos) {
    }

    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    private final org.parley.edge.metrics.EdgeMetrics metrics;

    public PendingActions() {
        this(org.parley.edge.metrics.EdgeMetrics.get());
    }

    /** Recording each action's time to its result (or to its timeout) in {@code metrics}. */
    public PendingActions(org.parley.edge.metrics.EdgeMetrics metrics) {
        this.metrics = metrics;
    }

    /** Registers interest before the action is appended, so a fast result is never missed. */
    public Future<ActionResult> await(Context context, String actionId, long timeoutMs) {
        Promise<ActionResult> promise = Promise.promise();
        waiting.put(actionId, new Waiter(context, promise, System.nanoTime()));
        long timer = context.owner().setTimer(timeoutMs, t -> {
            Waiter w = waiting.remove(actionId);
            if (w != null) {
                metrics.actionTimedOut(w.startNanos());
                w.promise().tryFail(new java.util.concurrent.TimeoutException("no result for action " + actionId));
            }
        });
        return promise.future().andThen(ar -> context.owner().cancelTimer(timer));
    }

    public void forget(String actionId) {
        waiting.remove(actionId);
    }

    /** Called by the results tail; results for actions of other (restarted) edges are ignored. */
    public void complete(ActionResult result) {
        Waiter w = waiting.remove(result.getActionId());
        if (w != null) {
            metrics.actionCompleted(w.startNanos(), result);
            w.context().runOnContext(v -> w.promise().tryComplete(result));
        }
    }

    public int size() {
        return waiting.size();
    }
}
