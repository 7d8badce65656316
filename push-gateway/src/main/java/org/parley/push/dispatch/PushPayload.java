package org.parley.push.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.parley.events.PushRequest;

/**
 * What the client's push handler receives (encrypted end to end by Web Push): which conversation to show, how many
 * of its messages arrived since the device was last online, the user's sound, and the push id (so a client that got
 * the rare second copy, docs/adr/0007, shows it once). Never message content: the server does not need it
 * (invariant 6) and a push service must not see even ciphertext of it.
 */
public final class PushPayload {
    public static final String DEFAULT_SOUND = "default";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PushPayload() {
    }

    public static byte[] of(PushRequest r, String sound) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "message");
        m.put("pushId", r.getPushId());
        m.put("conversationId", r.getConversationId());
        m.put("unread", r.getUnreadCount());
        m.put("sound", sound == null ? DEFAULT_SOUND : sound);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
