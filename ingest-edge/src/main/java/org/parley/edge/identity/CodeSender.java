package org.parley.edge.identity;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * Delivers a one-time registration code to the identifier (SMS, e-mail, or a local file for tests). The future
 * completes once the sender accepted the message; a failure means the user will not get this code.
 */
public interface CodeSender {
    Future<Void> send(Identifier to, String code, Duration validFor);

    /** A short name for logs and the startup line. */
    String describe();
}
