package org.parley.streams;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.parley.events.MessageRef;

/**
 * What the sequencer remembers of each message (sender, time, deleted) so that replies, reactions, edits and deletes
 * can be checked against their target. Keys sort by seq within a conversation, so ranges can be scanned.
 */
final class MessageTargets {
    static final String STORE = "message-refs";

    private final KeyValueStore<String, MessageRef> refs;

    MessageTargets(KeyValueStore<String, MessageRef> refs) {
        this.refs = refs;
    }

    static String key(String conversationId, long seq) {
        return conversationId + '\u0000' + String.format("%019d", seq);
    }

    static long seqOf(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('\u0000') + 1));
    }

    void remember(String conversationId, long seq, MessageRef ref) {
        refs.put(key(conversationId, seq), ref);
    }

    java.util.Optional<MessageRef> find(String conversationId, long seq) {
        return java.util.Optional.ofNullable(refs.get(key(conversationId, seq)));
    }

    /**
     * The message {@code seq} as {@code userId} may reference it: it exists, is a message, is within the user's reach
     * (not from before they joined, unless history is shared) and, unless {@code deletedOk}, not deleted.
     */
    MessageRef require(ConversationAccess c, String userId, Long seq, long head, boolean deletedOk) {
        if (seq == null) {
            throw new Rejection("MISSING_FIELD", "targetSeq is required");
        }
        if (seq < 1 || seq > head) {
            throw new Rejection("TARGET_UNKNOWN", "no message " + seq + " in " + c.conversationId());
        }
        if (seq < c.reachFrom(userId)) {
            throw new Rejection("TARGET_UNKNOWN", "message " + seq + " is from before you joined " + c.conversationId());
        }
        MessageRef ref = refs.get(key(c.conversationId(), seq));
        if (ref == null) {
            throw new Rejection("TARGET_UNKNOWN", seq + " in " + c.conversationId() + " is not a message (or is older than"
                    + " the sequencer keeps)");
        }
        if (ref.getDeleted() && !deletedOk) {
            throw new Rejection("TARGET_UNKNOWN", "message " + seq + " was deleted");
        }
        return ref;
    }

    /** The highest seq of each sender's messages in (after, upTo], in sender order of first appearance. */
    Map<String, Long> lastSeqBySender(String conversationId, long after, long upTo) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (upTo <= after) {
            return out;
        }
        try (KeyValueIterator<String, MessageRef> it = refs.range(key(conversationId, after + 1), key(conversationId, upTo))) {
            while (it.hasNext()) {
                KeyValue<String, MessageRef> e = it.next();
                out.put(e.value.getSenderUserId(), seqOf(e.key));
            }
        }
        return out;
    }

    /** Forgets messages sent before {@code cutoff} (epoch millis): their windows have long passed. */
    void forgetSentBefore(long cutoff) {
        java.util.List<String> old = new java.util.ArrayList<>();
        try (KeyValueIterator<String, MessageRef> all = refs.all()) {
            while (all.hasNext()) {
                KeyValue<String, MessageRef> e = all.next();
                if (e.value.getSentAt() < cutoff) {
                    old.add(e.key);
                }
            }
        }
        old.forEach(refs::delete);
    }
}
