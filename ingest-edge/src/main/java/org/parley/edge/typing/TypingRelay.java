package org.parley.edge.typing;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.edge.http.Failures;
import org.parley.edge.log.SignalLog;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.DeviceConnection;
import org.parley.edge.session.SessionExtension;
import org.parley.events.TypingSignal;
import org.parley.events.TypingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typing indicators (ADR 0008). Sender side: checks membership and the rate limit, appends a {@link TypingSignal} to
 * the short-lived {@code signals} topic, and sends the stop itself when a start is not renewed within the expiry or
 * the connection closes. Receiver side: every edge tails {@code signals} and hands each signal to the recipients'
 * devices connected here; offline devices never get one (nothing is stored or pushed).
 */
public class TypingRelay implements SessionExtension {
    private static final Logger LOG = LoggerFactory.getLogger(TypingRelay.class);

    /** One connection's typing: its rate limit and the auto-stop timer of each conversation it is typing in. */
    private static final class Typist {
        final TypingRateLimit rate;
        final Map<String, Long> stopTimers = new HashMap<>();

        Typist(int maxPerSecond) {
            rate = new TypingRateLimit(maxPerSecond);
        }
    }

    private final SignalLog log;
    private final ConversationMembership membership;
    private final ConnectedDevices connected;
    private final long expiryMs;
    private final int maxPerSecond;
    private final Map<DeviceConnection, Typist> typists = new ConcurrentHashMap<>();

    public TypingRelay(SignalLog log, ConversationMembership membership, ConnectedDevices connected, long expiryMs,
                       int maxPerSecond) {
        this.log = log;
        this.membership = membership;
        this.connected = connected;
        this.expiryMs = expiryMs;
        this.maxPerSecond = maxPerSecond;
    }

    @Override
    public boolean onFrame(DeviceConnection c, ClientFrame frame) {
        if (!(frame instanceof ClientFrame.Typing t)) {
            return false;
        }
        Typist typist = typists.computeIfAbsent(c, k -> new Typist(maxPerSecond));
        if (!typist.rate.tryAcquire(System.currentTimeMillis())) {
            c.refuse(ErrorCode.RATE_LIMITED, "more than " + maxPerSecond + " typing frames per second; dropped", null);
            return true;
        }
        membership.members(t.conversationId()).onComplete(ar -> {
            if (ar.failed()) {
                Failures.Outcome o = Failures.of(ar.cause(), "typing not relayed", "send it again");
                c.refuse(o.code(), o.message(), null);
            } else if (ar.result().isEmpty()) {
                c.refuse(ErrorCode.UNKNOWN_CONVERSATION, "no conversation '" + t.conversationId() + "'", null);
            } else if (!ar.result().get().contains(c.userId())) {
                c.refuse(ErrorCode.NOT_A_MEMBER, "you are not a member of " + t.conversationId(), null);
            } else {
                List<String> recipients = ar.result().get().stream().filter(u -> !u.equals(c.userId())).toList();
                relay(c, typist, t.conversationId(), recipients, t.start());
            }
        });
        return true;
    }

    private void relay(DeviceConnection c, Typist typist, String conversationId, List<String> recipients, boolean start) {
        Long timer = typist.stopTimers.remove(conversationId);
        if (timer != null) {
            c.context().owner().cancelTimer(timer);
        }
        if (start) {
            // Not renewed within the expiry: the user stopped typing without saying so (app backgrounded, crash).
            typist.stopTimers.put(conversationId, c.context().owner().setTimer(expiryMs, id -> {
                typist.stopTimers.remove(conversationId);
                publish(c, conversationId, recipients, false);
            }));
        }
        publish(c, conversationId, recipients, start);
    }

    private void publish(DeviceConnection c, String conversationId, List<String> recipients, boolean start) {
        TypingSignal signal = TypingSignal.newBuilder().setConversationId(conversationId).setSenderUserId(c.userId())
                .setSenderDeviceId(c.deviceId()).setRecipientUserIds(recipients)
                .setState(start ? TypingState.START : TypingState.STOP).setExpiresInMs(start ? expiryMs : 0)
                .setAt(Instant.now()).build();
        log.typing(signal).onFailure(err -> LOG.debug("typing signal not appended: {}", err.toString()));
    }

    @Override
    public void onClose(DeviceConnection c) {
        Typist typist = typists.remove(c);
        if (typist == null) {
            return;
        }
        typist.stopTimers.forEach((conversationId, timer) -> {
            c.context().owner().cancelTimer(timer);
            membership.members(conversationId).onSuccess(m -> m.ifPresent(members -> publish(c, conversationId,
                    members.stream().filter(u -> !u.equals(c.userId())).toList(), false)));
        });
    }

    /** From the signals tail: to every recipient device connected to this edge. */
    public void onSignal(TypingSignal s) {
        String frame = frame(s);
        for (String user : s.getRecipientUserIds()) {
            for (DeviceConnection c : connected.ofUser(user)) {
                c.push(frame);
            }
        }
    }

    static String frame(TypingSignal s) {
        JsonObject f = new JsonObject().put("type", "typing").put("conversationId", s.getConversationId())
                .put("userId", s.getSenderUserId()).put("deviceId", s.getSenderDeviceId())
                .put("state", s.getState() == TypingState.START ? "start" : "stop");
        if (s.getState() == TypingState.START) {
            f.put("expiresInMs", s.getExpiresInMs());
        }
        return f.encode();
    }
}
