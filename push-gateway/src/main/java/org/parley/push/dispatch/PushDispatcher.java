package org.parley.push.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.events.PushRequest;
import org.parley.projections.PushSubscriptions;
import org.parley.push.PushMessage;
import org.parley.push.PushOutcome;
import org.parley.push.PushSender;
import org.parley.push.PushSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one {@link PushRequest} into at most one accepted push: too old → dropped; no subscription → dropped;
 * claim the push id in the {@link PushLedger} (a replay finds it claimed or finished and stops here); send through
 * the subscription's {@link PushSender}, retrying transient failures; record the outcome; delete a subscription the
 * push service reports gone.
 */
public class PushDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(PushDispatcher.class);
    private static final long[] RETRY_DELAYS_MS = {250, 1000, 4000};

    /** What became of one request (for counters and tests). */
    public enum Result {
        SENT, DUPLICATE, NO_SUBSCRIPTION, STALE, GONE, REJECTED, FAILED,
        /** Sent earlier by this process, whose ledger write failed: the answer recorded now, nothing sent again. */
        RECORDED
    }

    private final PushSubscriptions subscriptions;
    private final PushSounds sounds;
    private final PushLedger ledger;
    private final Map<String, PushSender> senders;
    private final Duration ttl;
    private final String urgency;
    private final long maxAgeMs;
    private final Clock clock;
    private final Map<Result, AtomicLong> counts = new java.util.EnumMap<>(Result.class);
    private PushMeters meters;
    private SentPushes sent = new SentPushes(10_000);

    public PushDispatcher(PushSubscriptions subscriptions, PushSounds sounds, PushLedger ledger,
            Map<String, PushSender> senders, Duration ttl, String urgency, long maxAgeMs, Clock clock) {
        this.subscriptions = subscriptions;
        this.sounds = sounds;
        this.ledger = ledger;
        this.senders = senders;
        this.ttl = ttl;
        this.urgency = urgency;
        this.maxAgeMs = maxAgeMs;
        this.clock = clock;
        for (Result r : Result.values()) {
            counts.put(r, new AtomicLong());
        }
    }

    /** The process's memory of sent, unrecorded pushes, shared by its successive dispatcher instances. */
    public PushDispatcher withSentPushes(SentPushes sent) {
        this.sent = sent;
        return this;
    }

    /** Counts results and attempts on these meters too (the process's /metrics). */
    public PushDispatcher withMeters(PushMeters meters) {
        this.meters = meters;
        return this;
    }

    public Map<Result, AtomicLong> counts() {
        return counts;
    }

    public CompletableFuture<Result> dispatch(PushRequest r) {
        return run(r).thenApply(result -> {
            counts.get(result).incrementAndGet();
            if (meters != null) {
                meters.result(result);
                if (result == Result.SENT) {
                    meters.sent(Duration.ofMillis(clock.millis() - r.getSentAt().toEpochMilli()));
                }
            }
            LOG.debug("push {}: {}", r.getPushId(), result);
            return result;
        }).toCompletableFuture();
    }

    private CompletionStage<Result> run(PushRequest r) {
        java.util.Optional<SentPushes.Answer> already = sent.unrecorded(r.getPushId());
        if (already.isPresent()) {
            // Sent by this process before its ledger write failed: record that answer, never send it again.
            SentPushes.Answer a = already.get();
            return ledger.finish(r.getPushId(), a.result().name(), a.outcome()).thenApply(v -> {
                sent.recorded(r.getPushId());
                return Result.RECORDED;
            });
        }
        if (clock.millis() - r.getSentAt().toEpochMilli() > maxAgeMs) {
            return CompletableFuture.completedFuture(Result.STALE);
        }
        return subscriptions.find(r.getDeviceId()).thenCompose(found -> {
            Optional<PushSender> sender = found.map(s -> senders.get(s.kind()));
            if (found.isEmpty() || sender.isEmpty()) {
                return CompletableFuture.completedFuture(Result.NO_SUBSCRIPTION);
            }
            return ledger.claim(r.getPushId()).thenCompose(claim -> claim != PushLedger.Claim.OWNED
                    ? CompletableFuture.completedFuture(Result.DUPLICATE)
                    : sounds.of(r.getUserId()).thenCompose(sound -> send(r, found.get(), sender.get(),
                            PushPayload.of(r, sound.orElse(null)), 0)));
        });
    }

    private CompletionStage<Result> send(PushRequest r, PushSubscriptions.Subscription s, PushSender sender,
            byte[] payload, int attempt) {
        PushSubscription target = new PushSubscription(s.deviceId(), s.kind(), s.endpoint(), s.p256dh(), s.auth());
        PushMessage message = new PushMessage(r.getPushId(), r.getCollapseKey(), ttl, urgency, payload);
        return sender.send(target, message).thenCompose(outcome -> {
            if (meters != null) {
                meters.attempt(outcome);
            }
            if (outcome.status() == PushOutcome.Status.RETRY && attempt < RETRY_DELAYS_MS.length) {
                LOG.info("push {} to {}: {} — retry {} in {} ms", r.getPushId(), s.endpoint(), outcome, attempt + 1,
                        RETRY_DELAYS_MS[attempt]);
                return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(
                                RETRY_DELAYS_MS[attempt], TimeUnit.MILLISECONDS))
                        .thenCompose(x -> send(r, s, sender, payload, attempt + 1));
            }
            return record(r, s, outcome);
        });
    }

    private CompletionStage<Result> record(PushRequest r, PushSubscriptions.Subscription s, PushOutcome outcome) {
        Result result = switch (outcome.status()) {
            case ACCEPTED -> Result.SENT;
            case GONE -> Result.GONE;
            case REJECTED -> Result.REJECTED;
            case RETRY -> Result.FAILED;
        };
        if (result != Result.SENT) {
            LOG.warn("push {} to {}: {} ({})", r.getPushId(), s.endpoint(), result, outcome);
        }
        String answer = outcome.httpStatus() + " " + outcome.detail();
        sent.sent(r.getPushId(), result, answer);
        CompletionStage<Void> done = ledger.finish(r.getPushId(), result.name(), answer)
                .thenApply(v -> {
                    sent.recorded(r.getPushId());
                    return null;
                });
        if (result == Result.GONE) {
            done = done.thenCompose(v -> subscriptions.deleteGone(s.deviceId(), s.endpoint())).thenApply(b -> null);
        }
        return done.thenApply(v -> result);
    }
}
