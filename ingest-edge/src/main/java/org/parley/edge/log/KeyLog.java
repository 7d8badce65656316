package org.parley.edge.log;

import io.vertx.core.Future;
import org.parley.events.KeyDirectoryFact;

/** Appends key directory facts to the log (topic.key-directory, key = device id); completes once Kafka acked. */
public interface KeyLog {
    Future<Void> append(KeyDirectoryFact fact);
}
