package org.parley.edge.protocol;

import java.util.List;
import org.parley.events.ActionType;
import org.parley.events.DeviceEnvelope;
import org.parley.events.GroupInfoChange;
import org.parley.events.Visibility;

/** A validated frame from a client. */
public sealed interface ClientFrame {
    /** A message being forwarded: where it was. */
    record Source(String conversationId, long seq) {
    }

    /**
     * Send a message: to a user (one-to-one) or into a conversation; optionally a reply or a forward. Either a
     * {@code payload}, or (one-to-one, end-to-end encrypted) one envelope per device with an empty payload. In a group,
     * always a {@code payload} (the Sender Key ciphertext), with envelopes carrying the sender's key distribution to
     * the member devices that need it (docs/adr/0012). {@code mediaObjectId}: the media object the encrypted
     * attachment descriptor names (server-visible, docs/media.md), or null.
     */
    record Send(String clientMessageId, String conversationId, byte[] payload, String mediaType, Long replyToSeq,
                Source forwardOf, List<DeviceEnvelope> envelopes, String mediaObjectId) implements ClientFrame {
        public Send {
            envelopes = envelopes == null ? List.of() : List.copyOf(envelopes);
        }

        /** Without an attachment object. */
        public Send(String clientMessageId, String conversationId, byte[] payload, String mediaType, Long replyToSeq,
                    Source forwardOf, List<DeviceEnvelope> envelopes) {
            this(clientMessageId, conversationId, payload, mediaType, replyToSeq, forwardOf, envelopes, null);
        }

        public Send(String clientMessageId, String conversationId, byte[] payload, String mediaType, Long replyToSeq,
                    Source forwardOf) {
            this(clientMessageId, conversationId, payload, mediaType, replyToSeq, forwardOf, List.of());
        }

        public Send(String clientMessageId, String conversationId, byte[] payload, String mediaType) {
            this(clientMessageId, conversationId, payload, mediaType, null, null);
        }

        /** Sent with envelopes (one-to-one: the content; in a group: key distribution). */
        public boolean encrypted() {
            return !envelopes.isEmpty();
        }

        /** A group send with key distribution envelopes. */
        public boolean distributesKeys() {
            return encrypted() && org.parley.schemas.Conversations.isGroup(conversationId);
        }
    }

    /**
     * Any other action that becomes a conversation event (react, edit, delete, group changes, mute): the sequencer
     * validates it against the conversation's state. Fields a type does not use are null. {@code envelopes}: a
     * one-to-one edit's or reaction's content, end-to-end encrypted per device (empty otherwise).
     */
    record Act(ActionType type, String clientMessageId, String conversationId, Long targetSeq, String reaction,
               byte[] payload, List<String> userIds, GroupInfoChange groupInfo, Long muteUntil,
               List<DeviceEnvelope> envelopes) implements ClientFrame {
        public Act {
            envelopes = envelopes == null ? List.of() : List.copyOf(envelopes);
        }

        public Act(ActionType type, String clientMessageId, String conversationId, Long targetSeq, String reaction,
                   byte[] payload, List<String> userIds, GroupInfoChange groupInfo, Long muteUntil) {
            this(type, clientMessageId, conversationId, targetSeq, reaction, payload, userIds, groupInfo, muteUntil,
                    List.of());
        }
    }

    /** Cumulative acknowledgement: every delivery up to this inbox seq was received. */
    record Ack(long inboxSeq) implements ClientFrame {
    }

    /** A page of a conversation's history, newest first, seq < beforeSeq. */
    record History(String requestId, String conversationId, long beforeSeq, int limit) implements ClientFrame {
    }

    /**
     * Search by metadata (docs/search.md): in one conversation or (null) across all of the user's, sent in
     * [fromTime, untilTime) (epoch ms, each optional), by one sender, by media type ({@link SearchFrames#mediaMatches}),
     * newest first, {@code limit} hits a page, older than {@code cursor} (null: from the newest).
     */
    record Search(String requestId, String conversationId, Long fromTime, Long untilTime, String senderUserId,
                  String mediaType, int limit, SearchCursor cursor) implements ClientFrame {
    }

    /** Read receipt: the device's user read the conversation up to this seq. */
    record Read(String conversationId, long seq) implements ClientFrame {
    }

    /** The user's chat list. */
    record Chats(String requestId) implements ClientFrame {
    }

    /** Each member's delivered/read status of one of the requester's own messages (docs/adr/0014). */
    record MessageInfo(String requestId, String conversationId, long seq) implements ClientFrame {
    }

    /** A group's info and members. */
    record GroupQuery(String requestId, String conversationId) implements ClientFrame {
    }

    /** Change some of the user's settings (null = unchanged). */
    record SettingsUpdate(String requestId, Boolean readReceipts, Visibility lastSeen, Visibility online,
                          String pushSound, List<String> contacts,
                          java.util.Map<String, List<String>> mediaAutoDownloadChange) implements ClientFrame {
        public SettingsUpdate(String requestId, Boolean readReceipts, Visibility lastSeen, Visibility online,
                              String pushSound, List<String> contacts) {
            this(requestId, readReceipts, lastSeen, online, pushSound, contacts, null);
        }
    }

    record Ping() implements ClientFrame {
    }

    /** Typing started or stopped in a conversation (edge/typing). */
    record Typing(String conversationId, boolean start) implements ClientFrame {
    }

    /** Follow (a chat opened) or stop following (closed) a user's presence (edge/presence). */
    record PresenceSubscription(String userId, boolean subscribe) implements ClientFrame {
    }
}
