package org.parley.edge.readmodel;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionStage;

/** Brings a CQL driver future back onto the calling Vert.x context, where the edge's state lives. */
public final class OnContext {
    private OnContext() {
    }

    public static <T> Future<T> of(Vertx vertx, CompletionStage<T> stage) {
        Context context = vertx.getOrCreateContext();
        Promise<T> promise = Promise.promise();
        stage.whenComplete((value, err) -> context.runOnContext(v -> {
            if (err == null) {
                promise.complete(value);
            } else {
                promise.fail(err);
            }
        }));
        return promise.future();
    }
}
