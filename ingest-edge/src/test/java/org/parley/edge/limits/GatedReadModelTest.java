package org.parley.edge.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ProtocolException;
import org.parley.edge.readmodel.EdgeReadModel;

class GatedReadModelTest {
    /** A read model whose reads complete when the test says so. */
    private static final class Held {
        final List<Promise<Object>> open = new ArrayList<>();

        EdgeReadModel model() {
            return (EdgeReadModel) Proxy.newProxyInstance(EdgeReadModel.class.getClassLoader(),
                    new Class<?>[] {EdgeReadModel.class}, (proxy, method, args) -> {
                        Promise<Object> p = Promise.promise();
                        open.add(p);
                        return p.future();
                    });
        }
    }

    @Test
    void atMostMaxInFlightRunTheRestWaitAndPastTheQueueAreRefusedAsBusy() {
        Held held = new Held();
        GatedReadModel gate = new GatedReadModel(held.model(), 2, 3, "edge.cql-max-queued");
        List<Future<Long>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(gate.cursor("d" + i));
        }
        assertThat(held.open).as("reads started").hasSize(2);
        assertThat(calls.subList(0, 5)).allMatch(f -> !f.isComplete());
        assertThat(calls.get(5).failed()).isTrue();
        assertThat(calls.get(5).cause()).isInstanceOfSatisfying(ProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BUSY);
            assertThat(e.getMessage()).contains("edge.cql-max-queued");
        });
        held.open.get(0).complete(7L);
        assertThat(calls.get(0).result()).isEqualTo(7L);
        assertThat(held.open).as("a waiting read took the free place").hasSize(3);
        assertThat(gate.inFlight()).isEqualTo(2);
        held.open.get(1).fail("down");
        held.open.get(2).complete(1L);
        assertThat(calls.get(1).failed()).isTrue();
        assertThat(held.open).hasSize(5);
        held.open.subList(3, 5).forEach(p -> p.complete(2L));
        assertThat(calls.subList(2, 5)).allMatch(Future::succeeded);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aLongQueueOfReadsThatCompleteAtOnceDrainsWithoutNesting() {
        Promise<Object> first = Promise.promise();
        int[] calls = {0};
        EdgeReadModel model = (EdgeReadModel) Proxy.newProxyInstance(EdgeReadModel.class.getClassLoader(),
                new Class<?>[] {EdgeReadModel.class},
                (p, m, a) -> calls[0]++ == 0 ? first.future() : Future.succeededFuture(Optional.empty()));
        GatedReadModel gate = new GatedReadModel(model, 1, 100_000, "q");
        List<Future<?>> waiting = new ArrayList<>();
        gate.device("held");
        for (int i = 0; i < 50_000; i++) {
            waiting.add(gate.device("d" + i));
        }
        first.complete(Optional.empty()); // each waiting read completes at once and starts the next
        assertThat(waiting).allMatch(Future::succeeded);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aWaitingReadRunsOnTheContextItWasMadeOnWhenAnotherEventLoopFreesThePlace() throws Exception {
        // The edge's gate is shared by its verticle instances: a read queued by a connection of one instance must
        // run (and complete) on that connection's event loop, not on the one whose read happened to finish.
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            java.util.Map<String, Thread> ranOn = new java.util.concurrent.ConcurrentHashMap<>();
            Promise<Object> first = Promise.promise();
            EdgeReadModel model = (EdgeReadModel) Proxy.newProxyInstance(EdgeReadModel.class.getClassLoader(),
                    new Class<?>[] {EdgeReadModel.class}, (p, m, a) -> {
                        ranOn.put((String) a[0], Thread.currentThread());
                        return a[0].equals("a") ? first.future() : Future.succeededFuture(3L);
                    });
            GatedReadModel gate = new GatedReadModel(model, 1, 10, "edge.cql-max-queued");
            io.vertx.core.Context loopA = contextOfANewThread(vertx);
            io.vertx.core.Context loopB = contextOfANewThread(vertx);
            java.util.concurrent.CompletableFuture<Thread> threadB = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Thread> answeredOn = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            loopA.runOnContext(v -> {
                gate.cursor("a");
                started.countDown();
            });
            assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            loopB.runOnContext(v -> {
                threadB.complete(Thread.currentThread());
                gate.cursor("b").onComplete(ar -> answeredOn.complete(Thread.currentThread()));
            });
            org.awaitility.Awaitility.await().until(() -> gate.queued() == 1);
            loopA.runOnContext(v -> first.complete(1L)); // frees the place on loop A
            Thread b = threadB.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answeredOn.get(10, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(b);
            assertThat(ranOn.get("b")).as("the queued read ran on its caller's event loop").isSameAs(b);
            assertThat(ranOn.get("a")).isNotSameAs(b);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** A context of its own (a thread outside Vert.x keeps one context: ask from a fresh thread for another). */
    private static io.vertx.core.Context contextOfANewThread(io.vertx.core.Vertx vertx) throws Exception {
        java.util.concurrent.CompletableFuture<io.vertx.core.Context> made = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> made.complete(vertx.getOrCreateContext()));
        t.start();
        t.join();
        return made.get();
    }
}
