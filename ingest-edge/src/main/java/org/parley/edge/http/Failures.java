package org.parley.edge.http;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NodeUnavailableException;
import com.datastax.oss.driver.api.core.RequestThrottlingException;
import com.datastax.oss.driver.api.core.connection.BusyConnectionException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryConsistencyException;
import com.datastax.oss.driver.api.core.servererrors.TruncateException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import org.apache.kafka.common.errors.RetriableException;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.ServerFrames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failure that is not the client's fault tells the client. Transient ones (a broker, the CQL store or a
 * connection unreachable, overloaded or timing out) are {@code UNAVAILABLE} / 503: retrying may succeed. Every other
 * one (a record too large for a topic, a query the store refuses, a bug) is {@code INTERNAL} / 500: retrying the
 * same request fails the same way. Either way the client gets a fixed message; the exception, whose text names
 * settings, classes and hosts, goes to the log only, under an incident id the client's message carries.
 */
public final class Failures {
    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

    /** The client-facing side of a failure. */
    public record Outcome(ErrorCode code, int httpStatus, String message) {
    }

    private Failures() {
    }

    /** Whether retrying the same request may succeed: true only for failures known to pass. */
    public static boolean isTransient(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof RetriableException                        // Kafka: timeouts, leader moves, ISR short
                    || t instanceof AllNodesFailedException             // CQL: no node reachable
                    || t instanceof DriverTimeoutException
                    || t instanceof NodeUnavailableException
                    || t instanceof RequestThrottlingException
                    || t instanceof BusyConnectionException
                    || t instanceof ClosedConnectionException
                    || t instanceof HeartbeatException
                    || t instanceof QueryConsistencyException           // read/write timeouts and failures
                    || t instanceof UnavailableException
                    || t instanceof OverloadedException
                    || t instanceof BootstrappingException
                    || t instanceof TruncateException
                    || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof java.net.SocketException
                    || t instanceof io.vertx.core.http.HttpClosedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Logs the failure and says what the client gets: {@code what} ("message not stored") and, when transient,
     * {@code retry} ("retry with the same clientMessageId").
     */
    public static Outcome of(Throwable failure, String what, String retry) {
        if (isTransient(failure)) {
            LOG.warn("{} (transient): {}", what, failure.toString());
            return new Outcome(ErrorCode.UNAVAILABLE, 503, what + ": a backend is unavailable; " + retry);
        }
        String incident = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("{} [incident {}]", what, incident, failure);
        return new Outcome(ErrorCode.INTERNAL, 500, what + ": server fault (incident " + incident
                + "); retrying will not help, report it");
    }

    /** An error frame for the failure. */
    public static String frame(Throwable failure, String what, String retry, String ref) {
        Outcome o = of(failure, what, retry);
        return ServerFrames.error(o.code(), o.message(), ref);
    }

    /** An HTTP error answer for the failure. */
    public static void http(RoutingContext ctx, Throwable failure, String what, String retry) {
        Outcome o = of(failure, what, retry);
        HttpErrors.send(ctx, o.httpStatus(), o.code(), o.message());
    }
}
