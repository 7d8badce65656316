package org.parley.edge.limits;

import java.util.Locale;
import org.parley.edge.protocol.ClientFrame;

/** The kinds of client frames that cost the edge work, each with its own per-user and per-address limit. */
public enum FrameKind {
    /** Every text frame, whatever it is (acks, pings, malformed ones too). */
    FRAMES,
    /** Frames that become conversation events: send, react, edit, delete, group changes, mute. */
    ACTIONS,
    /** {@code read} receipts (each is appended to the log). */
    RECEIPTS,
    /** {@code history} pages, {@code group}, {@code messageInfo} and {@code search} queries (CQL reads). */
    HISTORY,
    /** {@code chats}: a few CQL reads per conversation of the user. */
    CHATS,
    /** {@code settings} changes (the log, then CQL). */
    SETTINGS,
    /** {@code presence} subscribe / unsubscribe. */
    PRESENCE,
    /** {@code typing} (appended to the signals topic). */
    TYPING,
    /**
     * Key bundle fetches, {@code GET /v1/keys/{userId}} (HTTP, not a frame: counted per requesting user and address;
     * each fetch hands out one-time prekeys, so this bounds how fast a user can drain someone's).
     */
    KEYS,
    /** Media uploads started, {@code POST /v1/uploads} (HTTP): each allocates an object and presigned URLs. */
    UPLOADS;

    /** The setting's last part: {@code limits.user.<name>}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind a decoded frame counts against besides {@link #FRAMES}, or null (acks, pings). */
    public static FrameKind of(ClientFrame frame) {
        if (frame instanceof ClientFrame.Send || frame instanceof ClientFrame.Act) {
            return ACTIONS;
        } else if (frame instanceof ClientFrame.Read) {
            return RECEIPTS;
        } else if (frame instanceof ClientFrame.History || frame instanceof ClientFrame.GroupQuery
                || frame instanceof ClientFrame.MessageInfo || frame instanceof ClientFrame.Search) {
            return HISTORY;
        } else if (frame instanceof ClientFrame.Chats) {
            return CHATS;
        } else if (frame instanceof ClientFrame.SettingsUpdate) {
            return SETTINGS;
        } else if (frame instanceof ClientFrame.PresenceSubscription) {
            return PRESENCE;
        } else if (frame instanceof ClientFrame.Typing) {
            return TYPING;
        }
        return null;
    }

    /** The frame's clientMessageId or requestId, for the error's {@code ref}. */
    public static String ref(ClientFrame frame) {
        if (frame instanceof ClientFrame.Send s) {
            return s.clientMessageId();
        } else if (frame instanceof ClientFrame.Act a) {
            return a.clientMessageId();
        } else if (frame instanceof ClientFrame.History h) {
            return h.requestId();
        } else if (frame instanceof ClientFrame.GroupQuery g) {
            return g.requestId();
        } else if (frame instanceof ClientFrame.MessageInfo m) {
            return m.requestId();
        } else if (frame instanceof ClientFrame.Chats c) {
            return c.requestId();
        } else if (frame instanceof ClientFrame.Search s) {
            return s.requestId();
        } else if (frame instanceof ClientFrame.SettingsUpdate u) {
            return u.requestId();
        }
        return null;
    }
}
