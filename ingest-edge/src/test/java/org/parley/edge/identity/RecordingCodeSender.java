package org.parley.edge.identity;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Unit-test sender: remembers the latest code of each identifier; can be made to fail like a gateway outage. */
public class RecordingCodeSender implements CodeSender {
    public final Map<String, String> latest = new ConcurrentHashMap<>();
    public volatile boolean failing;
    public volatile int sent;

    @Override
    public Future<Void> send(Identifier to, String code, Duration validFor) {
        if (failing) {
            return Future.failedFuture("gateway unreachable");
        }
        latest.put(to.value(), code);
        sent++;
        return Future.succeededFuture();
    }

    @Override
    public String describe() {
        return "recording";
    }
}
