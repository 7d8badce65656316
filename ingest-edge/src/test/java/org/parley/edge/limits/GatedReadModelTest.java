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
}
