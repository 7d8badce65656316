package org.parley.client.history;

import java.util.Arrays;
import java.util.Objects;

/**
 * One message a device decrypted (or sent), as it keeps it locally and as a history archive carries it to a newly
 * linked device: where it is ({@code conversationId}, {@code seq}), who sent it, when, and its content as the sender
 * wrote it (the latest content after an edit, with {@code edited} set).
 */
public record HistoryEntry(String conversationId, long seq, String senderUserId, String senderDeviceId, long sentAt,
                           boolean edited, byte[] content) {
    public HistoryEntry {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(senderUserId, "senderUserId");
        Objects.requireNonNull(senderDeviceId, "senderDeviceId");
        Objects.requireNonNull(content, "content");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be positive, not " + seq);
        }
    }

    /** The same message with new content after an edit. */
    public HistoryEntry editedTo(byte[] newContent) {
        return new HistoryEntry(conversationId, seq, senderUserId, senderDeviceId, sentAt, true, newContent);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HistoryEntry e && seq == e.seq && sentAt == e.sentAt && edited == e.edited
                && conversationId.equals(e.conversationId) && senderUserId.equals(e.senderUserId)
                && senderDeviceId.equals(e.senderDeviceId) && Arrays.equals(content, e.content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(conversationId, seq, senderUserId, senderDeviceId, sentAt, edited, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
        return "HistoryEntry[" + conversationId + "#" + seq + " from " + senderUserId + "/" + senderDeviceId
                + (edited ? ", edited" : "") + ", " + content.length + " bytes]";
    }
}
