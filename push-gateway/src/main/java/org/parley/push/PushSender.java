package org.parley.push;

import java.util.concurrent.CompletableFuture;

/**
 * Delivers one push to one subscription through a push service. The dispatcher picks the sender by
 * {@link PushSubscription#kind()}; it owns dedup, retries and the subscription lifecycle, so a sender does one
 * attempt and reports what happened.
 *
 * <p>Adding FCM or APNs: implement this for kind {@code fcm}/{@code apns} — map {@link PushMessage#collapseKey()} to
 * the platform's collapse id, {@link PushMessage#ttl()} to its expiry, {@link PushMessage#urgency()} to its
 * priority, send {@link PushMessage#payload()} as the data/background payload (it holds no message content, so it
 * may travel unencrypted to the platform if the platform offers no end-to-end encryption), and map the platform's
 * answers onto {@link PushOutcome.Status} (unregistered token → GONE, quota/unavailable → RETRY, invalid → REJECTED).
 * Register it in {@link org.parley.push.dispatch.PushDispatcherApp}.
 *
 * <p>Implementations must be thread-safe: the dispatcher calls {@link #send} concurrently.
 */
public interface PushSender {
    /** The {@link PushSubscription#kind()} this sender serves. */
    String kind();

    /** One attempt. Never completes exceptionally: failures are {@link PushOutcome.Status#RETRY} or REJECTED. */
    CompletableFuture<PushOutcome> send(PushSubscription subscription, PushMessage message);
}
